"""Reads of the department's settings: once per request, in one query.

`current()` reads the derived `SettingsSnapshot` row (one query) and keeps the result for the
rest of the request (a context variable the middleware clears at each request's start and end,
and the services clear after a change), so a page that asks a hundred times reads once and the
next request sees the latest change without a restart. Without a snapshot row (a database
flushed by a test) it falls back to the installation's seed, without writing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from belimumab.core.audit import Entry, history_entries
from belimumab.department.models import Department, LabTestSetting, SettingsSnapshot, VialPrice
from belimumab.department.seed import seed_data, seed_gtins
from belimumab.domain import defaults

_current: ContextVar[DepartmentSettings | None] = ContextVar("department_settings", default=None)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@dataclass(frozen=True)
class LabSetting:
    test: str
    unit: str
    loinc: str
    lower: Decimal | None
    upper: Decimal | None
    plausible_min: Decimal | None
    plausible_max: Decimal | None


@dataclass(frozen=True)
class DepartmentSettings:
    """The department's settings as plain values (what every reader needs)."""

    currency: str
    rounding_tolerance_pct: Decimal
    activity_bands: tuple[tuple[int, str], ...]
    baseline_window: tuple[int, int]
    timepoint_window: tuple[int, int]
    worklist_days_ahead: int
    worklist_page_size: int
    sheet_header: str  # the hospital's name and address lines
    # vial (mg) -> ((effective from, price), ...) sorted by date
    price_history: Mapping[int, tuple[tuple[date, Decimal], ...]]
    labs: Mapping[str, LabSetting]
    # stock (issue 14): lots flagged within the horizon, orders' margin, presentation -> GTINs
    stock_expiry_horizon_days: int = defaults.STOCK_EXPIRY_HORIZON_DAYS
    order_safety_margin_days: int = defaults.ORDER_SAFETY_MARGIN_DAYS
    gtins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DepartmentSettings:
        general = data["general"]
        mild, moderate, high, very_high = general["bands"]
        history: dict[int, list[tuple[date, Decimal]]] = {}
        for size, start, price in sorted(data["prices"], key=lambda p: (p[0], p[1])):
            history.setdefault(int(size), []).append((date.fromisoformat(start), Decimal(price)))
        return cls(
            currency=general["currency"],
            rounding_tolerance_pct=Decimal(general["rounding_tolerance_pct"]),
            activity_bands=(
                (0, "none"),
                (mild, "mild"),
                (moderate, "moderate"),
                (high, "high"),
                (very_high, "very_high"),
            ),
            baseline_window=(-general["baseline_days_before"], general["baseline_days_after"]),
            timepoint_window=(-general["window_days_before"], general["window_days_after"]),
            worklist_days_ahead=general["worklist_days_ahead"],
            worklist_page_size=general["worklist_page_size"],
            # a snapshot stored before the header existed: the installation's
            sheet_header=general.get("sheet_header", settings.BELIMUMAB["SHEET_HEADER"]),
            price_history={size: tuple(rows) for size, rows in history.items()},
            labs={
                test: LabSetting(
                    test=test,
                    unit=lab["unit"],
                    loinc=lab["loinc"],
                    lower=_decimal(lab["lower"]),
                    upper=_decimal(lab["upper"]),
                    plausible_min=_decimal(lab["plausible_min"]),
                    plausible_max=_decimal(lab["plausible_max"]),
                )
                for test, lab in data["labs"].items()
            },
            stock_expiry_horizon_days=general.get(
                "stock_expiry_horizon_days", defaults.STOCK_EXPIRY_HORIZON_DAYS
            ),
            order_safety_margin_days=general.get(
                "order_safety_margin_days", defaults.ORDER_SAFETY_MARGIN_DAYS
            ),
            gtins={
                code: tuple(codes) for code, codes in (data.get("gtins") or seed_gtins()).items()
            },
        )

    def presentation_of(self, gtin: str) -> str | None:
        """The stock presentation a product code is configured for, or None."""
        for code, codes in self.gtins.items():
            if gtin in codes:
                return code
        return None

    def prices_on(self, day: date) -> dict[int, Decimal]:
        """Price of each vial in force on `day` (before a vial's first date: its first price)."""
        prices = {}
        for size, rows in self.price_history.items():
            index = bisect_right([start for start, _price in rows], day) - 1
            prices[size] = rows[max(index, 0)][1]
        return prices

    def as_settings(self, today: date) -> dict[str, Any]:
        """The keys of `settings.BELIMUMAB` the department owns, with today's prices."""
        return {
            "CURRENCY": self.currency,
            "ROUNDING_TOLERANCE_PCT": self.rounding_tolerance_pct,
            "ACTIVITY_BANDS": self.activity_bands,
            "BASELINE_WINDOW": self.baseline_window,
            "TIMEPOINT_WINDOW": self.timepoint_window,
            "WORKLIST_DAYS_AHEAD": self.worklist_days_ahead,
            "WORKLIST_PAGE_SIZE": self.worklist_page_size,
            "VIAL_PRICES": self.prices_on(today),
            "VIAL_PRICE_HISTORY": self.price_history,
            "STOCK_EXPIRY_HORIZON_DAYS": self.stock_expiry_horizon_days,
            "ORDER_SAFETY_MARGIN_DAYS": self.order_safety_margin_days,
            "STOCK_GTINS": self.gtins,
        }


def current() -> DepartmentSettings:
    """The department's settings: one query per request (or per command), then memory."""
    found = _current.get()
    if found is None:
        data = SettingsSnapshot.objects.values_list("data", flat=True).first()
        found = DepartmentSettings.from_data(data or seed_data(settings.BELIMUMAB))
        _current.set(found)
    return found


def forget() -> None:
    """The next `current()` reads the database again (a new request, a change, a restore)."""
    _current.set(None)


def belimumab(today: date | None = None) -> dict[str, Any]:
    """`settings.BELIMUMAB` with the department's own settings over it: every clinical number,
    read where `settings.BELIMUMAB` was read before the settings screens existed."""
    return {**settings.BELIMUMAB, **current().as_settings(today or timezone.localdate())}


def prices_on(day: date) -> dict[int, Decimal]:
    """Price of each vial (mg -> price) in force on `day`."""
    return current().prices_on(day)


def lab_settings() -> Mapping[str, LabSetting]:
    """Per lab test its unit, LOINC code, default range and plausible range."""
    return current().labs


def plausible_ranges() -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Per lab test (code) the (lowest, highest) value accepted, in the test's default unit:
    the hard limits of the plausibility checks, which the department may change."""
    return {test: (lab.plausible_min, lab.plausible_max) for test, lab in current().labs.items()}


def department_settings_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Each request reads the settings afresh (once), whatever the previous one read."""

    def middleware(request: HttpRequest) -> HttpResponse:
        forget()
        try:
            return get_response(request)
        finally:
            forget()

    return middleware


# --- the settings screens ------------------------------------------------------------------


def department_row() -> Department | None:
    return Department.objects.first()


def vial_prices() -> list[VialPrice]:
    """Every price, active or not, by vial and date (the screen shows the deactivated too)."""
    return list(VialPrice.objects.order_by("vial_mg", "effective_from", "pk"))


def _plain(value: Decimal | None) -> Decimal | None:
    """As the laboratory writes it: 0.790 -> 0.79, 50.000 -> 50."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def lab_rows() -> list[LabTestSetting]:
    """The lab tests with their limits written without trailing zeros (for display only)."""
    rows = list(LabTestSetting.objects.order_by("test"))
    for row in rows:
        for name in ("lower", "upper", "plausible_min", "plausible_max"):
            setattr(row, name, _plain(getattr(row, name)))
    return rows


def settings_history() -> list[Entry]:
    """Every change of every setting, newest first (three queries: one per model)."""
    entries: list[Entry] = []
    for model in (Department, VialPrice, LabTestSetting):
        rows: dict[int, list[Any]] = {}
        for row in model.history.select_related("history_user").order_by("history_date"):
            rows.setdefault(row.id, []).append(row)
        for records in rows.values():
            label = str(model._meta.verbose_name)
            if model is not Department:  # one row: its name says it all
                label = f"{label} {records[-1].instance}"
            entries.extend(history_entries(records, label))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
