"""Changing the department's settings in tests the way the screens do (through the services)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.test import override_settings

from belimumab.department import services
from belimumab.department.models import Department, LabTestSetting, VialPrice

# keys of settings.BELIMUMAB that the department owns -> the field of `Department`
OWNED = {
    "CURRENCY": "currency",
    "ROUNDING_TOLERANCE_PCT": "rounding_tolerance_pct",
    "WORKLIST_DAYS_AHEAD": "worklist_days_ahead",
    "WORKLIST_PAGE_SIZE": "worklist_page_size",
    "ORDER_SAFETY_MARGIN_DAYS": "order_safety_margin_days",
}


def department_set(**fields: Any) -> Department:
    """Save fields of the department's settings (validated and audited, as the screen does)."""
    department = Department.objects.get()
    for name, value in fields.items():
        setattr(department, name, Decimal(str(value)) if "pct" in name else value)
    return services.department_update(department=department, user=None)


def lab_set(test: str, **fields: Any) -> LabTestSetting:
    lab = LabTestSetting.objects.get(test=test)
    for name, value in fields.items():
        setattr(lab, name, value)
    return services.lab_setting_update(lab=lab, user=None)


def price_add(vial_mg: int, price: str, effective_from: date) -> VialPrice:
    return services.vial_price_add(
        vial_mg=vial_mg, price=Decimal(price), effective_from=effective_from, user=None
    )


@contextmanager
def settings_changed(**changes: Any) -> Iterator[None]:
    """`settings.BELIMUMAB` keys changed for a block: the department's own through its
    settings (restored after), the others through override_settings."""
    owned = {OWNED[key]: value for key, value in changes.items() if key in OWNED}
    others = {key: value for key, value in changes.items() if key not in OWNED}
    before = Department.objects.values(*owned).get() if owned else {}
    if owned:
        department_set(**owned)
    try:
        with override_settings(BELIMUMAB={**settings.BELIMUMAB, **others}):
            yield
    finally:
        if owned:
            department_set(**before)
