"""Glue from one patient's rows to the domain: time points, response with its reasons in
words, per-visit outcome measures, the NICE review, lab suggestions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from belimumab.clinical import display, selectors
from belimumab.clinical.models import Adjudication
from tests.clinical.conftest import D0, TODAY, add_dose, add_lab, add_visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _reasons(status):
    return display.reason_texts(status.result, status.threshold)


def summary(patient, today=TODAY):
    records = selectors.patient_records(patient=patient)
    return selectors.clinical_summary(records=records, today=today)


def test_time_points_take_the_nearest_visit_and_labs_in_their_windows(patient):
    add_visit(patient, D0 - timedelta(days=20), ["rash"])  # in the baseline window
    add_visit(patient, D0 + timedelta(days=3), ["rash", "arthritis"])  # nearer to D0: M0
    add_visit(patient, D0 + timedelta(days=182 - 10), ["rash"])  # tie: the earlier wins
    add_visit(patient, D0 + timedelta(days=182 + 10), [])
    add_visit(patient, D0 + timedelta(days=300), ["fever"])  # outside every window
    add_lab(patient, D0 + timedelta(days=150), "c3", "0.6", "g/L", "0.79", "1.53")
    add_lab(patient, D0 + timedelta(days=200), "c3", "0.9", "g/L", "0.79", "1.53")
    rows = {row.tp: row for row in summary(patient).timepoints}
    assert rows["M0"].visit.date == D0 + timedelta(days=3) and rows["M0"].sledai == 6
    assert rows["M6"].visit.date == D0 + timedelta(days=172) and rows["M6"].sledai == 2
    assert rows["M12"].visit is None and rows["M12"].sledai is None
    assert rows["M6"].labs["c3"].value == Decimal("0.9")  # 18 days from nominal vs 32
    assert rows["M0"].labs == {}


def test_dose_at_a_time_point_is_the_dose_in_force_at_its_visit_or_nominal_date(patient):
    add_visit(patient, D0, [])
    add_dose(patient, "prednisolone", D0 - timedelta(days=100), "30")
    add_dose(patient, "prednisolone", D0 + timedelta(days=150), "10")
    add_dose(patient, "hydrocortisone", D0 + timedelta(days=150), "20")  # 5 prednisone eq.
    add_dose(patient, "prednisolone", D0 + timedelta(days=360), "0")
    rows = {row.tp: row for row in summary(patient).timepoints}
    assert rows["M0"].prednisone == Decimal("30")
    assert rows["M6"].prednisone == Decimal("15")  # no visit: nominal date
    assert rows["M12"].prednisone == Decimal("5")  # hydrocortisone still on


@pytest.mark.parametrize(
    ("m0", "m6", "doses", "reasons", "responder"),
    [
        (8, 2, [], ["SLEDAI 8 -> 2, fell by 6"], True),
        (6, 0, [], ["SLEDAI 0 at M6: no activity", "SLEDAI 6 -> 0, fell by 6"], True),
        (4, 6, [], ["SLEDAI 4 -> 6, rose by 2"], False),
        (6, 4, [], ["SLEDAI 6 -> 4, no treatment decrease"], False),
        (
            6,
            4,
            [("prednisone", -10, "20"), ("prednisone", 90, "7.5")],
            ["Prednisone equivalent 20 -> 7.5 mg/day"],
            True,
        ),
        (
            6,
            4,
            [("mycophenolate", -10, "2000"), ("mycophenolate", 90, "0")],
            ["Mycophenolate decreased or stopped"],
            True,
        ),
        (6, None, [], ["No SELENA-SLEDAI at M6: not evaluable"], False),
    ],
)
def test_response_at_m6_with_its_reasons_in_words(patient, m0, m6, doses, reasons, responder):
    add_visit(patient, D0, None, total=m0)
    if m6 is not None:
        add_visit(patient, D0 + timedelta(days=180), None, total=m6)
    for drug, day, dose in doses:
        unit = "mg/day"
        add_dose(patient, drug, D0 + timedelta(days=day), dose, unit)
    status = summary(patient).statuses[0]
    assert status.tp == "M6"
    assert display.reason_texts(status.result, status.threshold) == reasons
    assert status.result.responder is responder


def test_stop_for_inefficacy_is_a_failure(patient):
    course = patient.courses.get()
    course.stop_date, course.stop_reason = D0 + timedelta(days=100), "inefficacy"
    course.save()
    add_visit(patient, D0, None, total=6)
    m6, m12 = summary(patient).statuses
    assert m6.result.failure and not m6.result.responder and not m6.awaited
    assert display.reason_texts(m6.result, m6.threshold) == [
        "Belimumab stopped before M6",
        "stopped for inefficacy",
    ]
    assert m12.result.failure


def test_reasons_follow_the_language(patient):
    add_visit(patient, D0, None, total=6)
    add_visit(patient, D0 + timedelta(days=180), None, total=6)
    add_dose(patient, "prednisone", D0 - timedelta(days=10), "12.5")
    add_dose(patient, "prednisone", D0 + timedelta(days=90), "7.5")
    with translation.override("fr"):
        text = _reasons(summary(patient).statuses[0])[0]
    assert "12,5" in text and "7,5" in text


def test_awaited_time_point_until_its_window_closes(patient):
    add_visit(patient, D0, None, total=6)
    m6, m12 = summary(patient, today=D0 + timedelta(days=200)).statuses
    assert m6.awaited and m12.awaited
    assert m6.window_end == D0 + timedelta(days=182 + 45)
    m6, _ = summary(patient, today=D0 + timedelta(days=228)).statuses
    assert not m6.awaited and not m6.result.evaluable


def test_sri4_lldas_doris_at_each_visit(patient):
    add_visit(patient, D0, ["arthritis", "rash", "low_complement"], pga="1.5")  # 8
    add_visit(patient, D0 + timedelta(days=90), ["rash", "low_complement"], pga="0.8")  # 4
    add_visit(
        patient,
        D0 + timedelta(days=180),
        ["low_complement"],
        pga="0.3",
        bilag_new_a=0,
        bilag_new_b=2,
    )
    add_dose(patient, "prednisone", D0 - timedelta(days=10), "10")
    add_dose(patient, "prednisone", D0 + timedelta(days=60), "5")
    result = summary(patient)
    baseline, second, third = result.visits
    assert baseline.sri4 is None
    assert second.sri4.met is True and second.sri4.without_bilag
    assert third.sri4.met is False and not third.sri4.without_bilag  # two new BILAG B
    assert not result.sri4_without_bilag
    assert (baseline.lldas, second.lldas, third.lldas) == (False, True, True)
    assert (baseline.doris, second.doris, third.doris) == (False, False, True)


def test_continuation_review_is_flagged_after_24_weeks(patient):
    add_visit(patient, D0, None, total=10)
    add_visit(patient, D0 + timedelta(days=150), None, total=4)
    before = summary(patient, today=D0 + timedelta(days=167)).continuation
    due = summary(patient, today=D0 + timedelta(days=168)).continuation
    assert not before.due and due.due and due.met is True
    assert due.review_date == date(2026, 6, 22)
    Adjudication.objects.create(patient=patient, timepoint="M6", status="responder", reason="ok")
    assert not summary(patient, today=D0 + timedelta(days=168)).continuation.due


def test_continuation_review_reads_the_score_at_24_weeks_not_the_latest(patient):
    add_visit(patient, D0, None, total=10)
    add_visit(patient, D0 + timedelta(days=170), None, total=8)  # nearest to D0 + 168
    add_visit(patient, D0 + timedelta(days=300), None, total=2)  # later improvement
    result = summary(patient, today=D0 + timedelta(days=310)).continuation
    assert (result.sledai_m0, result.sledai_now) == (10, 8)
    assert result.met is False


def test_continuation_review_without_a_visit_at_24_weeks_is_not_judged(patient):
    add_visit(patient, D0, None, total=10)
    add_visit(patient, D0 + timedelta(days=300), None, total=2)  # outside 168 +/- 45 days
    result = summary(patient, today=D0 + timedelta(days=310)).continuation
    assert result.sledai_now is None and result.met is None


def test_lab_suggestions_convert_units_and_use_the_stored_range(patient):
    on = D0 + timedelta(days=10)
    add_lab(patient, on, "c3", "60", "mg/dL", "79", "153")  # 0.60 g/L, low
    add_lab(patient, on - timedelta(days=2), "platelets", "80", "G/L", "150", "400")
    add_lab(patient, on - timedelta(days=60), "leukocytes", "2", "G/L", "4", "10")  # too old
    add_lab(patient, on, "anti_dsdna", "50", "IU/mL", "0", "50")  # at the limit: normal
    found = selectors.lab_suggestions_for(patient=patient, on=on)
    assert found == {"low_complement": on, "thrombocytopenia": on - timedelta(days=2)}


def test_missed_cycles_between_infusions_and_since_the_last(patient, make_infusion):
    for day in (0, 14, 28, 56, 140):
        make_infusion(patient, D0 + timedelta(days=day))
    records = selectors.patient_records(patient=patient)
    missed = selectors.missed_cycles(records, today=D0 + timedelta(days=230))
    assert missed == [
        {"start": D0 + timedelta(days=56), "end": D0 + timedelta(days=140), "missed": 2},
        {"start": D0 + timedelta(days=168), "end": D0 + timedelta(days=230), "missed": 2},
    ]


def test_treatments_in_force_leave_out_stopped_drugs(patient):
    add_dose(patient, "azathioprine", D0, "100")
    add_dose(patient, "azathioprine", D0 + timedelta(days=30), "0")
    add_dose(patient, "hydroxychloroquine", D0, "400")
    add_dose(patient, "prednisone", D0 + timedelta(days=400), "5")  # not yet
    rows = selectors.treatments_in_force(list(patient.treatments.all()), D0 + timedelta(days=60))
    assert [r.row.drug for r in rows] == ["hydroxychloroquine"]
