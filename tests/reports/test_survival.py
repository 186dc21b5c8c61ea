"""Kaplan-Meier retention against R's survival::survfit, and by hand.

The references come from reference/make_survival_reference.R (committed with its inputs and
its output, reference/survival_reference.csv): these tests never call R.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from belimumab.domain.cohort import retention_time
from belimumab.reports.survival import SurvivalAt, kaplan_meier_ci, survival_at, survival_at_times

REFERENCE = Path(__file__).parent / "reference"
EXPECTED = pd.read_csv(REFERENCE / "survival_reference.csv", keep_default_na=False)
DURATIONS = pd.read_csv(REFERENCE / "survival_durations.csv")
COHORTS = pd.read_csv(REFERENCE / "survival_cohort.csv", keep_default_na=False)
FIELDS = ("survival", "lower", "upper", "at_risk", "events")


def _dates(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def observations(cohort: str, as_of: str, censoring: str) -> tuple[list[float], list[bool]]:
    """The durations and events R fitted for one reading of the reference."""
    if not as_of:
        rows = DURATIONS[DURATIONS["cohort"] == cohort]
        return rows["days"].astype(float).tolist(), rows["event"].astype(bool).tolist()
    cut_off = date.fromisoformat(as_of)
    days, events = [], []
    for row in COHORTS[COHORTS["cohort"] == cohort].itertuples():
        d0, stop = date.fromisoformat(row.d0), _dates(row.stop)
        if censoring == "last_record":  # the rule the cut-off replaces
            days.append(float((date.fromisoformat(row.last_record) - d0).days))
            events.append(stop is not None)
        elif d0 <= cut_off:
            observed = retention_time(d0, stop, _dates(row.follow_up_end), cut_off)
            days.append(float(observed.days))
            events.append(observed.event)
    return days, events


def expected_at(row: pd.Series) -> SurvivalAt:
    def number(name: str) -> float | None:
        return None if row[name] == "NA" else float(row[name])

    count = {name: number(name) for name in ("at_risk", "events")}
    return SurvivalAt(
        survival=number("survival"),
        lower=number("lower"),
        upper=number("upper"),
        at_risk=None if count["at_risk"] is None else int(count["at_risk"]),
        events=None if count["events"] is None else int(count["events"]),
    )


READINGS = list(
    dict.fromkeys(zip(EXPECTED["cohort"], EXPECTED["as_of"], EXPECTED["censoring"], strict=True))
)


def test_the_reference_covers_what_the_issue_asks() -> None:
    assert {reading[0] for reading in READINGS} == {
        "ties",
        "short",
        "last_event",
        "random",
        "living",
        "collapse",
    }
    assert {reading[1] for reading in READINGS if reading[0] == "living"} == {
        "2024-06-30",
        "2025-06-30",
        "2026-06-30",
    }
    assert len(EXPECTED) == 9 * len(READINGS)


@pytest.mark.parametrize("reading", READINGS, ids=lambda r: "-".join(filter(None, r)))
def test_agrees_with_survfit(reading: tuple[str, str, str]) -> None:
    rows = EXPECTED[
        (EXPECTED["cohort"] == reading[0])
        & (EXPECTED["as_of"] == reading[1])
        & (EXPECTED["censoring"] == reading[2])
    ]
    days, events = observations(*reading)
    got = survival_at_times(days, events, rows["time"].astype(float).tolist())
    for _, row in rows.iterrows():
        want, have = expected_at(row), got[float(row["time"])]
        for name in FIELDS:
            expected, actual = getattr(want, name), getattr(have, name)
            if expected is None:
                assert actual is None, (row["time"], name)
            else:
                assert actual == pytest.approx(expected, abs=1e-10, rel=0), (row["time"], name)


# By hand: 6 patients, stops at 10, 20, 30, 40, censored at 15 and 20 (after the stop of day 20).
HAND_DAYS = [10, 15, 20, 20, 30, 40]
HAND_EVENTS = [True, False, True, False, True, True]
Z = 1.959963984540054


def lower_upper(s: float, var_log: float) -> tuple[float, float]:
    return s * math.exp(-Z * math.sqrt(var_log)), min(1.0, s * math.exp(Z * math.sqrt(var_log)))


@pytest.mark.parametrize(
    ("t", "survival", "var_log", "at_risk", "events"),
    [
        (5, 1.0, 0.0, 6, 0),  # before the first stop
        (10, 5 / 6, 1 / 30, 6, 1),  # the stop of day 10: S = 5/6, Greenwood 1/(6*5)
        (12, 5 / 6, 1 / 30, 5, 1),  # between stops: S carried, at risk those still followed
        (17, 5 / 6, 1 / 30, 4, 1),  # the censoring of day 15 leaves 4 at risk
        (20, 5 / 6 * 3 / 4, 1 / 30 + 1 / 12, 4, 2),  # stop and censoring on day 20: 4 at risk
        (25, 5 / 6 * 3 / 4, 1 / 30 + 1 / 12, 2, 2),
        (30, 5 / 6 * 3 / 4 * 1 / 2, 1 / 30 + 1 / 12 + 1 / 2, 2, 3),
    ],
)
def test_by_hand(t: float, survival: float, var_log: float, at_risk: int, events: int) -> None:
    lower, upper = lower_upper(survival, var_log)
    got = survival_at(HAND_DAYS, HAND_EVENTS, t)
    assert got.survival == pytest.approx(survival, abs=1e-12)
    assert got.lower == pytest.approx(lower, abs=1e-12)
    assert got.upper == pytest.approx(upper, abs=1e-12)
    assert (got.at_risk, got.events) == (at_risk, events)


def test_survival_zero_has_no_interval() -> None:
    # the last patient at risk stops on day 40: S = 0 there, R gives no interval
    assert survival_at(HAND_DAYS, HAND_EVENTS, 40) == SurvivalAt(0.0, None, None, 1, 4)


def test_nobody_at_risk_is_null_never_carried_forward() -> None:
    nothing = {"survival": None, "lower": None, "upper": None, "at_risk": None, "events": None}
    assert survival_at(HAND_DAYS, HAND_EVENTS, 41).as_dict() == nothing
    assert survival_at([100, 200, 300], [False, True, False], 365).as_dict() == nothing
    assert survival_at([], [], 182).as_dict() == nothing


def test_censoring_at_the_last_record_collapses_the_curve() -> None:
    # 20 patients whose infusions were entered for their first year only; 4 stopped later
    # (days 400-550). Censored at the last record, only those 4 stay at risk after a year and
    # the curve falls to 0; censored at the cut-off (2 years on), it stays at 16/20.
    last_record = [364] * 16 + [400, 450, 500, 550]
    events = [False] * 16 + [True] * 4
    at_cut_off = [730] * 16 + [400, 450, 500, 550]
    assert survival_at(last_record, events, 547).survival == 0.25
    assert survival_at(last_record, events, 600).survival is None
    assert survival_at(at_cut_off, events, 600).survival == pytest.approx(0.8)
    assert survival_at(at_cut_off, events, 600).at_risk == 16


def test_collapse_cohort_of_the_reference() -> None:
    rows = EXPECTED[(EXPECTED["cohort"] == "collapse") & (EXPECTED["time"] == 547)]
    by_rule = dict(zip(rows["censoring"], rows["survival"].astype(float), strict=True))
    assert by_rule["cut_off"] == pytest.approx(0.9)
    assert by_rule["last_record"] == pytest.approx(0.4)


def test_kaplan_meier_ci_table() -> None:
    table = kaplan_meier_ci(HAND_DAYS, HAND_EVENTS)
    assert table["time"].tolist() == [10, 15, 20, 30, 40]
    assert table["std_err_log"].iloc[0] == pytest.approx(math.sqrt(1 / 30))
    assert math.isinf(table["std_err_log"].iloc[-1])
    assert math.isnan(table["lower"].iloc[-1])


def test_refuses_a_bad_level() -> None:
    with pytest.raises(ValueError):
        survival_at(HAND_DAYS, HAND_EVENTS, 10, conf_level=1.5)
