"""A living cohort as of a cut-off date (DOMAIN.md "A living cohort (data cut-off)"), hand-checked.

Dates count from D0 = 2015-03-02 (tests.reports.builders): M0's window closes at D0 + 7, M6's at
D0 + 182 + 45 = D0 + 227, M12's at D0 + 365 + 45 = D0 + 410.
"""

from __future__ import annotations

import io
import math
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command

from belimumab.reports.dataset import analysis_table
from belimumab.reports.report import build_report
from belimumab.reports.survival import survival_at
from tests.reports.builders import D0, Cohort, at, day

M6_CLOSES, M12_CLOSES = 182 + 45, 365 + 45
REFERENCE = Path(__file__).parent / "reference"


def cut(n: int) -> date:
    return D0 + timedelta(days=n)


# --- reached / not reached ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "m0", "m6", "m12"),
    [
        (6, False, False, False),  # M0's window [-30, +7] still open
        (7, True, False, False),  # closes on D0 + 7
        (M6_CLOSES - 1, True, False, False),
        (M6_CLOSES, True, True, False),  # D0 + 227: the window's last day has come
        (M12_CLOSES - 1, True, True, False),
        (M12_CLOSES, True, True, True),
    ],
)
def test_reached_when_the_window_has_closed(as_of, m0, m6, m12):
    ds = Cohort().patient(1).build(as_of=cut(as_of))
    assert [bool(at(ds, 1, tp)["reached"]) for tp in ("M0", "M6", "M12")] == [m0, m6, m12]
    report = build_report(ds)
    assert [report["timepoints"][tp]["reached"] for tp in ("M0", "M6", "M12")] == [
        int(m0),
        int(m6),
        int(m12),
    ]
    assert report["timepoints"]["M12"]["not_reached"] == int(not m12)


def test_follow_up_ended_before_the_nominal_date_never_reaches_it():
    ds = (
        Cohort()
        .patient(1, end=181)  # lost the day before M6: M6 and M12 never reached
        .patient(2, end=182)  # followed up to M6's nominal date: M6 reached, M12 not
        .patient(3, end=364)
        .patient(4, end=365)  # on M12's nominal date: reached
        .build()
    )
    reached = {
        pid: [bool(at(ds, pid, tp)["reached"]) for tp in ("M0", "M6", "M12")]
        for pid in (1, 2, 3, 4)
    }
    assert reached == {
        1: [True, False, False],
        2: [True, True, False],
        3: [True, True, False],
        4: [True, True, True],
    }
    m12 = build_report(ds)["timepoints"]["M12"]
    assert (m12["reached"], m12["not_reached"]) == (1, 3)


def test_an_end_of_follow_up_after_the_cut_off_has_not_happened():
    ds = Cohort().patient(1, end=100).build(as_of=cut(M6_CLOSES))
    assert not at(ds, 1, "M6")["reached"]
    # as of D0 + 99 the end (D0 + 100) is in the future: nothing ends yet
    ds = Cohort().patient(1, end=100).build(as_of=cut(99))
    assert pd.isna(ds.patients["follow_up_end"].iloc[0])


def test_stopped_before_the_time_point_reaches_it_on_the_window_rule():
    cohort = Cohort().patient(1, stop=100, reason="inefficacy").patient(2, stop=100, end=120)
    # the window of M6 still open: not reached, even though stopped
    ds = cohort.build(as_of=cut(M6_CLOSES - 1))
    assert not at(ds, 1, "M6")["reached"] and not at(ds, 2, "M6")["reached"]
    m6 = build_report(ds)["timepoints"]["M6"]
    assert (m6["reached"], m6["failures"], m6["responders"]) == (0, 0, 0)
    # closed: reached, off belimumab, a failure (inefficacy); the end of follow-up after the
    # stop does not take M6 away from patient 2
    ds = cohort.build(as_of=cut(M6_CLOSES))
    row = at(ds, 1, "M6")
    assert row["reached"] and not row["on_treatment"] and row["failure"] is True
    assert at(ds, 2, "M6")["reached"]
    m6 = build_report(ds)["timepoints"]["M6"]
    assert (m6["reached"], m6["on_treatment"], m6["failures"]) == (2, 0, 1)


def test_not_reached_is_counted_apart_never_as_a_non_responder():
    ds = (
        Cohort()
        .patient(1)
        .visit(1, 0, 10)
        .visit(1, 182, 2)  # responder at M6
        .visit(1, 365, 2)  # responder at M12
        .patient(2, start=day(200))  # M6 reached on D0 + 200 + 227, M12 later
        .visit(
            2,
            0,
            10,
        )
        .build(as_of=cut(200 + M6_CLOSES))
    )
    report = build_report(ds)
    m6, m12 = report["timepoints"]["M6"], report["timepoints"]["M12"]
    assert (m6["reached"], m6["not_reached"], m6["not_evaluable"]) == (2, 0, 1)
    assert (m12["reached"], m12["not_reached"]) == (1, 1)
    # patient 2 at M12: no response computed, not "not evaluable", not in the rate
    row = at(ds, 2, "M12")
    assert row["evaluable"] is None and row["responder"] is None and row["failure"] is None
    assert (m12["responders"], m12["not_evaluable"], m12["response_rate"]) == (1, 0, 1.0)
    assert (m12["on_treatment"], m12["sledai"]["n"]) == (1, 1)
    assert report["retention"]["on_treatment"] == {"M6": 2, "M12": 1}
    # Table 2 and the dataset say "not reached", not a missing score
    cells = {entry["patient"]: entry for entry in report["table2"]}
    assert cells["P02"]["M12"] == {
        "reached": False,
        "on_treatment": False,
        "sledai": None,
        "steroid_mg_day": None,
        "responder": None,
        "failure": None,
    }
    table = analysis_table(ds).set_index(["patient", "timepoint"])
    assert not table.loc[("P02", "M12"), "reached"] and table.loc[("P01", "M12"), "reached"]
    assert set(table["as_of"]) == {pd.Timestamp(cut(200 + M6_CLOSES))}


def test_corticosteroid_decrease_among_the_patients_who_reached_the_time_point():
    ds = (
        Cohort()
        .patient(1)
        .dose(1, "prednisone", -10, 20)
        .dose(1, "prednisone", 300, 10)
        .patient(2, start=day(300))  # M12 not reached: its 40 mg/day at M0 is left out
        .dose(2, "prednisone", -10, 40)
        .build(as_of=cut(M12_CLOSES))
    )
    sparing = build_report(ds)["timepoints"]["M12"]["steroid_sparing"]
    assert sparing["mean_dose_m0"] == 20 and sparing["mean_dose_decrease_pct"] == 50
    assert build_report(ds)["timepoints"]["M0"]["steroid_mg_day"]["mean"] == 30


# --- the cut-off: later data does not exist -----------------------------------------------------


def test_no_infusion_on_or_before_the_cut_off_is_excluded():
    cohort = (
        Cohort()
        .patient(1)
        .patient(2, infusions=())  # registered, never given
        .patient(3, start=day(5), infusions=(3,))  # first given on D0 + 8
    )
    report = build_report(cohort.build(as_of=cut(7)))
    assert report["cohort"]["excluded"] == [
        {"patient": "P02", "reasons": ["no_infusion"]},
        {"patient": "P03", "reasons": ["no_infusion"]},
    ]
    assert report["cohort"]["analysed"] == 1
    report = build_report(cohort.build(as_of=cut(8)))
    assert report["cohort"]["excluded"] == [{"patient": "P02", "reasons": ["no_infusion"]}]
    # a course starting after the cut-off is not in the cohort at all
    report = build_report(cohort.build(as_of=cut(4)))
    assert report["cohort"]["initiated"] == 2


def test_cut_off_between_two_infusions():
    cohort = (
        Cohort()
        .patient(1)  # D0, D14, D28, D56...
        .visit(1, 0, 8)
        .visit(1, 20, 4)
        .dose(1, "prednisone", 0, 10)
        .dose(1, "prednisone", 20, 5)
        .adverse_event(1, 20)
        .lab(1, 20, "c3", 0.5)
    )
    before = cohort.build(as_of=cut(19))
    assert len(before.infusions) == 2  # D0 and D14; D28 not given yet
    assert before.patients["administrations"].iloc[0] == 2
    assert before.patients["last_news"].iloc[0] == pd.Timestamp(cut(14))
    report = build_report(before)
    assert report["drug_cost"]["iv_infusions"] == 2
    assert report["adverse_events"]["total"] == 0
    assert len(before.rows) == 3 and before.rows["sledai"].notna().sum() == 1
    after = build_report(cohort.build(as_of=cut(20)))
    assert after["drug_cost"]["iv_infusions"] == 2 and after["adverse_events"]["total"] == 1


def test_a_stop_after_the_cut_off_has_not_happened():
    cohort = Cohort().patient(1, stop=300, reason="inefficacy")
    ds = cohort.build(as_of=cut(M6_CLOSES))
    assert pd.isna(ds.patients["stop_date"].iloc[0]) and ds.patients["stop_reason"].iloc[0] == ""
    report = build_report(ds)
    assert report["retention"]["stops"] == 0 and report["table2"][0]["stop"] is None
    assert report["retention"]["M6"]["events"] == 0


# --- retention: censored at the end of follow-up or the cut-off ---------------------------------


def test_retention_censors_at_the_end_of_follow_up_and_at_the_cut_off():
    as_of = cut(500)
    ds = (
        Cohort()
        .patient(1, stop=100, reason="inefficacy")  # event at 100
        .patient(2, end=150)  # censored at 150 (lost to follow-up)
        .patient(3, stop=250, reason="patient_choice")  # event at 250
        .patient(4, end=700)  # end after the cut-off: censored at the cut-off, 500
        .patient(5, stop=600, reason="remission")  # stop after the cut-off: censored at 500
        .patient(6, start=day(300))  # censored at the cut-off: 200 days
        .build(as_of=as_of)
    )
    retention = build_report(ds)["retention"]
    durations = [100, 150, 250, 500, 500, 200]
    events = [True, False, True, False, False, False]
    for tp, t in (("M6", 182), ("M12", 365)):
        assert retention[tp] == survival_at(durations, events, t).as_dict()
    # by hand: S(182) = 5/6 (1 stop among 6 at risk at 100); at 250, 3 at risk (4, 5 and 3),
    # one stops: S(365) = 5/6 x 2/3 = 5/9, with 2 at risk (4, 5) and 2 events
    assert retention["M6"]["survival"] == pytest.approx(5 / 6)
    assert retention["M12"]["survival"] == pytest.approx(5 / 9)
    assert (retention["M12"]["at_risk"], retention["M12"]["events"]) == (2, 2)
    var = 1 / (6 * 5) + 1 / (3 * 2)
    assert retention["M12"]["lower"] == pytest.approx(
        5 / 9 * math.exp(-1.959964 * math.sqrt(var)), rel=1e-6
    )


def test_retention_nobody_at_risk_is_null():
    ds = Cohort().patient(1).build(as_of=cut(200))
    retention = build_report(ds)["retention"]
    assert retention["M12"] == dict.fromkeys(("survival", "lower", "upper", "at_risk", "events"))
    assert retention["table"][-1]["survival"] is None and retention["table"][-1]["at_risk"] == 0


def _reference_cohort() -> Cohort:
    cohort = Cohort()
    rows = pd.read_csv(REFERENCE / "survival_cohort.csv", keep_default_na=False)
    for i, row in enumerate(rows[rows["cohort"] == "living"].itertuples(), start=1):
        d0 = date.fromisoformat(row.d0)
        stop = (date.fromisoformat(row.stop) - d0).days if row.stop else None
        end = (date.fromisoformat(row.follow_up_end) - d0).days if row.follow_up_end else None
        cohort.patient(
            i,
            start=d0,
            code=row.patient,
            stop=stop,
            reason="other" if stop is not None else "",
            end=end,
        )
    return cohort


@pytest.mark.parametrize("as_of", ["2024-06-30", "2025-06-30", "2026-06-30"])
def test_report_retention_agrees_with_survfit(as_of):
    """The `living` cohort of tests/reports/reference (make_survival_reference.R), entered as
    patients with infusions: the report's retention at M6 and M12 is survfit's."""
    report = build_report(_reference_cohort().build(as_of=date.fromisoformat(as_of)))
    expected = pd.read_csv(REFERENCE / "survival_reference.csv", keep_default_na=False)
    expected = expected[(expected["cohort"] == "living") & (expected["as_of"] == as_of)]
    for tp, t in (("M6", 182), ("M12", 365)):
        row = expected[expected["time"] == t].iloc[0]
        got = report["retention"][tp]
        if row["survival"] == "NA":
            assert got["survival"] is None
            continue
        assert got["at_risk"] == int(row["at_risk"]) and got["events"] == int(row["events"])
        for name in ("survival", "lower", "upper"):
            if row[name] == "NA":
                assert got[name] is None
            else:
                assert got[name] == pytest.approx(float(row[name]), rel=1e-9), (tp, name)


# --- the same data and the same cut-off give the same report ------------------------------------


@pytest.mark.django_db
def test_same_data_same_date_same_report(tmp_path):
    from belimumab.clinical.models import Visit
    from belimumab.patients.models import Patient
    from tests.reports.builders import db_cohort

    db_cohort(4)
    as_of = day(300).isoformat()

    def report() -> bytes:
        out = tmp_path / "report.json"
        call_command("cohort_report", "--as-of", as_of, "-o", str(out), stderr=io.StringIO())
        return out.read_bytes()

    def dataset() -> bytes:
        out = tmp_path / "dataset.csv"
        call_command(
            "cohort_report",
            "--as-of",
            as_of,
            "--dataset",
            "--format",
            "csv",
            "-o",
            str(out),
            stderr=io.StringIO(),
        )
        return out.read_bytes()

    first, first_dataset = report(), dataset()
    assert report() == first and dataset() == first_dataset
    assert b'"as_of": "' + as_of.encode() + b'"' in first
    # what happens after the cut-off changes nothing of it
    patient = Patient.objects.get(code="C001")
    Visit.objects.create(patient=patient, date=day(301), recorded_total=20, sledai=20)
    assert report() == first and dataset() == first_dataset


@pytest.mark.django_db
def test_the_reads_leave_out_what_is_dated_after_the_cut_off(django_assert_num_queries):
    from belimumab.reports import selectors
    from tests.reports.builders import db_cohort

    db_cohort(3)  # initiated at D0, D0 + 7, D0 + 14; an adverse event at D0 + 30 each
    with django_assert_num_queries(7):  # still one query per table
        rows = selectors.cohort_rows(as_of=day(10))
    assert [r["patient__code"] for r in rows["patients"]] == ["C001", "C002"]
    as_of = day(40)
    rows = selectors.cohort_rows(as_of=as_of)
    assert len(rows["patients"]) == 3 and len(rows["adverse_events"]) == 2  # not D0 + 44
    for table, column in (
        ("infusions", "date"),
        ("visits", "date"),
        ("labs", "date"),
        ("treatments", "start_date"),
        ("adverse_events", "onset_date"),
    ):
        assert rows[table] and all(r[column] <= as_of for r in rows[table]), table
