"""Worklist sections from a course's schedule and today (hand-checked)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from belimumab.domain.schedule import IV_STANDARD, SC_STANDARD, course_snapshot
from belimumab.domain.worklist import (
    DUE,
    FIRST_INFUSION,
    OVERDUE,
    SECTIONS,
    TO_REVIEW,
    WorklistMark,
    section_bounds,
    section_of,
    worklist_mark,
)

TODAY = date(2026, 3, 2)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def later(days: int) -> date:
    return TODAY + timedelta(days=days)


@pytest.mark.parametrize(
    ("next_due", "given", "expected"),
    [
        (later(0), 3, DUE),  # due today
        (later(7), 3, DUE),  # last day of the horizon
        (later(8), 3, None),  # beyond it: nothing to do
        (ago(1), 3, OVERDUE),
        (ago(61), 3, OVERDUE),  # 61 days late: still overdue
        (ago(62), 3, TO_REVIEW),  # more than 61: to review
        (ago(4169), 40, TO_REVIEW),
        (ago(429), 0, FIRST_INFUSION),  # registered with a past D0, nothing given
        (later(0), 0, FIRST_INFUSION),
        (later(7), 0, FIRST_INFUSION),
        (later(8), 0, None),  # D0 beyond the horizon
    ],
)
def test_section_of(next_due: date, given: int, expected: str | None) -> None:
    assert section_of(next_due, given, TODAY) == expected


def test_section_of_reads_the_department_settings() -> None:
    assert section_of(later(14), 2, TODAY, days_ahead=14) == DUE
    assert section_of(ago(31), 2, TODAY, review_after_days=30) == TO_REVIEW
    assert section_of(ago(30), 2, TODAY, review_after_days=30) == OVERDUE
    with pytest.raises(ValueError):
        section_of(TODAY, 2, TODAY, days_ahead=-1)


def test_section_bounds_agree_with_section_of() -> None:
    bounds = section_bounds(TODAY)
    assert bounds == {
        DUE: (TODAY, later(7)),
        OVERDUE: (ago(61), ago(1)),
        TO_REVIEW: (None, ago(62)),
        FIRST_INFUSION: (None, later(7)),
    }
    for offset in range(-200, 20):
        for given in (0, 1, 5):
            due = TODAY + timedelta(days=offset)
            inside = [
                kind
                for kind in SECTIONS
                if (kind == FIRST_INFUSION) == (given == 0)
                and (bounds[kind][0] is None or bounds[kind][0] <= due)
                and (bounds[kind][1] is None or due <= bounds[kind][1])
            ]
            assert inside == (
                [] if section_of(due, given, TODAY) is None else [section_of(due, given, TODAY)]
            )


def test_a_first_infusion_long_after_d0_shows_no_missed_cycles() -> None:
    snap = course_snapshot(IV_STANDARD, ago(429), [])
    assert worklist_mark(snap, TODAY) == WorklistMark(
        section=FIRST_INFUSION,
        next_due=ago(429),
        delay_days=429,
        missed_now=0,
        missed_before=0,
        last_given=None,
        cycle_index=0,
        cycle_label="D0",
    )


def test_current_delay_and_past_missed_cycles_are_apart() -> None:
    # D0, D14, D28, then a gap of 84 days (2 cycles missed, history), then on time: the next
    # one is due today -> due, no current delay, 2 past missed cycles.
    start = ago(28 + 84 + 28)
    given = [start, start + timedelta(days=14), start + timedelta(days=28)]
    given += [given[-1] + timedelta(days=84)]
    snap = course_snapshot(IV_STANDARD, start, given)
    mark = worklist_mark(snap, given[-1] + timedelta(days=28))
    assert mark is not None
    assert (mark.section, mark.delay_days, mark.missed_now, mark.missed_before) == (DUE, 0, 0, 2)
    # 60 days later: overdue, 60 days late, 2 cycles missed now (at 28 and 56), 2 in the past
    mark = worklist_mark(snap, given[-1] + timedelta(days=28 + 60))
    assert mark is not None
    assert (mark.section, mark.delay_days, mark.missed_now, mark.missed_before) == (
        OVERDUE,
        60,
        2,
        2,
    )
    assert mark.last_given == given[-1]
    assert mark.cycle_label == "C5"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 8), DUE),  # SC weekly: given 1 Jan, due 8 Jan
        (date(2026, 1, 9), OVERDUE),
        (date(2026, 3, 10), OVERDUE),  # 61 days late
        (date(2026, 3, 11), TO_REVIEW),
        (date(2026, 1, 1), DUE),  # due in 7 days: within the horizon
    ],
)
def test_sc_course(today: date, expected: str) -> None:
    snap = course_snapshot(SC_STANDARD, date(2025, 12, 25), [date(2025, 12, 25), date(2026, 1, 1)])
    mark = worklist_mark(snap, today)
    assert mark is not None and mark.section == expected


@pytest.mark.parametrize(
    ("stop", "end", "expected"),
    [
        (None, None, OVERDUE),
        (TODAY, None, None),  # stopped today: off the worklist
        (later(1), None, OVERDUE),  # a stop planned tomorrow: still on it today
        (None, ago(3), None),  # follow-up ended
        (None, TODAY, None),
        (None, later(10), OVERDUE),
    ],
)
def test_stopped_or_ended_courses_leave_the_worklist(
    stop: date | None, end: date | None, expected: str | None
) -> None:
    snap = course_snapshot(IV_STANDARD, ago(60), [ago(60)])  # D14 due 46 days ago
    mark = worklist_mark(snap, TODAY, stop=stop, follow_up_end=end)
    assert (mark.section if mark else None) == expected


def test_not_due_within_the_horizon() -> None:
    snap = course_snapshot(IV_STANDARD, ago(10), [ago(10), later(4)])  # next due in 18 days
    assert worklist_mark(snap, TODAY) is None
    assert worklist_mark(snap, TODAY, days_ahead=18) is not None
