"""Schedule: regimens, due dates, labels, gaps, first-year interruptions, status (hand-checked)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from belimumab.domain.schedule import (
    IV_NEPHRITIS,
    IV_STANDARD,
    REGIMENS,
    SC_NEPHRITIS,
    SC_STANDARD,
    Gap,
    Regimen,
    cycle_label,
    first_year_interruptions,
    gaps,
    is_excluded_for_interruption,
    next_due_date,
    schedule_status,
)

D0 = date(2024, 1, 1)


def d(day: int) -> date:
    """The date of nominal day `day` after D0."""
    return D0 + timedelta(days=day)


def days(*offsets: int) -> list[date]:
    return [d(offset) for offset in offsets]


# The IV protocol on time: D0, D14, D28, then every 28 days through the first year and beyond.
IV_ON_TIME = [0, 14, 28, *range(56, 400, 28)]


# --- regimens -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regimen", "weight", "index", "expected"),
    [
        (IV_STANDARD, Decimal("70"), 0, Decimal("700")),
        (IV_STANDARD, Decimal("70"), 5, Decimal("700")),
        (IV_STANDARD, Decimal("52"), 1, Decimal("520")),
        (IV_STANDARD, Decimal("104"), 3, Decimal("1040")),
        (IV_STANDARD, Decimal("70.5"), 2, Decimal("705")),
        (IV_NEPHRITIS, Decimal("70"), 0, Decimal("700")),
        (SC_STANDARD, None, 0, Decimal("200")),
        (SC_STANDARD, Decimal("90"), 20, Decimal("200")),  # weight ignored
        (SC_NEPHRITIS, None, 0, Decimal("400")),
        (SC_NEPHRITIS, None, 1, Decimal("400")),
        (SC_NEPHRITIS, None, 2, Decimal("400")),
        (SC_NEPHRITIS, None, 3, Decimal("400")),
        (SC_NEPHRITIS, None, 4, Decimal("200")),
        (SC_NEPHRITIS, None, 30, Decimal("200")),
    ],
)
def test_regimen_dose(
    regimen: Regimen, weight: Decimal | None, index: int, expected: Decimal
) -> None:
    assert regimen.dose_mg(weight, index) == expected


def test_weight_based_dose_needs_a_weight() -> None:
    with pytest.raises(ValueError):
        IV_STANDARD.dose_mg(None, 0)


@pytest.mark.parametrize(
    ("regimen", "index", "expected"),
    [
        (IV_STANDARD, 0, 14),
        (IV_STANDARD, 1, 14),
        (IV_STANDARD, 2, 28),
        (IV_STANDARD, 3, 28),
        (IV_STANDARD, 40, 28),
        (IV_NEPHRITIS, 1, 14),
        (SC_STANDARD, 0, 7),
        (SC_STANDARD, 9, 7),
        (SC_NEPHRITIS, 0, 7),
        (SC_NEPHRITIS, 5, 7),
    ],
)
def test_interval_after(regimen: Regimen, index: int, expected: int) -> None:
    assert regimen.interval_after(index) == expected


def test_regimens_registry() -> None:
    assert set(REGIMENS) == {"iv_standard", "iv_nephritis", "sc_standard", "sc_nephritis"}
    for code, regimen in REGIMENS.items():
        assert regimen.code == code
    assert IV_STANDARD.route == IV_NEPHRITIS.route == "iv"
    assert SC_STANDARD.route == SC_NEPHRITIS.route == "sc"
    assert IV_STANDARD.mg_per_kg == 10
    assert IV_STANDARD.fixed_dose_mg is None
    assert SC_NEPHRITIS.loading_doses_mg == (400, 400, 400, 400)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"route": "oral"},
        {"mg_per_kg": None, "fixed_dose_mg": None},
        {"interval_days": 0},
        {"loading_intervals_days": (14, 0)},
        {"loading_doses_mg": (0,)},
    ],
)
def test_regimen_validation(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "code": "x",
        "route": "iv",
        "mg_per_kg": 10,
        "fixed_dose_mg": None,
        "loading_intervals_days": (14, 14),
        "interval_days": 28,
    }
    with pytest.raises(ValueError):
        Regimen(**{**fields, **kwargs})  # type: ignore[arg-type]


@pytest.mark.parametrize("index", [-1, True])
def test_bad_index(index: int) -> None:
    with pytest.raises(ValueError):
        IV_STANDARD.interval_after(index)


# --- next due date ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regimen", "given", "expected"),
    [
        (IV_STANDARD, [], 0),  # the first is due at the course start
        (IV_STANDARD, [0], 14),
        (IV_STANDARD, [0, 14], 28),
        (IV_STANDARD, [0, 14, 28], 56),
        (IV_STANDARD, [0, 14, 28, 56], 84),
        (IV_STANDARD, [0, 14, 28, 56, 84], 112),
        # Late infusions move the next due date forward, from the last one given.
        (IV_STANDARD, [0, 20], 34),
        (IV_STANDARD, [0, 14, 35], 63),
        (IV_STANDARD, [0, 14, 28, 60], 88),
        (IV_STANDARD, [0, 14, 28, 56, 140], 168),
        # Early: still from the last one given.
        (IV_STANDARD, [0, 10], 24),
        # Unsorted input, and the same date recorded twice.
        (IV_STANDARD, [14, 0], 28),
        (IV_STANDARD, [0, 0], 14),
        (SC_STANDARD, [], 0),
        (SC_STANDARD, [0], 7),
        (SC_STANDARD, [0, 7, 16], 23),
        (SC_NEPHRITIS, [0, 7, 14, 21], 28),
    ],
)
def test_next_due_date(regimen: Regimen, given: list[int], expected: int) -> None:
    assert next_due_date(regimen, D0, days(*given)) == d(expected)


def test_late_infusion_never_moves_the_schedule_backwards() -> None:
    on_time = days(0, 14, 28, 56)
    for delay in range(40):
        late = [*on_time[:-1], d(56 + delay)]
        assert next_due_date(IV_STANDARD, D0, late) == d(84 + delay)
        assert next_due_date(IV_STANDARD, D0, late) >= next_due_date(IV_STANDARD, D0, on_time)


# --- labels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regimen", "index", "expected"),
    [
        (IV_STANDARD, 0, "D0"),
        (IV_STANDARD, 1, "D14"),
        (IV_STANDARD, 2, "D28"),
        (IV_STANDARD, 3, "C4"),
        (IV_STANDARD, 4, "C5"),
        (IV_STANDARD, 12, "C13"),
        (IV_NEPHRITIS, 2, "D28"),
        (SC_STANDARD, 0, "W1"),
        (SC_STANDARD, 1, "W2"),
        (SC_STANDARD, 51, "W52"),
        (SC_NEPHRITIS, 3, "W4"),
        (SC_NEPHRITIS, 4, "W5"),
        (Regimen("monthly", "sc", None, 200, (), 28), 2, "C3"),
    ],
)
def test_cycle_label(regimen: Regimen, index: int, expected: str) -> None:
    assert cycle_label(regimen, index) == expected


# --- gaps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regimen", "given", "gap_days", "scheduled", "interruption", "missed"),
    [
        # The last gap of each administration list, hand-checked.
        (IV_STANDARD, [0, 14, 28, 56], 28, 28, 0, 0),  # on time
        (IV_STANDARD, [0, 14, 28, 56, 76], 20, 28, -8, 0),  # early
        (IV_STANDARD, [0, 14, 28, 56, 111], 55, 28, 27, 0),  # late, no cycle missed
        (IV_STANDARD, [0, 14, 28, 56, 112], 56, 28, 28, 1),
        (IV_STANDARD, [0, 14, 28, 56, 139], 83, 28, 55, 1),
        (IV_STANDARD, [0, 14, 28, 56, 140], 84, 28, 56, 2),  # "2 cycles missed"
        (IV_STANDARD, [0, 14, 28, 56, 146], 90, 28, 62, 2),
        # Loading phase: the nominal calendar D14, D28, D56 is walked.
        (IV_STANDARD, [0, 27], 27, 14, 13, 0),
        (IV_STANDARD, [0, 28], 28, 14, 14, 1),  # D14 missed
        (IV_STANDARD, [0, 42], 42, 14, 28, 1),  # D14 missed, D28 late
        (IV_STANDARD, [0, 56], 56, 14, 42, 2),  # D14 and D28 missed
        (IV_STANDARD, [0, 14, 56], 42, 14, 28, 1),  # D28 missed, D56 on time
        (SC_STANDARD, [0, 7], 7, 7, 0, 0),
        (SC_STANDARD, [0, 13], 13, 7, 6, 0),
        (SC_STANDARD, [0, 14], 14, 7, 7, 1),
        (SC_STANDARD, [0, 21], 21, 7, 14, 2),
        (SC_NEPHRITIS, [0, 7, 21], 14, 7, 7, 1),
    ],
)
def test_last_gap(
    regimen: Regimen,
    given: list[int],
    gap_days: int,
    scheduled: int,
    interruption: int,
    missed: int,
) -> None:
    last = gaps(regimen, days(*given))[-1]
    assert last.end == d(given[-1])
    assert last.start == d(given[-2])
    assert last.days == gap_days
    assert last.scheduled_days == scheduled
    assert last.interruption_days == interruption
    assert last.missed_cycles == missed
    assert last.index == len(given) - 2


def test_gaps_of_an_unsorted_course() -> None:
    result = gaps(IV_STANDARD, days(140, 0, 28, 14, 56, 14))
    assert result == [
        Gap(d(0), d(14), 14, 14, 0, 0, 0),
        Gap(d(14), d(28), 14, 14, 0, 0, 1),
        Gap(d(28), d(56), 28, 28, 0, 0, 2),
        Gap(d(56), d(140), 84, 28, 56, 2, 3),
    ]


@pytest.mark.parametrize("given", [[], [0]])
def test_no_gap_without_two_administrations(given: list[int]) -> None:
    assert gaps(IV_STANDARD, days(*given)) == []


# --- first-year interruptions and exclusion -----------------------------------------------------


@pytest.mark.parametrize(
    ("regimen", "given", "excluded"),
    [
        (IV_STANDARD, IV_ON_TIME, False),
        (IV_STANDARD, [0, 14, 28, 56, 140], False),  # 84-day gap: interruption 56
        (IV_STANDARD, [0, 14, 28, 56, 145], False),  # 89 days: interruption 61, not more
        (IV_STANDARD, [0, 14, 28, 56, 146], True),  # 90 days: interruption 62
        (IV_STANDARD, [0, 75], False),  # loading gap, scheduled 14: interruption 61
        (IV_STANDARD, [0, 76], True),  # interruption 62
        (IV_STANDARD, [0, 14, 89], False),  # second loading gap: 75 - 14 = 61
        (IV_STANDARD, [0, 14, 90], True),
        (IV_STANDARD, [0, 14, 28, 117], False),  # first maintenance gap: 89 - 28 = 61
        (IV_STANDARD, [0, 14, 28, 118], True),
        (SC_STANDARD, [0, 7, 75], False),  # 68 - 7 = 61
        (SC_STANDARD, [0, 7, 76], True),  # 69 - 7 = 62
        # The earlier infusion of the pair must fall within D0 .. D0 + 365, both included.
        (IV_STANDARD, [0, 14, 28, *range(56, 337, 28), 365, 455], True),  # earlier on D365
        (IV_STANDARD, [0, 14, 28, *range(56, 337, 28), 366, 456], False),  # earlier on D366
        (IV_STANDARD, [0, 14, 28, *range(56, 337, 28), 364, 600], True),  # later one far out
        # A stop without a later infusion is no interruption.
        (IV_STANDARD, [0, 14, 28], False),
        (IV_STANDARD, [], False),
        # Infusions before D0 are outside the window.
        (IV_STANDARD, [-100, 0, 14], False),
    ],
)
def test_is_excluded_for_interruption(regimen: Regimen, given: list[int], excluded: bool) -> None:
    assert is_excluded_for_interruption(regimen, D0, days(*given)) is excluded


def test_exclusion_threshold_and_window_are_parameters() -> None:
    given = days(0, 14, 28, 56, 140)  # interruption 56
    assert is_excluded_for_interruption(IV_STANDARD, D0, given, max_days=55)
    assert not is_excluded_for_interruption(IV_STANDARD, D0, given, max_days=56)
    assert not is_excluded_for_interruption(IV_STANDARD, D0, given, max_days=55, window_days=55)


def test_first_year_interruptions_lists_every_pair_in_the_window() -> None:
    given = days(0, 14, 28, *range(56, 337, 28), 365, 455, 483)
    result = first_year_interruptions(IV_STANDARD, D0, given)
    # Pairs starting D0, D14, D28, D56..D336 (11 of them), D365; not the one starting D455.
    assert len(result) == 3 + 11 + 1
    assert [gap.start for gap in result][-2:] == [d(336), d(365)]
    assert [gap.interruption_days for gap in result][-2:] == [1, 62]
    assert all(gap.interruption_days == 0 for gap in result[:-2])


# --- schedule status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regimen", "given", "today", "due", "overdue", "missed_now", "missed_total", "index", "label"),
    [
        (IV_STANDARD, [], -3, 0, 0, 0, 0, 0, "D0"),  # starts in 3 days
        (IV_STANDARD, [], 0, 0, 0, 0, 0, 0, "D0"),
        (IV_STANDARD, [0], 10, 14, 0, 0, 0, 1, "D14"),
        (IV_STANDARD, [0, 14], 30, 28, 2, 0, 0, 2, "D28"),
        (IV_STANDARD, [0, 14, 28], 56, 56, 0, 0, 0, 3, "C4"),  # due today
        (IV_STANDARD, [0, 14, 28], 70, 56, 14, 0, 0, 3, "C4"),
        (IV_STANDARD, [0, 14, 28], 83, 56, 27, 0, 0, 3, "C4"),
        (IV_STANDARD, [0, 14, 28], 84, 56, 28, 1, 1, 3, "C4"),
        (IV_STANDARD, [0, 14, 28], 112, 56, 56, 2, 2, 3, "C4"),
        # An 84-day gap (2 missed) in the history, then 28 days overdue (1 more).
        (IV_STANDARD, [0, 14, 28, 56, 140], 196, 168, 28, 1, 3, 5, "C6"),
        (IV_STANDARD, [0, 14, 28, 56, 140], 150, 168, 0, 0, 2, 5, "C6"),
        # Loading phase: D14 and D28 both past, nominal D56 not yet.
        (IV_STANDARD, [0], 40, 14, 26, 1, 1, 1, "D14"),
        (IV_STANDARD, [0], 56, 14, 42, 2, 2, 1, "D14"),
        # Administrations after today are ignored.
        (IV_STANDARD, [0, 14, 28, 56], 30, 56, 0, 0, 0, 3, "C4"),
        (SC_STANDARD, [0, 7, 14, 21], 35, 28, 7, 1, 1, 4, "W5"),
        (SC_STANDARD, [0, 7, 14, 21], 31, 28, 3, 0, 0, 4, "W5"),
        (SC_NEPHRITIS, [0, 7, 21], 29, 28, 1, 0, 1, 3, "W4"),
    ],
)
def test_schedule_status(
    regimen: Regimen,
    given: list[int],
    today: int,
    due: int,
    overdue: int,
    missed_now: int,
    missed_total: int,
    index: int,
    label: str,
) -> None:
    status = schedule_status(regimen, D0, days(*given), today=d(today))
    assert status is not None
    assert status.next_due == d(due)
    assert status.overdue_days == overdue
    assert status.is_overdue is (overdue > 0)
    assert status.missed_cycles_now == missed_now
    assert status.total_missed_cycles == missed_total
    assert status.cycle_index == index
    assert status.cycle_label == label


@pytest.mark.parametrize(
    ("stop", "running"),
    [
        (None, True),
        (100, True),  # stop planned after today
        (71, True),
        (70, False),  # stopped today
        (40, False),  # stopped before today
    ],
)
def test_schedule_status_stop_date(stop: int | None, running: bool) -> None:
    stop_date = None if stop is None else d(stop)
    status = schedule_status(IV_STANDARD, D0, days(0, 14, 28), today=d(70), stop=stop_date)
    assert (status is not None) is running
    if status is not None:
        assert status.next_due == d(56)
        assert status.overdue_days == 14


def test_schedule_status_is_frozen() -> None:
    status = schedule_status(IV_STANDARD, D0, [], today=D0)
    assert status is not None
    with pytest.raises(AttributeError):
        status.overdue_days = 3  # type: ignore[misc]
