"""Writes of the department's settings: validated, audited (who, when, before, after), and the
derived snapshot rebuilt in the same transaction so that the next read sees the change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from belimumab.core.services import clinical_deactivate, clinical_save
from belimumab.department import selectors
from belimumab.department.models import Department, LabTestSetting, SettingsSnapshot, VialPrice
from belimumab.department.seed import seed_data

PRICE_UNIQUE = "one_price_per_vial_and_date"
SAME_DAY = _("A price of this vial already starts on that date: deactivate it first.")
LAST_PRICE = _("This is the only price of this vial: add the right one before deactivating it.")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def snapshot_data() -> dict[str, Any]:
    """The settings tables as `seed.seed_data` data (three queries)."""
    department = Department.objects.get()
    return {
        "general": {
            "currency": department.currency,
            "rounding_tolerance_pct": str(department.rounding_tolerance_pct),
            "bands": [b for b, code in department.activity_bands if code != "none"],
            "baseline_days_before": department.baseline_days_before,
            "baseline_days_after": department.baseline_days_after,
            "window_days_before": department.window_days_before,
            "window_days_after": department.window_days_after,
            "worklist_days_ahead": department.worklist_days_ahead,
            "worklist_page_size": department.worklist_page_size,
            "stock_expiry_horizon_days": department.stock_expiry_horizon_days,
            "order_safety_margin_days": department.order_safety_margin_days,
            "sheet_header": department.sheet_header,
        },
        "gtins": department.gtins(),
        "prices": [
            [size, start.isoformat(), str(price)]
            for size, start, price in VialPrice.objects.active().values_list(
                "vial_mg", "effective_from", "price"
            )
        ],
        "labs": {
            lab.test: {
                "unit": lab.unit,
                "loinc": lab.loinc,
                "lower": _text(lab.lower),
                "upper": _text(lab.upper),
                "plausible_min": _text(lab.plausible_min),
                "plausible_max": _text(lab.plausible_max),
            }
            for lab in LabTestSetting.objects.active()
        },
    }


def snapshot_refresh() -> None:
    """Rebuild the snapshot the pages read; the next `selectors.current()` reads it."""
    SettingsSnapshot.objects.update_or_create(pk=1, defaults={"data": snapshot_data()})
    transaction.on_commit(selectors.forget)
    selectors.forget()


@transaction.atomic
def department_seed(config: dict[str, Any] | None = None) -> bool:
    """At installation (post_migrate, also after a flush or a restore without them): the
    settings tables from `settings.BELIMUMAB`. Never overwrites what the screens saved."""
    if Department.objects.exists():
        if not SettingsSnapshot.objects.exists():
            snapshot_refresh()
        return False
    data = seed_data(config if config is not None else settings.BELIMUMAB)
    general = dict(data["general"])
    mild, moderate, high, very_high = general.pop("bands")
    Department.objects.create(
        **general,
        **{f"gtins_{code}": " ".join(codes) for code, codes in data["gtins"].items()},
        band_mild=mild,
        band_moderate=moderate,
        band_high=high,
        band_very_high=very_high,
    )
    for size, start, price in data["prices"]:
        VialPrice.objects.create(
            vial_mg=size, effective_from=date.fromisoformat(start), price=Decimal(price)
        )
    for test, lab in data["labs"].items():
        LabTestSetting.objects.create(test=test, **lab)
    snapshot_refresh()
    return True


def department_update(
    *, department: Department, user: Any, expected_version: int | None = None
) -> Department:
    """Save the general settings (currency, rounding, bands, windows, worklist)."""
    with transaction.atomic():
        saved = clinical_save(department, user=user, expected_version=expected_version)
        snapshot_refresh()
    return saved


def vial_price_add(*, vial_mg: int, price: Decimal, effective_from: date, user: Any) -> VialPrice:
    """A new price of a vial from a date on; infusions before that date keep the old price."""
    record = VialPrice(vial_mg=vial_mg, price=price, effective_from=effective_from)
    with transaction.atomic():
        clinical_save(
            record,
            user=user,
            integrity_errors={PRICE_UNIQUE: ("effective_from", SAME_DAY)},
        )
        snapshot_refresh()
    return record


def vial_price_deactivate(
    *, price: VialPrice, user: Any, expected_version: int | None = None
) -> VialPrice:
    """A price entered by mistake stops counting (never deleted); the last price of a vial stays."""
    with transaction.atomic():
        others = VialPrice.objects.active().filter(vial_mg=price.vial_mg).exclude(pk=price.pk)
        if not others.exists():
            raise ValidationError(LAST_PRICE)
        clinical_deactivate(price, user=user, expected_version=expected_version)
        snapshot_refresh()
    return price


def lab_setting_update(
    *, lab: LabTestSetting, user: Any, expected_version: int | None = None
) -> LabTestSetting:
    """Save a lab test's unit, LOINC code, default range and plausible range."""
    with transaction.atomic():
        saved = clinical_save(lab, user=user, expected_version=expected_version)
        snapshot_refresh()
    return saved
