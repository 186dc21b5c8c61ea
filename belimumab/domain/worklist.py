"""The pharmacist's worklist: which section a running course belongs to on a given day.

Pure standard library; `today` is always passed in. Built on `schedule.CourseSnapshot` and
`schedule.status_on`, whose behaviour it does not change.

Source: DOMAIN.md "A living cohort (data cut-off)" (worklist: beyond the interruption threshold
a course is "to review", not overdue; past missed cycles are history, shown apart from a current
delay; a course without any infusion is "first infusion due"), "The treatment course" (each
next infusion is due from the last one given; a course whose follow-up ended leaves the
worklist) and "Patients and inclusion in the cohort analysis" (the 61-day threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from belimumab.domain.dates import shift
from belimumab.domain.defaults import MAX_INTERRUPTION_DAYS, WORKLIST_DAYS_AHEAD
from belimumab.domain.schedule import CourseSnapshot, status_on

__all__ = [
    "DUE",
    "FIRST_INFUSION",
    "OVERDUE",
    "SECTIONS",
    "TO_REVIEW",
    "WorklistMark",
    "section_bounds",
    "section_of",
    "worklist_mark",
]

FIRST_INFUSION = "first_infusion"
DUE = "due"
OVERDUE = "overdue"
TO_REVIEW = "to_review"
SECTIONS: tuple[str, ...] = (DUE, OVERDUE, TO_REVIEW, FIRST_INFUSION)


def section_of(
    next_due: date,
    given_count: int,
    today: date,
    *,
    days_ahead: int = WORKLIST_DAYS_AHEAD,
    review_after_days: int = MAX_INTERRUPTION_DAYS,
) -> str | None:
    """Section of a running course on `today`, or None when nothing is due within the horizon.

    - `FIRST_INFUSION`: nothing given yet (`given_count` 0) and D0 (`next_due`) on or before
      today + `days_ahead`, however long ago D0 was;
    - `DUE`: today <= `next_due` <= today + `days_ahead`;
    - `OVERDUE`: `next_due` passed by 1 to `review_after_days` days (61 by default: 61 days
      late is still overdue);
    - `TO_REVIEW`: `next_due` passed by more than `review_after_days` days (follow-up to
      confirm).
    Within every section, the earliest `next_due` is the most urgent (longest delay first).
    """
    if days_ahead < 0 or review_after_days < 0:
        raise ValueError("days_ahead and review_after_days are numbers of days >= 0")
    if next_due > shift(today, days_ahead):
        return None
    if given_count == 0:
        return FIRST_INFUSION
    delay = (today - next_due).days
    if delay <= 0:
        return DUE
    return OVERDUE if delay <= review_after_days else TO_REVIEW


def section_bounds(
    today: date,
    *,
    days_ahead: int = WORKLIST_DAYS_AHEAD,
    review_after_days: int = MAX_INTERRUPTION_DAYS,
) -> dict[str, tuple[date | None, date | None]]:
    """Inclusive (first, last) `next_due` of each section on `today` (None: unbounded).

    The same edges as `section_of`, for selecting a section in a query: `FIRST_INFUSION` is
    further restricted to courses with nothing given, the three others to courses with at least
    one administration.
    """
    until = shift(today, days_ahead)
    review_from = shift(today, -review_after_days)
    return {
        DUE: (today, until),
        OVERDUE: (review_from, shift(today, -1)),
        TO_REVIEW: (None, shift(review_from, -1)),
        FIRST_INFUSION: (None, until),
    }


@dataclass(frozen=True)
class WorklistMark:
    """A course's place on the worklist on a given day.

    `section` among `SECTIONS`; `next_due` the date the next administration is due (D0 for a
    first infusion); `delay_days` the current delay, max(0, today - next_due); `missed_now`
    the cycles missed during the current delay (0 for a first infusion: nothing can be missed
    before the course starts); `missed_before` the cycles missed in the past, in the gaps between
    administrations given (history, shown apart); `last_given` the last administration (None
    for a first infusion: "no administration since ..." reads it); `cycle_index` and
    `cycle_label` the next administration's.
    """

    section: str
    next_due: date
    delay_days: int
    missed_now: int
    missed_before: int
    last_given: date | None
    cycle_index: int
    cycle_label: str


def worklist_mark(
    snapshot: CourseSnapshot,
    today: date,
    *,
    stop: date | None = None,
    follow_up_end: date | None = None,
    days_ahead: int = WORKLIST_DAYS_AHEAD,
    review_after_days: int = MAX_INTERRUPTION_DAYS,
) -> WorklistMark | None:
    """The worklist mark of a course on `today`, or None when it is not on the worklist.

    Not on the worklist: stopped on or before today, follow-up ended on or before today, or next
    administration due after today + `days_ahead`. Otherwise `section_of` places it and
    `schedule.status_on` gives the delay and the cycles missed now.
    """
    if (stop is not None and stop <= today) or (
        follow_up_end is not None and follow_up_end <= today
    ):
        return None
    section = section_of(
        snapshot.next_due,
        snapshot.given_count,
        today,
        days_ahead=days_ahead,
        review_after_days=review_after_days,
    )
    if section is None:
        return None
    status = status_on(snapshot, today)
    return WorklistMark(
        section=section,
        next_due=status.next_due,
        delay_days=status.overdue_days,
        missed_now=0 if section == FIRST_INFUSION else status.missed_cycles_now,
        missed_before=snapshot.missed_before,
        last_given=snapshot.last_given,
        cycle_index=status.cycle_index,
        cycle_label=status.cycle_label,
    )
