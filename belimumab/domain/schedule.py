"""Belimumab administration schedule: regimens as data, due dates, gaps, interruptions, status.

Pure standard-library code; `today` is always passed in. Defaults from
`belimumab.domain.defaults`.

Clinical sources: Benlysta SmPC 4.2 and DOMAIN.md "The treatment course" (IV 10 mg/kg at D0,
D14, D28 then every 28 days; SC 200 mg weekly; lupus nephritis SC 400 mg weekly x4 then 200 mg
weekly; each next administration is due from the last one actually given), "Patients and
inclusion in the cohort analysis" and "Precise readings" (interruption in the first year).

Vocabulary: an administration's *index* is its 0-based rank among the administrations actually
given in the course (0 is D0). Several records on the same date count as one administration.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from belimumab.domain import defaults
from belimumab.domain.dates import shift
from belimumab.domain.defaults import (
    FIRST_YEAR_DAYS,
    IV_DOSE_MG_PER_KG,
    IV_INTERVAL_DAYS,
    IV_LOADING_INTERVALS_DAYS,
    MAX_INTERRUPTION_DAYS,
    SC_DOSE_MG,
    SC_INTERVAL_DAYS,
)
from belimumab.domain.dosing import dose_for_weight

__all__ = [
    "IV_NEPHRITIS",
    "IV_STANDARD",
    "REGIMENS",
    "ROUTES",
    "SC_NEPHRITIS",
    "SC_NEPHRITIS_LOADING_COUNT",
    "SC_NEPHRITIS_LOADING_DOSE_MG",
    "SC_STANDARD",
    "CourseSnapshot",
    "Gap",
    "Regimen",
    "ScheduleStatus",
    "course_snapshot",
    "cycle_label",
    "first_year_interruptions",
    "gaps",
    "is_excluded_for_interruption",
    "next_due_date",
    "schedule_status",
    "status_on",
]

ROUTES = ("iv", "sc")
# Lupus nephritis SC induction (Benlysta SmPC 4.2): 400 mg (two 200 mg injections) once a week
# for 4 doses, then 200 mg weekly. Not (yet) in defaults.py.
SC_NEPHRITIS_LOADING_DOSE_MG = defaults.SC_NEPHRITIS_LOADING_DOSE_MG
SC_NEPHRITIS_LOADING_COUNT = defaults.SC_NEPHRITIS_LOADING_COUNT
_WEEK_DAYS = 7


@dataclass(frozen=True)
class Regimen:
    """A belimumab regimen described as data.

    - `route`: "iv" or "sc";
    - dose: `loading_doses_mg[index]` for the first administrations, then `fixed_dose_mg` (mg)
      or, when there is no fixed dose, `mg_per_kg` (mg/kg) x the weight at that administration;
    - interval (days) from administration `index` to the next: `loading_intervals_days[index]`
      for the first ones, then `interval_days`.
    """

    code: str
    route: str
    mg_per_kg: int | None
    fixed_dose_mg: int | None
    loading_intervals_days: tuple[int, ...]
    interval_days: int
    loading_doses_mg: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}, got {self.route!r}")
        if self.mg_per_kg is None and self.fixed_dose_mg is None:
            raise ValueError("a regimen needs mg_per_kg or fixed_dose_mg")
        if self.interval_days <= 0 or any(d <= 0 for d in self.loading_intervals_days):
            raise ValueError("intervals must be positive numbers of days")
        if any(d <= 0 for d in self.loading_doses_mg):
            raise ValueError("loading doses must be positive (mg)")

    def dose_mg(self, weight_kg: Decimal | None, index: int) -> Decimal:
        """Dose (mg) of administration `index` (0-based) for a weight in kg.

        `loading_doses_mg[index]` while in the loading doses, else the fixed dose, else
        `mg_per_kg` x weight (exact, see `dosing.dose_for_weight`). The weight is only needed
        for a weight-based dose (ValueError when it is then None). Source: Benlysta SmPC 4.2.
        """
        _check_index(index)
        if index < len(self.loading_doses_mg):
            return Decimal(self.loading_doses_mg[index])
        if self.fixed_dose_mg is not None:
            return Decimal(self.fixed_dose_mg)
        if self.mg_per_kg is None:  # refused by __post_init__, unless the fields were forced
            raise ValueError(f"regimen {self.code} has neither a fixed dose nor mg_per_kg")
        if weight_kg is None:
            raise ValueError(f"regimen {self.code} doses by weight: weight_kg is required")
        return dose_for_weight(weight_kg, self.mg_per_kg)

    def interval_after(self, index: int) -> int:
        """Days from administration `index` (0-based) to the next one (Benlysta SmPC 4.2)."""
        _check_index(index)
        if index < len(self.loading_intervals_days):
            return self.loading_intervals_days[index]
        return self.interval_days

    def nominal_day(self, index: int) -> int:
        """Nominal day of administration `index` after D0 (days): sum of the intervals before."""
        _check_index(index)
        return sum(self.interval_after(i) for i in range(index))


def _check_index(index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"an administration index is an int >= 0, got {index!r}")


IV_STANDARD = Regimen(
    "iv_standard", "iv", IV_DOSE_MG_PER_KG, None, IV_LOADING_INTERVALS_DAYS, IV_INTERVAL_DAYS
)
# Lupus nephritis IV: same regimen as standard IV (Benlysta SmPC 4.2).
IV_NEPHRITIS = replace(IV_STANDARD, code="iv_nephritis")
SC_STANDARD = Regimen("sc_standard", "sc", None, SC_DOSE_MG, (), SC_INTERVAL_DAYS)
SC_NEPHRITIS = Regimen(
    "sc_nephritis",
    "sc",
    None,
    SC_DOSE_MG,
    (),
    SC_INTERVAL_DAYS,
    loading_doses_mg=(SC_NEPHRITIS_LOADING_DOSE_MG,) * SC_NEPHRITIS_LOADING_COUNT,
)
REGIMENS: dict[str, Regimen] = {
    regimen.code: regimen for regimen in (IV_STANDARD, IV_NEPHRITIS, SC_STANDARD, SC_NEPHRITIS)
}


def _administrations(given: Sequence[date]) -> list[date]:
    """Dates actually given, sorted, one per day."""
    return sorted(set(given))


def next_due_date(regimen: Regimen, start: date, given: Sequence[date]) -> date:
    """Date the next administration is due.

    `start` (D0) when nothing has been given; otherwise the last date actually given plus the
    interval after it (`regimen.interval_after(len(given) - 1)`, days). A late administration
    moves the next due date forward, never back. `given` may be unsorted; duplicate dates count
    once. Source: DOMAIN.md "The treatment course" (each next infusion is due from the last one
    actually given); intervals from Benlysta SmPC 4.2.
    """
    done = _administrations(given)
    if not done:
        return start
    return shift(done[-1], regimen.interval_after(len(done) - 1))


def cycle_label(regimen: Regimen, index: int) -> str:
    """Label of administration `index` (0-based).

    Regimens with loading intervals (IV): "D0", "D14", "D28" (nominal day, cumulative) for the
    administrations that start a loading interval plus the first maintenance one, then "C4",
    "C5", ... (cycle number, 1-based). Weekly regimens (SC): "W1", "W2", ... Others: "C1", ...
    Source: Benlysta SmPC 4.2 (D0, D14, D28 then every 4 weeks; weekly SC).
    """
    _check_index(index)
    if regimen.loading_intervals_days and index <= len(regimen.loading_intervals_days):
        return f"D{regimen.nominal_day(index)}"
    prefix = "W" if regimen.interval_days == _WEEK_DAYS else "C"
    return f"{prefix}{index + 1}"


def _missed_from(regimen: Regimen, index: int, elapsed_days: int) -> int:
    """Administrations missed `elapsed_days` days after administration `index` fell due.

    Walks the nominal intervals from `index`: an administration counts as missed once the
    nominal date of the one after it has come. With a constant interval T this is
    max(0, elapsed // T): a gap of 84 days on a 28-day schedule is 56 days past the due date,
    2 missed; 55 days -> 0 (late); 56 -> 1. In the IV loading phase the walk uses 14, 14, 28...:
    D0 then D56 misses D14 and D28 (2), where a constant 14 would say 3.
    """
    reached = 0
    for missed, i in enumerate(itertools.count(index)):
        reached += regimen.interval_after(i)
        if reached > elapsed_days:
            return missed
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Gap:
    """Time between two consecutive administrations actually given.

    `days` between them; `scheduled_days` the regimen's interval after the earlier one;
    `interruption_days` = days - scheduled_days (negative when early); `missed_cycles` the
    nominal administrations skipped (55 days on a 28-day schedule: 0, late; 56: 1; 84: 2).
    `index` is the earlier administration's 0-based index.
    """

    start: date
    end: date
    days: int
    scheduled_days: int
    interruption_days: int
    missed_cycles: int
    index: int = 0


def gaps(regimen: Regimen, given: Sequence[date]) -> list[Gap]:
    """Gaps (days) between consecutive administrations, in date order.

    The scheduled interval is `regimen.interval_after(index of the earlier one)`; `given` may be
    unsorted, duplicate dates count once. Source: DOMAIN.md "The treatment course" (missed
    infusions are visible, "2 cycles missed") and "Precise readings" (interruption).
    """
    done = _administrations(given)
    result = []
    for index, (earlier, later) in enumerate(itertools.pairwise(done)):
        days = (later - earlier).days
        scheduled = regimen.interval_after(index)
        result.append(
            Gap(
                start=earlier,
                end=later,
                days=days,
                scheduled_days=scheduled,
                interruption_days=days - scheduled,
                missed_cycles=_missed_from(regimen, index + 1, days - scheduled),
                index=index,
            )
        )
    return result


def first_year_interruptions(
    regimen: Regimen,
    start: date,
    given: Sequence[date],
    window_days: int = FIRST_YEAR_DAYS,
) -> list[Gap]:
    """Gaps whose earlier administration falls within D0 .. D0 + `window_days` (both included).

    Every such pair is returned with its `interruption_days` (days between minus the scheduled
    interval: IV 14 for the first two gaps, 28 after; SC 7), including early or on-time ones
    (interruption <= 0); filter on `interruption_days` as needed. A course with no later
    administration has no gap. Source: DOMAIN.md "Precise readings" (interruption).
    """
    last_day = shift(start, window_days)
    return [gap for gap in gaps(regimen, given) if start <= gap.start <= last_day]


def is_excluded_for_interruption(
    regimen: Regimen,
    start: date,
    given: Sequence[date],
    max_days: int = MAX_INTERRUPTION_DAYS,
    window_days: int = FIRST_YEAR_DAYS,
) -> bool:
    """True when a first-year interruption exceeds `max_days` days (more than 2 months).

    An 84-day gap on a 28-day schedule (interruption 56) is not excluded; 89 days
    (interruption 61) is not; 90 days (62) is. Source: DOMAIN.md "Patients and inclusion in the
    cohort analysis" (exclusion) and "Precise readings" (interruption).
    """
    return any(
        gap.interruption_days > max_days
        for gap in first_year_interruptions(regimen, start, given, window_days)
    )


@dataclass(frozen=True)
class ScheduleStatus:
    """Where a running course stands on a given day.

    `next_due` date of the next administration; `overdue_days` max(0, today - next_due);
    `missed_cycles_now` nominal administrations missed since `next_due` (one per interval
    elapsed, 0 while less than an interval late); `total_missed_cycles` those plus the gaps'
    missed cycles; `cycle_index` 0-based index of the next administration and `cycle_label`
    its label.
    """

    next_due: date
    overdue_days: int
    missed_cycles_now: int
    total_missed_cycles: int
    cycle_index: int
    cycle_label: str

    @property
    def is_overdue(self) -> bool:
        """True when the next administration is past due (today after `next_due`)."""
        return self.overdue_days > 0


@dataclass(frozen=True)
class CourseSnapshot:
    """What a course's administrations fix until the next one is given (stored for the worklist).

    `given_count` administrations (one per day), the last on `last_given`; `next_due` the date
    the next one is due; `missed_before` the nominal administrations skipped in the gaps between
    those given; `missed_from` the day the next administration counts as missed if still not
    given (next_due + the interval after it). With `today` these give `ScheduleStatus` without
    re-reading the administrations: `status_on(snapshot, today)`.
    """

    regimen: Regimen
    given_count: int
    last_given: date | None
    next_due: date
    missed_before: int
    missed_from: date


def course_snapshot(regimen: Regimen, start: date, given: Sequence[date]) -> CourseSnapshot:
    """The snapshot of a course from its start (D0) and the dates given (any order)."""
    done = _administrations(given)
    due = next_due_date(regimen, start, done)
    index = len(done)
    return CourseSnapshot(
        regimen=regimen,
        given_count=index,
        last_given=done[-1] if done else None,
        next_due=due,
        missed_before=sum(gap.missed_cycles for gap in gaps(regimen, done)),
        missed_from=shift(due, regimen.interval_after(index)),
    )


def status_on(snapshot: CourseSnapshot, today: date) -> ScheduleStatus:
    """`ScheduleStatus` of a running course on `today` from its snapshot (see schedule_status)."""
    regimen, index = snapshot.regimen, snapshot.given_count
    late = (today - snapshot.next_due).days
    missed_now = _missed_from(regimen, index, late)
    return ScheduleStatus(
        next_due=snapshot.next_due,
        overdue_days=max(0, late),
        missed_cycles_now=missed_now,
        total_missed_cycles=snapshot.missed_before + missed_now,
        cycle_index=index,
        cycle_label=cycle_label(regimen, index),
    )


def schedule_status(
    regimen: Regimen,
    start: date,
    given: Sequence[date],
    today: date,
    stop: date | None = None,
) -> ScheduleStatus | None:
    """Status of the course on `today`: next due date, days overdue, missed cycles.

    None when the course is stopped on or before `today`. Administrations dated after `today`
    are ignored (the status is as of `today`). Missed cycles since the due date: with interval
    T, max(0, (today - next_due) // T), walking the nominal intervals in the loading phase.
    Source: DOMAIN.md "The treatment course" (each next infusion due from the last one given;
    missed infusions visible, "2 cycles missed"; a course ends with a stop date).
    """
    if stop is not None and stop <= today:
        return None
    done = [day for day in _administrations(given) if day <= today]
    return status_on(course_snapshot(regimen, start, done), today)
