"""A living cohort: reached time points, on belimumab as of a cut-off, retention times
(hand-checked against DOMAIN.md "A living cohort (data cut-off)")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from belimumab.domain.cohort import (
    FOLLOW_UP_END_REASONS,
    RetentionTime,
    ended_by,
    has_infusion_by,
    on_belimumab_at,
    reached,
    reached_timepoints,
    retention_time,
)

D0 = date(2024, 1, 1)
M6 = D0 + timedelta(days=182)  # 2024-07-01
M12 = D0 + timedelta(days=365)  # 2024-12-31


def d(day: int) -> date:
    """The date of day `day` after D0."""
    return D0 + timedelta(days=day)


def test_follow_up_end_reasons_are_the_four_codes() -> None:
    assert FOLLOW_UP_END_REASONS == ("lost_to_follow_up", "transferred", "death", "study_end")


@pytest.mark.parametrize(
    ("day", "as_of", "expected"),
    [
        (None, d(100), None),
        (d(50), d(100), d(50)),
        (d(100), d(100), d(100)),  # on the cut-off: has happened
        (d(101), d(100), None),  # after it: not yet
    ],
)
def test_ended_by(day: date | None, as_of: date, expected: date | None) -> None:
    assert ended_by(day, as_of) == expected


# Window after the nominal date: M0 7 days, M6 and M12 45 days.
@pytest.mark.parametrize(
    ("tp", "as_of", "expected"),
    [
        ("M0", d(6), False),  # day before the window closes
        ("M0", d(7), True),  # the day it closes
        ("M6", d(182 + 44), False),
        ("M6", d(182 + 45), True),
        ("M12", d(365 + 44), False),
        ("M12", d(365 + 45), True),
        ("M12", date(2026, 12, 4), True),
        ("M12", D0 - timedelta(days=1), False),  # cut-off before D0
    ],
)
def test_reached_at_the_window_edge(tp: str, as_of: date, expected: bool) -> None:
    assert reached(D0, tp, as_of) is expected


AS_OF = date(2026, 1, 1)  # every window closed


@pytest.mark.parametrize(
    ("tp", "stop", "end", "as_of", "expected"),
    [
        # follow-up ended without a stop before the nominal date: never reached
        ("M12", None, d(364), AS_OF, False),
        ("M6", None, d(181), AS_OF, False),
        ("M6", None, d(181), d(120), False),  # an end after the cut-off: window still open
        # ... ended on the nominal date: followed up to T, reached
        ("M12", None, d(365), AS_OF, True),
        ("M6", None, d(300), AS_OF, True),  # ended after M6: M6 reached, M12 not
        ("M12", None, d(300), AS_OF, False),
        ("M0", None, d(3), AS_OF, True),  # an end after D0 does not undo M0
        # stopped before T reaches T on the window rule, even if follow-up ended afterwards
        ("M12", d(100), None, AS_OF, True),
        ("M12", d(100), d(120), AS_OF, True),
        ("M12", d(365), d(365), AS_OF, True),  # stop on the nominal date = stopped before T
        ("M12", d(100), None, d(365 + 44), False),  # ... but the window must have closed
        ("M12", d(100), None, d(365 + 45), True),
        # a stop after T with an end of follow-up before T: the end decides
        ("M6", d(200), d(150), AS_OF, False),
        # a stop and an end after the cut-off have not happened yet
        ("M6", d(150), d(150), d(182 + 45), True),
        ("M12", d(150), d(150), d(140), False),
    ],
)
def test_reached_with_stop_or_follow_up_end(
    tp: str, stop: date | None, end: date | None, as_of: date, expected: bool
) -> None:
    assert reached(D0, tp, as_of, stop=stop, follow_up_end=end) is expected


def test_reached_uses_the_windows_given() -> None:
    # a department with +/- 30 days around M6 and M12 and a baseline window of -30, +14
    assert reached(D0, "M6", d(212), other=(-30, 30)) is True
    assert reached(D0, "M6", d(211), other=(-30, 30)) is False
    assert reached(D0, "M0", d(13), baseline=(-30, 14)) is False
    assert reached(D0, "M0", d(14), baseline=(-30, 14)) is True


def test_reached_timepoints() -> None:
    assert reached_timepoints(D0, d(300)) == {"M0": True, "M6": True, "M12": False}
    assert reached_timepoints(D0, AS_OF, follow_up_end=d(100)) == {
        "M0": True,
        "M6": False,
        "M12": False,
    }


@pytest.mark.parametrize(
    ("start", "stop", "nominal", "as_of", "expected"),
    [
        (D0, None, M12, AS_OF, True),
        (D0, d(365), M12, AS_OF, False),  # stopped on the nominal date: not on belimumab
        (D0, d(366), M12, AS_OF, True),
        (D0, d(100), M12, AS_OF, False),
        (D0, d(100), M12, d(99), True),  # the stop is after the cut-off: not happened yet
        (D0, d(100), M12, d(100), False),
        (d(10), None, d(5), AS_OF, False),  # started after the nominal date
        (d(10), None, d(20), d(9), False),  # started after the cut-off: not in the cohort
        (D0, None, D0, D0, True),
    ],
)
def test_on_belimumab_at(
    start: date, stop: date | None, nominal: date, as_of: date, expected: bool
) -> None:
    assert on_belimumab_at(start, stop, nominal, as_of) is expected


@pytest.mark.parametrize(
    ("given", "as_of", "expected"),
    [
        ([], AS_OF, False),
        ([d(0)], d(0), True),
        ([d(1)], d(0), False),  # the only infusion is after the cut-off
        ([d(30), d(2)], d(10), True),  # unsorted; cut-off between two infusions
    ],
)
def test_has_infusion_by(given: list[date], as_of: date, expected: bool) -> None:
    assert has_infusion_by(given, as_of) is expected


@pytest.mark.parametrize(
    ("stop", "end", "as_of", "expected"),
    [
        (d(200), None, AS_OF, RetentionTime(200, True)),  # stopped: the event
        (d(200), d(100), AS_OF, RetentionTime(200, True)),  # a recorded stop is still the event
        (d(200), None, d(150), RetentionTime(150, False)),  # stop after the cut-off: censored then
        (d(200), None, d(200), RetentionTime(200, True)),  # stop on the cut-off
        (None, d(300), AS_OF, RetentionTime(300, False)),  # censored at the follow-up end
        (None, d(300), d(250), RetentionTime(250, False)),  # ... unless after the cut-off
        (None, None, d(400), RetentionTime(400, False)),  # censored at the cut-off
        (None, None, D0, RetentionTime(0, False)),
        (D0 - timedelta(days=3), None, AS_OF, RetentionTime(0, True)),  # never below 0
    ],
)
def test_retention_time(
    stop: date | None, end: date | None, as_of: date, expected: RetentionTime
) -> None:
    assert retention_time(D0, stop, end, as_of) == expected


def test_retention_time_refuses_a_course_after_the_cut_off() -> None:
    with pytest.raises(ValueError, match="after the cut-off"):
        retention_time(D0, None, None, d(-1))
