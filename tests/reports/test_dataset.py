"""The analysis dataset's rules on small hand-built cohorts (no database), hand-checked.

Dates count from D0 = 2015-03-02: M6 is D0 + 182, M12 D0 + 365 (DOMAIN.md "Time points").
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belimumab.domain import schedule
from belimumab.domain.response import nominal_date, timepoint_index
from belimumab.domain.treatments import steroid_dose_in_force
from belimumab.reports.dataset import Params, analysis_table
from belimumab.reports.report import SCHEMA, build_report, json_ready
from tests.reports.builders import D0, SC, Cohort, at, day

M6, M12 = 182, 365


def missing(value) -> bool:
    return value is None or bool(pd.isna(value))


# --- on belimumab at T: start <= nominal < stop ---------------------------------------------------


def test_on_treatment_boundary_stop_on_the_nominal_date_is_off():
    ds = (
        Cohort()
        .patient(1, stop=M6, reason="inefficacy")  # stopped on D0 + 182: off at M6
        .patient(2, stop=M6 + 1, reason="patient_choice")  # the day after: on at M6
        .patient(3, stop=M12, reason="remission")  # on at M6, off at M12
        .patient(4)
        .build()
    )
    assert [at(ds, p, "M6")["on_treatment"] for p in (1, 2, 3, 4)] == [False, True, True, True]
    assert [at(ds, p, "M12")["on_treatment"] for p in (1, 2, 3, 4)] == [False, False, False, True]
    assert all(at(ds, p, "M0")["on_treatment"] for p in (1, 2, 3, 4))
    report = build_report(ds)
    assert report["timepoints"]["M6"]["on_treatment"] == 3
    assert report["timepoints"]["M12"]["on_treatment"] == 1
    # stopped for inefficacy before M6: a failure at M6 and M12; other stops are not failures
    assert report["timepoints"]["M6"]["failures"] == 1
    assert report["timepoints"]["M12"]["failures"] == 1


# --- the time point's visit: nearest in the window, ties to the earlier ------------------------


def test_nearest_visit_tie_goes_to_the_earlier_visit():
    ds = Cohort().patient(1).visit(1, M6 + 2, 2).visit(1, M6 - 2, 4).build()
    row = at(ds, 1, "M6")
    assert row["sledai"] == 4
    assert row["visit_date"].date() == day(M6 - 2)


@pytest.mark.parametrize(
    ("offset", "tp", "found"),
    [
        (45, "M6", True),  # the window's edges are inside
        (-45, "M6", True),
        (46, "M6", False),
        (-46, "M6", False),
        (-30, "M0", True),  # baseline window [-30, +7]
        (7, "M0", True),
        (-31, "M0", False),
        (8, "M0", False),
        (45, "M12", True),
        (46, "M12", False),
    ],
)
def test_visit_windows(offset, tp, found):
    nominal = {"M0": 0, "M6": M6, "M12": M12}[tp]
    ds = Cohort().patient(1).visit(1, nominal + offset, 5).build()
    row = at(ds, 1, tp)
    assert (row["sledai"] == 5) is found
    assert missing(row["visit_date"]) is not found


def test_nearest_visit_without_a_score_leaves_the_score_missing():
    """The nearest visit is the time point's visit even when its score is empty."""
    ds = Cohort().patient(1).visit(1, M6, None).visit(1, M6 + 10, 3).build()
    row = at(ds, 1, "M6")
    assert row["visit_date"].date() == day(M6)
    assert missing(row["sledai"])
    assert row["activity"] is None
    report = build_report(ds)
    assert report["timepoints"]["M6"]["activity"]["missing"] == 1
    assert report["timepoints"]["M6"]["sledai"]["n"] == 0


def test_labs_take_the_nearest_result_of_each_test_and_their_range():
    ds = (
        Cohort()
        .patient(1)
        .lab(1, -3, "c3", 0.6, 0.79, 1.53)
        .lab(1, 2, "c3", 0.7, 0.79, 1.53)  # nearer to D0 than -3
        .lab(1, -20, "anti_dsdna", 50, 0, 50)  # upper limit itself is normal
        .lab(1, M6 + 30, "ch50", 30)  # no range stored: the default range decides
        .build(Params(lab_ranges={"ch50": (38.0, 79.0)}))
    )
    m0 = at(ds, 1, "M0")
    assert m0["c3"] == 0.7 and m0["c3_abnormal"] is True
    assert m0["anti_dsdna"] == 50 and m0["anti_dsdna_abnormal"] is False
    m6 = at(ds, 1, "M6")
    assert m6["ch50"] == 30 and m6["ch50_abnormal"] is True
    assert missing(m6["c3"])
    report = build_report(ds)
    assert report["timepoints"]["M0"]["labs"]["c3"]["abnormal"] == 1
    assert report["timepoints"]["M0"]["labs"]["anti_dsdna"]["abnormal"] == 0


# --- corticosteroids: none is not 0 --------------------------------------------------------------


def test_no_corticosteroid_is_not_zero():
    ds = (
        Cohort()
        .patient(1)  # never on corticosteroids
        .patient(2)
        .dose(2, "prednisone", -100, 10)
        .dose(2, "prednisone", 100, 0)  # stopped before M6
        .build()
    )
    p1, p2 = at(ds, 1, "M6"), at(ds, 2, "M6")
    assert missing(p1["steroid_mg_day"]) and p1["no_corticosteroid"]
    assert p1["steroid_mg_day_all"] == 0 and not p1["steroid_at_m0"]
    assert p2["steroid_mg_day"] == 0 and not p2["no_corticosteroid"] and p2["steroid_at_m0"]
    m6 = build_report(ds)["timepoints"]["M6"]
    assert m6["no_corticosteroid"] == 1
    assert m6["corticosteroid_stopped"] == 1
    assert m6["steroid_mg_day"]["n"] == 1  # only the patient on corticosteroids at M0
    assert m6["steroid_mg_day_all"]["n"] == 2 and m6["steroid_mg_day_all"]["mean"] == 0


def test_steroid_dose_on_the_visit_date_else_on_the_nominal_date():
    ds = (
        Cohort()
        .patient(1)
        .dose(1, "prednisone", -100, 20)
        .dose(1, "prednisone", M6 - 7, 10)
        .visit(1, M6 - 10, 4)  # the M6 visit comes before the decrease: 20 in force
        .patient(2)
        .dose(2, "prednisone", -100, 20)
        .dose(2, "prednisone", M6 - 7, 10)  # no visit: the nominal date, 10 in force
        .patient(3)
        .dose(3, "methylprednisolone", -10, 8)  # 8 mg = 10 mg prednisone
        .dose(3, "prednisone", -10, 5)
        .build()
    )
    assert at(ds, 1, "M6")["steroid_mg_day"] == 20
    assert at(ds, 2, "M6")["steroid_mg_day"] == 10
    assert at(ds, 3, "M0")["steroid_mg_day"] == 15


def test_steroid_sparing_and_mean_decrease():
    ds = (
        Cohort()
        .patient(1)
        .dose(1, "prednisone", -100, 20)
        .dose(1, "prednisone", 300, 5)
        .patient(2)
        .dose(2, "prednisone", -100, 10)
        .patient(3)  # no corticosteroid: not in the sparing figures
        .build()
    )
    report = build_report(ds)
    m12 = report["timepoints"]["M12"]
    assert report["timepoints"]["M0"]["steroid_mg_day"]["mean"] == 15
    assert m12["steroid_mg_day"]["mean"] == 7.5
    assert m12["steroid_sparing"] == {
        "patients": 1,
        "mean_dose_decrease_pct": 50.0,
        "mean_dose_m0": 15.0,
    }
    assert report["timepoints"]["M6"]["steroid_sparing"]["patients"] == 0


# --- response -------------------------------------------------------------------------------------


def test_response_uses_the_domain_rule_with_immunosuppressants_at_d0_and_t():
    ds = (
        Cohort()
        .patient(1)  # same score, mycophenolate decreased: responder
        .visit(1, 0, 6)
        .visit(1, M6, 6)
        .dose(1, "mycophenolate", -100, 2000)
        .dose(1, "mycophenolate", 100, 1000)
        .patient(2)  # azathioprine started after D0: not a decrease
        .visit(2, 0, 6)
        .visit(2, M6, 6)
        .dose(2, "azathioprine", 50, 100)
        .dose(2, "azathioprine", 120, 50)
        .patient(3)  # score up: worsening even with a corticosteroid decrease
        .visit(3, 0, 4)
        .visit(3, M6, 6)
        .dose(3, "prednisone", -10, 10)
        .dose(3, "prednisone", 100, 5)
        .patient(4)  # fall of 4
        .visit(4, 0, 8)
        .visit(4, M6, 4)
        .build()
    )
    rows = {p: at(ds, p, "M6") for p in (1, 2, 3, 4)}
    assert rows[1]["responder"] and rows[1]["response_reasons"] == "immunosuppressant_decrease"
    assert rows[1]["immunosuppressants_decreased"] == "mycophenolate"
    assert not rows[2]["responder"] and rows[2]["response_reasons"] == "no_improvement"
    assert not rows[3]["responder"] and rows[3]["response_reasons"] == "worsening"
    assert rows[4]["responder"] and rows[4]["response_reasons"] == "drop_4"
    m6 = build_report(ds)["timepoints"]["M6"]
    assert m6["responders"] == 2 and m6["response_rate"] == 0.5


def test_statistics_at_t_keep_only_patients_still_treated():
    ds = (
        Cohort()
        .patient(1, stop=100, reason="inefficacy")
        .visit(1, 0, 12)
        .visit(1, M6, 10)  # a visit after the stop: on the timeline, not in the M6 statistics
        .patient(2)
        .visit(2, 0, 6)
        .visit(2, M6, 2)
        .adjudicate(2, "M12", "failure", "flare on treatment")
        .build()
    )
    report = build_report(ds)
    m6 = report["timepoints"]["M6"]
    assert m6["sledai"]["n"] == 1 and m6["sledai"]["median"] == 2
    assert report["timepoints"]["M0"]["sledai"]["n"] == 2
    assert m6["failures"] == 1 and m6["responders"] == 1
    m12 = report["timepoints"]["M12"]
    # computed and adjudicated failures side by side, never mixed
    assert m12["failures"] == 1 and m12["adjudicated_failures"] == 1
    assert report["models"]["sledai"]["ri"]["n_obs"] == 3


# --- exclusion ------------------------------------------------------------------------------------


def iv_days(*gaps: int) -> tuple[int, ...]:
    days = [0]
    for gap in gaps:
        days.append(days[-1] + gap)
    return tuple(days)


@pytest.mark.parametrize(
    ("days", "excluded"),
    [
        (iv_days(14, 14, 28, 90, 28), True),  # 90 - 28 = 62 days of interruption
        (iv_days(14, 14, 28, 89, 28), False),  # 61: not more than 2 months
        (iv_days(14, 14, 28, 84, 28), False),  # two cycles missed (56): kept
        (iv_days(76, 14), True),  # loading phase: 76 - 14 = 62
        (iv_days(75, 14), False),
        ((*range(0, 29, 14), *range(56, 393, 28), 392 + 200), False),  # gap starts after D0+365
    ],
)
def test_interruption_exclusion(days, excluded):
    ds = Cohort().patient(1, infusions=days).build()
    patient = ds.patients.iloc[0]
    assert bool(patient["excluded"]) is excluded
    assert patient["exclusion_reasons"] == (("interruption",) if excluded else ())
    domain = schedule.is_excluded_for_interruption(schedule.IV_STANDARD, D0, [day(d) for d in days])
    assert domain is excluded


def test_exclusion_reasons_are_listed_never_dropped():
    ds = (
        Cohort()
        .patient(1, prior_trial=True)
        .patient(2, indication="other", infusions=iv_days(14, 14, 28, 120))
        .patient(3, prior_trial=True, indication="other")
        .patient(4)
        .adverse_event(1, 10)
        .build()
    )
    report = build_report(ds)
    assert report["cohort"]["initiated"] == 4 and report["cohort"]["analysed"] == 1
    assert report["cohort"]["excluded"] == [
        {"patient": "P01", "reasons": ["prior_trial"]},
        {"patient": "P02", "reasons": ["interruption", "indication"]},
        {"patient": "P03", "reasons": ["prior_trial", "indication"]},
    ]
    assert report["timepoints"]["M0"]["on_treatment"] == 1
    assert report["adverse_events"]["total"] == 0  # the excluded patient's event is not counted
    assert report["drug_cost"]["patients"] == 4  # the pharmacy pays for every initiated patient
    table = analysis_table(ds)
    assert len(table) == 12  # every initiated patient stays in the export, flagged
    assert table.loc[table["patient"] == "P02", "exclusion_reasons"].iloc[0] == (
        "interruption;indication"
    )


# --- Table 1, events, adverse events, cost -------------------------------------------------------


def test_age_in_completed_years_and_concomitant_treatments_by_drug():
    ds = (
        Cohort()
        .patient(1, birth_date=date(1980, 3, 2))  # 35th birthday on D0
        .dose(1, "prednisone", -10, 10)
        .dose(1, "hydroxychloroquine", -10, 400)
        .patient(2, birth_date=date(1980, 3, 3))  # the day after: still 34
        .dose(2, "methotrexate", -10, 15)
        .dose(2, "methotrexate", -1, 0)  # stopped before D0: not concomitant
        .dose(2, "hydroxychloroquine", 1, 400)  # started after D0: not concomitant
        .build()
    )
    assert list(ds.patients["age_years"]) == [35, 34]
    table1 = build_report(ds)["table1"]
    assert table1["age_years"]["median"] == 34.5
    assert table1["concomitant_at_initiation"] == {"hydroxychloroquine": 1, "prednisone": 1}
    assert table1["any_concomitant"] == 1


def test_events_between_time_points():
    ds = (
        Cohort()
        .patient(1, infusions=iv_days(14, 14, 28, 84, 28))  # 2 cycles missed from D56
        .visit(1, 200, 8, flare="severe")
        .patient(2, stop=250, reason="adverse_event")
        .build()
    )
    report = build_report(ds)
    p1, p2 = report["table2"]
    assert p1["events"]["M0-M6"] == [{"day": 56, "kind": "missed_cycles", "detail": "2"}]
    assert p1["events"]["M6-M12"] == [{"day": 200, "kind": "flare", "detail": "severe"}]
    assert p2["stop"] == {"date": day(250).isoformat(), "day": 250, "reason": "adverse_event"}
    assert p2["M12"]["on_treatment"] is False and p2["M12"]["sledai"] is None


def test_adverse_events_of_the_first_year_only():
    ds = (
        Cohort()
        .patient(1)
        .adverse_event(1, -1)  # before D0
        .adverse_event(1, 0, "rash")
        .adverse_event(1, 365, "infection", serious=True)
        .adverse_event(1, 366)  # after the first year
        .patient(2)
        .adverse_event(2, 30, "neutropenia")
        .build()
    )
    ae = build_report(ds)["adverse_events"]
    assert ae["total"] == 3 and ae["patients"] == 2 and ae["serious"] == 1
    assert ae["by_category"] == {"infection": 1, "neutropenia": 1, "rash": 1}


def test_drug_cost_and_waste_avoided_by_rounding():
    """700 mg: the least-waste covering plan is 6 x 120 = 720 mg (20 mg wasted), not
    400 + 3 x 120 = 760 (60 mg) as prepared at D0 here."""
    ds = (
        Cohort()
        .patient(1, infusions=())
        .infusion(1, 0)  # 700 mg from 400 + 3 x 120: 769.50 EUR, 60 mg wasted
        .infusion(1, 14, prepared=640, vials_120=2, vials_400=1)  # rounded down: 648 EUR
        .infusion(1, 28, vials_120=0, vials_400=0)  # no vials recorded: 6 x 120 counted
        .patient(2, regimen=SC, infusions=(0, 7))  # SC: not costed
        .build()
    )
    cost = build_report(ds, Params(vial_prices={120: 121.5, 400: 405.0}))["drug_cost"]
    assert cost["iv_infusions"] == 3 and cost["sc_administrations"] == 2
    assert cost["vials"] == {"120": 11, "400": 2}
    assert cost["vials_estimated_infusions"] == 1
    assert cost["total"] == 769.5 + 648 + 729
    assert cost["waste_mg"] == 60 + 0 + 20
    # rounding avoided opening 720 mg (729 EUR) for 640 mg (648 EUR)
    assert cost["rounded_infusions"] == 1
    assert cost["waste_avoided_mg"] == 80 and cost["cost_avoided"] == 81
    # exposure: D0 to the last infusion (D28) + 28 days, and SC D0 to D7 + 7
    assert cost["patient_years"] == round((56 + 14) / 365.25, 3)
    assert cost["per_patient_year"] == round(cost["total"] / ((56 + 14) / 365.25), 2)


def test_retention_counts_stops_as_events_and_censors_the_others():
    ds = (
        Cohort()
        .patient(1, stop=100, reason="inefficacy")
        .patient(2, stop=300, reason="patient_choice")
        .patient(3)
        .patient(4)
        .build()
    )
    retention = build_report(ds)["retention"]
    # Greenwood, log: var(log S) = 1 / (4 x 3) at M6, + 1 / (3 x 2) at M12; 95 %: z = 1.95996
    assert retention["M6"] == {
        "survival": 0.75,
        "lower": pytest.approx(0.75 * math.exp(-1.959964 * math.sqrt(1 / 12))),  # 0.426
        "upper": 1.0,  # 0.75 x exp(+...) = 1.32, clipped
        "at_risk": 3,
        "events": 1,
    }
    assert retention["M12"] == {
        "survival": 0.5,
        "lower": pytest.approx(0.5 * math.exp(-1.959964 * 0.5)),  # 0.188
        "upper": 1.0,
        "at_risk": 2,
        "events": 2,
    }
    assert [r["at_risk"] for r in retention["table"]] == [4, 4, 3, 3, 2]
    assert retention["on_treatment"] == {"M6": 3, "M12": 2}


def test_empty_cohort_reports_counts_and_nulls():
    report = json_ready(build_report(Cohort().build()))
    assert report["schema"] == SCHEMA
    assert report["cohort"] == {"initiated": 0, "analysed": 0, "excluded": []}
    assert report["timepoints"]["M6"]["sledai"] == {
        "n": 0,
        "mean": None,
        "sd": None,
        "median": None,
        "q1": None,
        "q3": None,
        "min": None,
        "max": None,
        "variance": None,
    }
    assert report["timepoints"]["M6"]["response_rate"] is None
    assert report["models"]["sledai"]["ri_ar1"]["M6"]["p"] is None


# --- the vectorised joins agree with the domain functions ----------------------------------------


def random_cohort(seed: int, n: int = 40) -> tuple[Cohort, dict]:
    rng = random.Random(seed)
    cohort = Cohort()
    truth: dict = {}
    for pid in range(1, n + 1):
        start = D0 + timedelta(days=rng.randrange(0, 400))
        days, d = [0], 0
        for i in range(rng.randrange(3, 18)):
            d += (14 if i < 2 else 28) + rng.choice([0, 0, 1, 3, -2, 30, 56, 62, 63, 90])
            days.append(d)
        cohort.patient(pid, start=start, infusions=tuple(days))
        visits = sorted(rng.sample(range(-40, 420), rng.randrange(0, 8)))
        # ties around the nominal dates
        visits += [M6 + 3, M6 - 3] if rng.random() < 0.3 else []
        for v in visits:
            cohort.visit(pid, v, rng.randrange(0, 20))
        changes = []
        for _ in range(rng.randrange(0, 6)):
            drug = rng.choice(
                ["prednisone", "methylprednisolone", "hydrocortisone", "mycophenolate"]
            )
            when = rng.randrange(-200, 400)
            if any(c[0] == drug and c[1] == when for c in changes):
                continue
            dose = rng.choice([0, 2.5, 5, 7.5, 10, 16, 20])
            changes.append((drug, when, dose))
            cohort.dose(pid, drug, when, dose)
        truth[pid] = (start, days, [start + timedelta(days=v) for v in visits], changes)
    return cohort, truth


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_joins_match_the_domain(seed):
    cohort, truth = random_cohort(seed)
    ds = cohort.build()
    for pid, (start, days, visit_dates, changes) in truth.items():
        given = [start + timedelta(days=d) for d in days]
        patient = ds.patients[ds.patients["patient_id"] == pid].iloc[0]
        excluded = schedule.is_excluded_for_interruption(schedule.IV_STANDARD, start, given)
        assert bool(patient["interrupted"]) is excluded, (seed, pid)
        for tp in ("M0", "M6", "M12"):
            row = at(ds, pid, tp)
            index = timepoint_index(visit_dates, start, tp)
            expected_visit = None if index is None else visit_dates[index]
            got = None if missing(row["visit_date"]) else row["visit_date"].date()
            assert got == expected_visit, (seed, pid, tp)
            on = expected_visit or nominal_date(start, tp)
            steroid = steroid_dose_in_force(
                [(drug, start + timedelta(days=w), Decimal(str(d))) for drug, w, d in changes], on
            )
            if steroid is None:
                assert missing(row["steroid_mg_day"]), (seed, pid, tp)
            else:
                assert Decimal(repr(row["steroid_mg_day"])) == steroid, (seed, pid, tp)


# --- the vectorised nearest-in-window equals the domain's rule, row by row ----------------------


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 3),  # patient
            # days after D0 near the time points (ties of distance are frequent) and beyond
            st.builds(
                lambda base, offset: base + offset,
                st.sampled_from([0, 182, 365]),
                st.integers(-4, 4) | st.integers(-100, 100),
            ),
            st.sampled_from(["c3", "c4"]),  # test
        ),
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_nearest_in_windows_is_the_domain_rule_for_every_patient_and_time_point(events, rng):
    from belimumab.domain.response import nearest_in_window
    from belimumab.reports.joins import nearest_in_windows, timepoint_frame

    params = Params()
    d0s = {1: D0, 2: D0 + timedelta(days=10), 3: D0 - timedelta(days=400)}
    patients = pd.DataFrame(
        {
            "patient_id": [1, 2, 3],
            "d0": pd.to_datetime(list(d0s.values())).astype("datetime64[s]"),
            "stop_date": pd.Series([pd.NaT] * 3, dtype="datetime64[s]"),
            "follow_up_end": pd.Series([pd.NaT] * 3, dtype="datetime64[s]"),
        }
    )
    tps = timepoint_frame(patients, params, date(2030, 1, 1))
    ids = rng.sample(range(1, 1000), len(events))  # ids in no particular order
    frame = pd.DataFrame(
        {
            "id": pd.Series(ids, dtype="int64"),
            "patient_id": pd.Series([p for p, _, _ in events], dtype="int64"),
            "date": pd.Series(
                [d0s[p] + timedelta(days=d) for p, d, _ in events], dtype="datetime64[s]"
            ),
            "test": pd.Series([t for _, _, t in events], dtype="str"),
        }
    )
    got = nearest_in_windows(tps, frame, by=["test"]).set_index(["patient_id", "timepoint", "test"])
    for patient, d0 in d0s.items():
        for tp, days in params.timepoint_days.items():
            before, after = params.window(tp)
            for test in ("c3", "c4"):
                mine = sorted(
                    (i, d0 + timedelta(days=d))
                    for i, (p, d, t) in zip(ids, events, strict=True)
                    if p == patient and t == test
                )
                index = nearest_in_window(
                    [d for _, d in mine], d0 + timedelta(days=days), before, after
                )
                key = (patient, tp, test)
                if index is None:
                    assert key not in got.index
                else:
                    assert got.loc[key, "id"] == mine[index][0]


# --- reached, vectorised, equals the domain's rule --------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            # stop and end of follow-up in days after D0 (None: none), near the nominal dates
            st.none() | st.sampled_from([0, 1, 181, 182, 183, 364, 365, 366, 500]),
            st.none() | st.sampled_from([0, 1, 181, 182, 183, 364, 365, 366, 500]),
            # the cut-off, near each window's closing day (D0 + 7, + 227, + 410)
            st.sampled_from([0, 6, 7, 8, 226, 227, 228, 409, 410, 411, 800]) | st.integers(0, 900),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_reached_is_the_domain_rule(cases):
    from belimumab.domain.cohort import ended_by, reached
    from belimumab.reports.dataset import as_of_frames
    from belimumab.reports.frames import cohort_frames
    from belimumab.reports.joins import timepoint_frame

    params = Params()
    for stop, end, cut in cases:
        as_of = D0 + timedelta(days=cut)
        cohort = Cohort().patient(1, infusions=(0,), reason="other" if stop is not None else "")
        row = cohort.rows["patients"][0]
        row["stop_date"] = None if stop is None else D0 + timedelta(days=stop)
        row["follow_up_end"] = None if end is None else D0 + timedelta(days=end)
        row["follow_up_end_reason"] = "" if end is None else "lost_to_follow_up"
        patients = as_of_frames(cohort_frames(cohort.rows), as_of).patients
        tps = timepoint_frame(patients, params, as_of).set_index("timepoint")
        for tp in params.timepoint_days:
            expected = reached(
                D0, tp, as_of, stop=row["stop_date"], follow_up_end=row["follow_up_end"]
            )
            assert bool(tps.loc[tp, "reached"]) is expected, (tp, stop, end, cut)
        assert ended_by(row["stop_date"], as_of) == (
            None if pd.isna(patients["stop_date"].iloc[0]) else row["stop_date"]
        )


# --- missed cycles, vectorised, equal the domain's walk over the intervals ----------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(schedule.REGIMENS)),
            st.integers(0, 6),  # index of the administration that fell due
            # days since it fell due, the interval boundaries often
            st.integers(-30, 400) | st.sampled_from([-1, 0, 6, 7, 13, 14, 15, 27, 28, 42, 56]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_missed_cycles_is_the_domain_rule(cases):
    from belimumab.reports.joins import missed_cycles

    regimens = [schedule.REGIMENS[code] for code, _, _ in cases]
    got = missed_cycles(
        [index for _, index, _ in cases],
        [elapsed for _, _, elapsed in cases],
        pd.Series([r.loading_intervals_days for r in regimens], dtype=object),
        [r.interval_days for r in regimens],
    )
    expected = [
        schedule._missed_from(r, index, elapsed)
        for r, (_, index, elapsed) in zip(regimens, cases, strict=True)
    ]
    assert got.tolist() == expected
