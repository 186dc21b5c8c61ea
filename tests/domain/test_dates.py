"""Dates at the ends of the calendar (issue 13): a course start of 31/12/9999 was an
OverflowError (a 500 on the patient page and the worklist). Every domain function adding days
holds its result within date.min .. date.max."""

from __future__ import annotations

from datetime import date

import pytest

from belimumab.domain import cohort, pens, response, schedule, worklist
from belimumab.domain.dates import shift

LAST = date.max  # 9999-12-31
NEAR_END = date(9999, 12, 1)


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (date(2026, 1, 5), 14, date(2026, 1, 19)),
        (date(2026, 1, 5), -5, date(2025, 12, 31)),
        (LAST, 0, LAST),
        (LAST, 28, LAST),
        (NEAR_END, 28, date(9999, 12, 29)),
        (date(9999, 12, 3), 28, LAST),
        (date.min, -1, date.min),
        (date(1, 1, 10), -30, date.min),
    ],
)
def test_shift_holds_the_result_within_the_calendar(day, days, expected):
    assert shift(day, days) == expected


@pytest.mark.parametrize("regimen", [schedule.IV_STANDARD, schedule.SC_STANDARD])
def test_schedules_at_the_end_of_the_calendar(regimen):
    assert schedule.next_due_date(regimen, LAST, []) == LAST
    second = date(9999, 12, 15) if regimen is schedule.IV_STANDARD else date(9999, 12, 8)
    assert schedule.next_due_date(regimen, NEAR_END, [NEAR_END]) == second
    assert schedule.next_due_date(regimen, LAST, [LAST]) == LAST
    snapshot = schedule.course_snapshot(regimen, LAST, [LAST])
    assert snapshot.next_due == LAST and snapshot.missed_from == LAST
    status = schedule.status_on(snapshot, LAST)
    assert status.next_due == LAST and status.overdue_days == 0
    assert schedule.schedule_status(regimen, LAST, [LAST], LAST) == status
    assert schedule.first_year_interruptions(regimen, LAST, [LAST]) == []
    assert schedule.is_excluded_for_interruption(regimen, LAST, [NEAR_END, LAST]) is False
    assert schedule.schedule_status(regimen, date(2026, 1, 5), [date(2026, 1, 5)], LAST)


def test_time_points_and_cohort_rules_at_the_end_of_the_calendar():
    assert response.nominal_date(LAST, "M12") == LAST
    assert response.nearest_in_window([NEAR_END, LAST], LAST, -45, 45) == 1
    # a window "closing after the end of the calendar" closes on its last day
    assert cohort.reached(LAST, "M12", LAST) is True
    assert cohort.reached(NEAR_END, "M12", date(9999, 12, 30)) is False
    assert cohort.reached(date(2026, 1, 5), "M12", LAST) is True


def test_worklist_and_pens_at_the_end_of_the_calendar():
    snapshot = schedule.course_snapshot(schedule.IV_STANDARD, LAST, [])
    assert worklist.section_bounds(LAST)
    assert worklist.section_of(LAST, 0, LAST) == worklist.FIRST_INFUSION
    assert worklist.worklist_mark(snapshot, LAST).next_due == LAST
    assert pens.next_due_after_dispensation(LAST, 4) == LAST
    assert pens.covered_dates([(date(9999, 12, 20), 4)]) == [
        date(9999, 12, 20),
        date(9999, 12, 27),
        LAST,
    ]
