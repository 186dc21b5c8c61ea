"""Subcutaneous courses: the pharmacy dispenses pens, each one week of treatment.

Pure standard library. A dispensation of N pens (pre-filled pens or syringes, one weekly dose
each) covers N weeks from the day it is dispensed; the next dispensation is due when they run
out. Expanding dispensations into the weekly doses they cover lets the schedule rules
(`schedule.next_due_date`, `schedule.gaps`, the first-year interruption) count the weeks
covered, as they count administrations. A dispensation of 1 pen is one weekly dose on its date:
an existing record of an SC course keeps its meaning.

Source: DOMAIN.md "The treatment course" (SC 200 mg once a week, pre-filled pen or syringe;
each next administration is due from the last one given); issue 16 (a dispensation of N pens
covers N weeks; an infusions.csv row of an SC course is one pen unless a `pens` column says more).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from belimumab.domain.dates import shift
from belimumab.domain.defaults import SC_INTERVAL_DAYS
from belimumab.domain.schedule import Regimen

__all__ = [
    "administration_dates",
    "covered_dates",
    "next_due_after_dispensation",
    "weeks_covered",
]


def weeks_covered(pens: int) -> int:
    """Weeks of treatment a dispensation of `pens` pens covers: one week per pen.

    Raises ValueError unless `pens` is an int >= 1.
    """
    if isinstance(pens, bool) or not isinstance(pens, int) or pens < 1:
        raise ValueError(f"a dispensation has 1 pen or more, got {pens!r}")
    return pens


def next_due_after_dispensation(
    dispensed_on: date, pens: int, interval_days: int = SC_INTERVAL_DAYS
) -> date:
    """Date the next dispensation is due: `dispensed_on` + `pens` weeks (4 pens on 1 March:
    29 March). The first pen is for the day of the dispensation."""
    return shift(dispensed_on, weeks_covered(pens) * _check_interval(interval_days))


def covered_dates(
    dispensations: Iterable[tuple[date, int]], interval_days: int = SC_INTERVAL_DAYS
) -> list[date]:
    """The weekly doses covered by dispensations (date, pens), as dates in order.

    Each dispensation covers its date and the following weeks, one per pen, until the next
    dispensation; pens not used by then (dispensed again early) are used after the next
    dispensation's own pens, so no pen is lost and none is counted twice. Dispensations on the
    same day add up. With one pen each, the dates are the dispensations' dates.
    Example: 4 pens on 1 March then 4 on 20 March -> 1, 8, 15 March (one pen left), then 20,
    27 March, 3, 10 and 17 April; the next one is due on 24 April.
    """
    step = _check_interval(interval_days)
    pens_on: dict[date, int] = {}
    for day, pens in dispensations:
        pens_on[day] = pens_on.get(day, 0) + weeks_covered(pens)
    days = sorted(pens_on)
    covered: list[date] = []
    left = 0
    for position, day in enumerate(days):
        following = days[position + 1] if position + 1 < len(days) else None
        left += pens_on[day]
        week = day
        while left and (following is None or week < following):
            covered.append(week)
            left -= 1
            if week == date.max:
                break  # the calendar's end: no later week to cover
            week = shift(week, step)
    return covered


def administration_dates(regimen: Regimen, records: Iterable[tuple[date, int]]) -> list[date]:
    """The dates the schedule rules count for a course's records (date, pens), in order.

    Subcutaneous: the weeks the dispensations cover (`covered_dates` at the regimen's interval);
    intravenous: each infusion on its date (an IV record has one pen, which means nothing).
    Example: SC, 4 pens on 1 March -> 1, 8, 15 and 22 March, the next one due on 29 March.
    """
    if regimen.route == "sc":
        return covered_dates(records, regimen.interval_days)
    return sorted({day for day, _ in records})


def _check_interval(interval_days: int) -> int:
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) or interval_days < 1:
        raise ValueError(f"an interval is an int >= 1 day, got {interval_days!r}")
    return interval_days
