"""Plausibility of what is entered, in forms and imports alike (DOMAIN.md "Plausibility of what
is entered").

One rule per value. Each returns None (plausible), a refusal (`Finding.refused`: outside the hard
range, never saved) or a warning (beyond the usual limit: saved only once the user confirms its
`check` code, which is stored with the record). The C3/C4 rule also offers the value converted from
mg/dL (`Finding.suggestion`). Codes and numbers only: the Django layer words them
(`belimumab.core.plausibility`).

The limits are data (`Limits`, defaults from `defaults.py`) passed to every rule, so that a
department's own values can replace them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from belimumab.domain import defaults
from belimumab.domain.dates import shift

REFUSE = "refuse"
CONFIRM = "confirm"

# The checks a user (or an import's `confirmed` column) may confirm, in the order they are shown.
CONFIRMABLE: tuple[str, ...] = (
    "weight_change",
    "interval_short",
    "corticosteroid_high",
    "visit_before_d0",
    "visit_same_day",
    "course_start_ahead",
)


def _decimals(table: Mapping[str, tuple[str, str]]) -> dict[str, tuple[Decimal, Decimal]]:
    return {key: (Decimal(low), Decimal(high)) for key, (low, high) in table.items()}


_EARLIEST = date.fromisoformat(defaults.EARLIEST_CLINICAL_DATE)


@dataclass(frozen=True)
class Limits:
    """Every limit of the DOMAIN.md table (a department may replace any of them)."""

    weight_kg: tuple[Decimal, Decimal] = (
        Decimal(defaults.PLAUSIBLE_WEIGHT_KG[0]),
        Decimal(defaults.PLAUSIBLE_WEIGHT_KG[1]),
    )
    weight_change_pct: Decimal = Decimal(str(defaults.WEIGHT_CHANGE_CONFIRM_PCT))
    interval_margin_days: Mapping[str, int] = field(
        default_factory=lambda: dict(defaults.INTERVAL_CONFIRM_MARGIN_DAYS)
    )
    prednisone_mg_day: tuple[Decimal, Decimal] = (
        Decimal(defaults.PLAUSIBLE_PREDNISONE_MG_DAY[0]),
        Decimal(defaults.PLAUSIBLE_PREDNISONE_MG_DAY[1]),
    )
    prednisone_confirm_above: Decimal = Decimal(defaults.PREDNISONE_CONFIRM_ABOVE_MG_DAY)
    lab_ranges: Mapping[str, tuple[Decimal, Decimal]] = field(
        default_factory=lambda: _decimals(defaults.PLAUSIBLE_LAB_RANGES)
    )
    mg_dl_ranges: Mapping[str, tuple[Decimal, Decimal]] = field(
        default_factory=lambda: _decimals(defaults.MG_DL_SUSPECT_RANGES)
    )
    mg_dl_per_g_l: Decimal = Decimal(defaults.MG_DL_PER_G_L)
    earliest_date: date = _EARLIEST
    visit_before_d0_days: int = defaults.VISIT_BEFORE_D0_CONFIRM_DAYS
    course_ahead_days: int = defaults.COURSE_START_AHEAD_CONFIRM_DAYS
    patient_code_pattern: str = defaults.PATIENT_CODE_PATTERN


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Finding:
    """What a rule found: `check` (a stable code), `level` (REFUSE or CONFIRM), the numbers the
    message quotes (`params`) and, for C3/C4 in mg/dL, the converted value to offer."""

    check: str
    level: str
    params: Mapping[str, object] = field(default_factory=dict)
    suggestion: Decimal | None = None

    @property
    def refused(self) -> bool:
        return self.level == REFUSE


def needs_confirmation(finding: Finding | None, confirmed: Iterable[str]) -> bool:
    """A warning not confirmed yet (a refusal is not confirmable)."""
    return finding is not None and not finding.refused and finding.check not in set(confirmed)


def _outside(value: Decimal, bounds: tuple[Decimal, Decimal]) -> bool:
    return not bounds[0] <= value <= bounds[1]


def weight(
    weight_kg: Decimal | None, previous_kg: Decimal | None, limits: Limits = DEFAULT_LIMITS
) -> Finding | None:
    """Weight for an IV dose: refused outside 10-250 kg; a change of more than 10 % since the
    last infusion's weight asks for confirmation."""
    if weight_kg is None:
        return None
    low, high = limits.weight_kg
    if _outside(weight_kg, limits.weight_kg):
        return Finding("weight_range", REFUSE, {"min": low, "max": high})
    if previous_kg is not None and previous_kg > 0:
        change = (weight_kg - previous_kg) * 100 / previous_kg
        if abs(change) > limits.weight_change_pct:
            return Finding(
                "weight_change",
                CONFIRM,
                {"change": change, "previous": previous_kg, "pct": limits.weight_change_pct},
            )
    return None


def interval(
    day: date,
    previous: date | None,
    *,
    scheduled_days: int,
    route: str,
    limits: Limits = DEFAULT_LIMITS,
) -> Finding | None:
    """Interval since the previous administration of the course: the same day is refused;
    earlier than the scheduled interval minus 7 days (IV) or 3 days (SC) asks for confirmation.
    `scheduled_days`: the regimen's interval after the previous administration (IV: 14, 14,
    28...)."""
    if previous is None:
        return None
    days = abs((day - previous).days)
    if days == 0:
        return Finding("interval_same_day", REFUSE, {"previous": previous})
    earliest = scheduled_days - limits.interval_margin_days.get(route, 0)
    if days < earliest:
        return Finding(
            "interval_short",
            CONFIRM,
            {"days": days, "scheduled": scheduled_days, "previous": previous},
        )
    return None


def corticosteroid(
    prednisone_mg_day: Decimal | None, limits: Limits = DEFAULT_LIMITS
) -> Finding | None:
    """Corticosteroid dose in mg/day prednisone equivalent: refused outside 0-1250; above 100
    (a pulse?) asks for confirmation."""
    if prednisone_mg_day is None:
        return None
    low, high = limits.prednisone_mg_day
    if _outside(prednisone_mg_day, limits.prednisone_mg_day):
        return Finding("corticosteroid_range", REFUSE, {"min": low, "max": high})
    if prednisone_mg_day > limits.prednisone_confirm_above:
        return Finding(
            "corticosteroid_high",
            CONFIRM,
            {"dose": prednisone_mg_day, "above": limits.prednisone_confirm_above},
        )
    return None


def lab_value(test: str, value: Decimal | None, limits: Limits = DEFAULT_LIMITS) -> Finding | None:
    """A lab result in the test's default unit: refused outside its hard range (anti-dsDNA
    0-10,000 IU/mL, CH50 0-200 U/mL, C3 0-5 g/L, C4 0-2 g/L, platelets 0-2,000 and leukocytes
    0-300 x 10^9/L, proteinuria 0-30 g/24 h); C3 or C4 between 10 and 500 looks like mg/dL: the
    refusal offers the value divided by 100. A test without a range is not checked."""
    bounds = limits.lab_ranges.get(test)
    if value is None or bounds is None or not _outside(value, bounds):
        return None
    suspect = limits.mg_dl_ranges.get(test)
    if suspect is not None and not _outside(value, suspect):
        converted = (value / limits.mg_dl_per_g_l).normalize()
        return Finding(
            "lab_mg_dl",
            REFUSE,
            {"min": bounds[0], "max": bounds[1], "value": converted},
            suggestion=converted,
        )
    return Finding("lab_range", REFUSE, {"min": bounds[0], "max": bounds[1]})


def clinical_date(day: date | None, limits: Limits = DEFAULT_LIMITS) -> Finding | None:
    """Any clinical date: refused before 1900-01-01."""
    if day is not None and day < limits.earliest_date:
        return Finding("date_too_early", REFUSE, {"earliest": limits.earliest_date})
    return None


def course_start(day: date | None, today: date, limits: Limits = DEFAULT_LIMITS) -> Finding | None:
    """A course start: refused before 1900; more than 365 days ahead asks for confirmation."""
    if day is None:
        return None
    early = clinical_date(day, limits)
    if early is not None:
        return early
    if day > shift(today, limits.course_ahead_days):  # shift: never past date.max
        return Finding("course_start_ahead", CONFIRM, {"days": limits.course_ahead_days})
    return None


def visit_date(
    day: date | None,
    *,
    birth: date | None,
    today: date,
    d0: date | None,
    limits: Limits = DEFAULT_LIMITS,
) -> Finding | None:
    """A visit date: refused before birth (or 1900) and after today; more than 365 days before
    D0 (the first course's start) asks for confirmation."""
    if day is None:
        return None
    early = clinical_date(day, limits)
    if early is not None:
        return early
    if birth is not None and day < birth:
        return Finding("date_before_birth", REFUSE, {"birth": birth})
    if day > today:
        return Finding("date_future", REFUSE, {"today": today})
    if d0 is not None and day < shift(d0, -limits.visit_before_d0_days):
        return Finding("visit_before_d0", CONFIRM, {"d0": d0, "days": limits.visit_before_d0_days})
    return None


def same_day_visit(day: date | None, other_visit_days: Iterable[date]) -> Finding | None:
    """A second visit on the same day as another visit of the patient asks for confirmation."""
    if day is not None and day in set(other_visit_days):
        return Finding("visit_same_day", CONFIRM, {"date": day})
    return None


def patient_code(code: str, limits: Limits = DEFAULT_LIMITS) -> Finding | None:
    """A pseudonymous patient code: 1-32 letters, digits or . _ / - (starting with a letter or
    a digit); anything else is refused."""
    if re.fullmatch(limits.patient_code_pattern, code):
        return None
    return Finding("patient_code", REFUSE, {"code": code[:40]})
