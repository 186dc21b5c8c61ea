"""The settings that belong to the department (DOMAIN.md), edited by administrators and audited
like clinical data (ClinicalModel: version, history, never deleted).

`SettingsSnapshot` is derived: one row holding all of them as plain data, rebuilt by the
services after each change, so that a page reads the department's settings in one query.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from belimumab.core.models import ClinicalModel
from belimumab.domain import defaults
from belimumab.domain.stock import gtin_is_valid

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_SLEDAI = 105
FIRST_DATE = date(1900, 1, 1)


class Presentation(models.TextChoices):
    """What the pharmacy keeps in stock (domain.defaults.STOCK_PRESENTATIONS)."""

    IV120 = "iv120", _("120 mg vial (IV)")
    IV400 = "iv400", _("400 mg vial (IV)")
    SC200 = "sc200", _("200 mg pen (SC)")


def gtin_list(text: str) -> list[str]:
    """The product codes of a settings field: separated by spaces, commas or new lines."""
    return [code for code in re.split(r"[\s,;]+", text or "") if code]


def _gtins_field(label: StrOrPromise) -> models.CharField:
    return models.CharField(
        label,
        max_length=200,
        blank=True,
        help_text=_("GTIN-14 product codes of the packs (14 digits), separated by spaces."),
    )


class Department(ClinicalModel):
    """One row: currency, rounding tolerance, activity bands, time-point windows, worklist."""

    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters (ISO 4217): EUR."))],
    )
    rounding_tolerance_pct = models.DecimalField(
        _("dose rounding tolerance (%)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(20))],
        help_text=_("How far under the prescribed dose a dose may be rounded; 0: no rounding."),
    )
    band_mild = models.PositiveSmallIntegerField(_("mild activity from"), default=1)
    band_moderate = models.PositiveSmallIntegerField(_("moderate activity from"), default=6)
    band_high = models.PositiveSmallIntegerField(_("high activity from"), default=11)
    band_very_high = models.PositiveSmallIntegerField(_("very high activity from"), default=20)
    baseline_days_before = models.PositiveSmallIntegerField(
        _("baseline window: days before D0"), default=30, validators=[MaxValueValidator(180)]
    )
    baseline_days_after = models.PositiveSmallIntegerField(
        _("baseline window: days after D0"), default=7, validators=[MaxValueValidator(90)]
    )
    window_days_before = models.PositiveSmallIntegerField(
        _("M6/M12 window: days before"), default=45, validators=[MaxValueValidator(90)]
    )
    window_days_after = models.PositiveSmallIntegerField(
        _("M6/M12 window: days after"), default=45, validators=[MaxValueValidator(90)]
    )
    worklist_days_ahead = models.PositiveSmallIntegerField(
        _("worklist: days ahead"), default=7, validators=[MaxValueValidator(60)]
    )
    worklist_page_size = models.PositiveSmallIntegerField(
        _("worklist: rows per page"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    stock_expiry_horizon_days = models.PositiveSmallIntegerField(
        _("stock: expiry horizon (days)"),
        default=defaults.STOCK_EXPIRY_HORIZON_DAYS,
        validators=[MaxValueValidator(730)],
        help_text=_("Lots expiring within this many days are flagged on the stock page."),
    )
    order_safety_margin_days = models.PositiveSmallIntegerField(
        _("stock: order safety margin (days)"),
        default=defaults.ORDER_SAFETY_MARGIN_DAYS,
        validators=[MaxValueValidator(180)],
        help_text=_("Orders cover the planning horizon plus this many days."),
    )
    gtins_iv120 = _gtins_field(_("product codes: 120 mg vial"))
    gtins_iv400 = _gtins_field(_("product codes: 400 mg vial"))
    gtins_sc200 = _gtins_field(_("product codes: 200 mg pen"))
    sheet_header = models.TextField(
        _("header of the preparation sheets"),
        max_length=500,
        blank=True,
        help_text=_("The hospital's name and address, one line each, as printed on every sheet."),
    )

    class Meta:
        verbose_name = _("department settings")
        verbose_name_plural = _("department settings")

    def __str__(self) -> str:
        return str(_("Department settings"))

    def gtins(self) -> dict[str, list[str]]:
        """Presentation -> its product codes."""
        return {code: gtin_list(getattr(self, f"gtins_{code}")) for code in Presentation.values}

    def clean(self) -> None:
        self._clean_gtins()
        bands = [self.band_mild, self.band_moderate, self.band_high, self.band_very_high]
        if any(b is None for b in bands):
            return
        if bands[0] < 1 or bands[-1] > MAX_SLEDAI or bands != sorted(set(bands)):
            raise ValidationError(
                {
                    "band_moderate": _(
                        "The bands must rise: 1 <= mild < moderate < high < very high <= 105."
                    )
                }
            )

    def _clean_gtins(self) -> None:
        errors: dict[str, object] = {}
        seen: set[str] = set()
        for code, codes in self.gtins().items():
            wrong = [gtin for gtin in codes if not gtin_is_valid(gtin)]
            if wrong:
                errors[f"gtins_{code}"] = _(
                    "Not a GTIN-14 (14 digits ending with their check digit): %(codes)s"
                ) % {"codes": ", ".join(wrong)}
            elif seen & set(codes):
                errors[f"gtins_{code}"] = _("A product code belongs to one presentation only.")
            seen |= set(codes)
        if errors:
            raise ValidationError(errors)

    @property
    def activity_bands(self) -> tuple[tuple[int, str], ...]:
        return (
            (0, "none"),
            (self.band_mild, "mild"),
            (self.band_moderate, "moderate"),
            (self.band_high, "high"),
            (self.band_very_high, "very_high"),
        )


VIAL_CHOICES = [(size, f"{size} mg") for size in defaults.VIAL_SIZES_MG]


class VialPrice(ClinicalModel):
    """Price of one vial from a date on: in force until the next active price of that vial."""

    vial_mg = models.PositiveSmallIntegerField(_("vial"), choices=VIAL_CHOICES)
    price = models.DecimalField(
        _("price per vial"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    effective_from = models.DateField(
        _("in force from"), validators=[MinValueValidator(FIRST_DATE)]
    )

    class Meta:
        verbose_name = _("vial price")
        verbose_name_plural = _("vial prices")
        ordering = ["vial_mg", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["vial_mg", "effective_from"],
                condition=Q(is_active=True),
                name="one_price_per_vial_and_date",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="vial_price_positive"),
        ]

    def __str__(self) -> str:
        # the history's label: what was in force from when, as the administrator reads dates
        return str(_("%(vial)s mg: %(price)s from %(date)s")) % {
            "vial": self.vial_mg,
            "price": number_format(self.price, 2, use_l10n=True, force_grouping=True),
            "date": date_format(self.effective_from, "SHORT_DATE_FORMAT"),
        }

    def clean(self) -> None:
        if self.vial_mg is None or self.effective_from is None or not self.is_active:
            return
        same_day = VialPrice.objects.filter(
            vial_mg=self.vial_mg, effective_from=self.effective_from, is_active=True
        ).exclude(pk=self.pk)
        if same_day.exists():
            raise ValidationError(
                {
                    "effective_from": _(
                        "A price of this vial already starts on that date: deactivate it first."
                    )
                }
            )


LAB_CHOICES = [
    ("anti_dsdna", _("Anti-dsDNA antibodies")),
    ("ch50", _("CH50")),
    ("c3", _("C3")),
    ("c4", _("C4")),
    ("platelets", _("Platelets")),
    ("leukocytes", _("Leukocytes")),
    ("proteinuria", _("Proteinuria (24 h)")),
    ("upcr", _("Urine protein/creatinine ratio")),
]


def _limit(label: StrOrPromise) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=3, null=True, blank=True)


class LabTestSetting(ClinicalModel):
    """A lab test's unit, LOINC code, default normal range and plausible range (in its unit)."""

    test = models.CharField(_("test"), max_length=20, choices=LAB_CHOICES, unique=True)
    unit = models.CharField(_("unit"), max_length=20)
    loinc = models.CharField(
        _("LOINC code"),
        max_length=10,
        validators=[RegexValidator(r"^\d{1,7}-\d$", _("A LOINC code reads like 4485-9."))],
    )
    lower = _limit(_("normal range: lower limit"))
    upper = _limit(_("normal range: upper limit"))
    plausible_min = _limit(_("plausible from"))
    plausible_max = _limit(_("plausible up to"))

    class Meta:
        verbose_name = _("lab test setting")
        verbose_name_plural = _("lab test settings")
        ordering = ["test"]

    def __str__(self) -> str:
        return str(self.get_test_display())

    @property
    def units(self) -> list[str]:
        """The units a result of this test may carry (one of them is the default unit)."""
        return list(defaults.LAB_TESTS.get(self.test, {}).get("units", {}))

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.test in defaults.LAB_TESTS and self.unit not in self.units:
            errors["unit"] = _("Choose one of the units this test is reported in.")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            errors["upper"] = _("The upper limit must not be below the lower limit.")
        low, high = self.plausible_min, self.plausible_max
        if low is not None and high is not None and low >= high:
            errors["plausible_max"] = _("The plausible range must go up.")
        elif any(
            limit is not None
            and ((low is not None and limit < low) or (high is not None and limit > high))
            for limit in (self.lower, self.upper)
        ):
            errors["plausible_max"] = _("The normal range must lie within the plausible range.")
        if errors:
            raise ValidationError(errors)


class SettingsSnapshot(models.Model):
    """Derived, not audited: the settings above as one JSON document (`seed.seed_data` format),
    rebuilt in the same transaction as every change (`services.snapshot_refresh`)."""

    data = models.JSONField()
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"settings snapshot {self.built_at:%Y-%m-%d %H:%M}"
