"""Subcutaneous dispensations: N pens cover N weeks (hand-checked)."""

from __future__ import annotations

from datetime import date

import pytest

from belimumab.domain.pens import (
    administration_dates,
    covered_dates,
    next_due_after_dispensation,
    weeks_covered,
)
from belimumab.domain.schedule import (
    IV_STANDARD,
    SC_STANDARD,
    gaps,
    is_excluded_for_interruption,
    next_due_date,
)


@pytest.mark.parametrize(("pens", "weeks"), [(1, 1), (4, 4), (12, 12)])
def test_weeks_covered(pens: int, weeks: int) -> None:
    assert weeks_covered(pens) == weeks


@pytest.mark.parametrize("pens", [0, -1, True, 2.0, "4"])
def test_weeks_covered_refuses_what_is_not_a_count(pens: object) -> None:
    with pytest.raises(ValueError):
        weeks_covered(pens)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dispensed", "pens", "expected"),
    [
        (date(2026, 3, 1), 1, date(2026, 3, 8)),
        (date(2026, 3, 1), 4, date(2026, 3, 29)),
        (date(2026, 12, 15), 4, date(2027, 1, 12)),
    ],
)
def test_next_due_after_dispensation(dispensed: date, pens: int, expected: date) -> None:
    assert next_due_after_dispensation(dispensed, pens) == expected


def test_next_due_after_dispensation_refuses_a_bad_interval() -> None:
    with pytest.raises(ValueError):
        next_due_after_dispensation(date(2026, 3, 1), 4, interval_days=0)


def test_one_pen_each_keeps_the_recorded_dates() -> None:
    days = [date(2026, 1, 1), date(2026, 1, 9), date(2026, 1, 14)]
    assert covered_dates([(day, 1) for day in days]) == days


def test_pens_left_are_used_after_an_early_dispensation() -> None:
    covered = covered_dates([(date(2026, 3, 20), 4), (date(2026, 3, 1), 4)])
    assert covered == [
        date(2026, 3, 1),
        date(2026, 3, 8),
        date(2026, 3, 15),  # one pen left on 20 March
        date(2026, 3, 20),
        date(2026, 3, 27),
        date(2026, 4, 3),
        date(2026, 4, 10),
        date(2026, 4, 17),
    ]
    assert next_due_date(SC_STANDARD, date(2026, 3, 1), covered) == date(2026, 4, 24)


def test_same_day_dispensations_add_up() -> None:
    assert covered_dates([(date(2026, 3, 1), 1), (date(2026, 3, 1), 2)]) == [
        date(2026, 3, 1),
        date(2026, 3, 8),
        date(2026, 3, 15),
    ]


def test_weeks_covered_count_for_the_interruption() -> None:
    # 12 pens on D0 cover 12 weeks: the next dispensation on day 84 is on time, not an
    # interruption of 77 days (which, over 61, would exclude the patient).
    start = date(2025, 1, 6)
    dispensations = [(start, 12), (date(2025, 3, 31), 12)]
    covered = covered_dates(dispensations)
    assert len(covered) == 24
    assert all(gap.interruption_days == 0 for gap in gaps(SC_STANDARD, covered))
    assert not is_excluded_for_interruption(SC_STANDARD, start, covered)
    assert is_excluded_for_interruption(SC_STANDARD, start, [day for day, _ in dispensations])
    # supply ran out on day 84; the next dispensation 70 days later: interruption of 70 days
    late = covered_dates([(start, 12), (date(2025, 6, 9), 4)])
    assert max(gap.interruption_days for gap in gaps(SC_STANDARD, late)) == 70


def test_administration_dates_of_an_sc_course_are_the_weeks_covered() -> None:
    records = [(date(2026, 3, 1), 4), (date(2026, 4, 12), 2)]
    assert administration_dates(SC_STANDARD, records) == [
        date(2026, 3, 1),
        date(2026, 3, 8),
        date(2026, 3, 15),
        date(2026, 3, 22),
        date(2026, 4, 12),
        date(2026, 4, 19),
    ]


def test_administration_dates_of_an_iv_course_are_the_infusions() -> None:
    records = [(date(2026, 3, 15), 1), (date(2026, 3, 1), 1), (date(2026, 3, 1), 1)]
    assert administration_dates(IV_STANDARD, records) == [date(2026, 3, 1), date(2026, 3, 15)]
