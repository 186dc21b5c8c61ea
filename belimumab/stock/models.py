"""The pharmacy's stock by lot: lots of a presentation (vial or pen) and their movements.

Audited like clinical data (ClinicalModel: version, history, never deleted). A lot's quantity on
hand is the sum of its active movements, never a stored counter: every writer locks the lot row
(`select_for_update`) before it reads that sum, so two pharmacists cannot take the same last vial.
A movement names no record above it: the pharmacy's infusion points at its "used" movements.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from belimumab.core.models import ClinicalModel
from belimumab.department.models import FIRST_DATE, Presentation

LOT_UNIQUE = "one_lot_number_per_presentation"


class VialLot(ClinicalModel):
    """One lot of a presentation, as printed on the pack (GS1 DataMatrix: 01, 10, 17, 21)."""

    presentation = models.CharField(_("presentation"), max_length=8, choices=Presentation.choices)
    gtin = models.CharField(
        _("product code (GTIN)"),
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", _("A GTIN has 14 digits."))],
    )
    number = models.CharField(_("lot number"), max_length=20)
    expiry = models.DateField(_("expiry date"), validators=[MinValueValidator(FIRST_DATE)])
    serial = models.CharField(_("serial number of the scanned pack"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["presentation", "expiry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["presentation", "number"], name=LOT_UNIQUE),
        ]
        indexes = [models.Index(fields=["presentation", "expiry"], name="lot_presentation_expiry")]

    def __str__(self) -> str:
        return str(_("%(presentation)s lot %(number)s (expires %(expiry)s)")) % {
            "presentation": self.get_presentation_display(),
            "number": self.number,
            "expiry": date_format(self.expiry, "SHORT_DATE_FORMAT") if self.expiry else "—",
        }


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("received")
    USED = "used", _("used for a preparation")
    WASTED = "wasted", _("wasted or broken")
    RETURNED = "returned", _("returned")
    CORRECTED = "corrected", _("corrected by inventory")
    # a preparation's draw given back: its infusion was corrected or deactivated (pharmacy)
    RESTORED = "restored", _("given back from a preparation")


OUTGOING = (MovementKind.USED, MovementKind.WASTED, MovementKind.RETURNED)
INCOMING = (MovementKind.RECEIVED, MovementKind.RESTORED)


class StockMovement(ClinicalModel):
    """Vials in (+) or out (-) of a lot: who, when and why. Never edited once written."""

    lot = models.ForeignKey(
        VialLot, on_delete=models.PROTECT, related_name="movements", verbose_name=_("lot")
    )
    kind = models.CharField(_("movement"), max_length=10, choices=MovementKind.choices)
    quantity = models.IntegerField(_("vials"), help_text=_("Positive in, negative out."))
    on_date = models.DateField(_("date"), validators=[MinValueValidator(FIRST_DATE)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    reason = models.CharField(_("reason or reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["lot", "on_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=INCOMING, quantity__gt=0)
                    | Q(kind__in=OUTGOING, quantity__lt=0)
                    | (Q(kind=MovementKind.CORRECTED) & ~Q(quantity=0))
                ),
                name="movement_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} ({self.lot.number})"
