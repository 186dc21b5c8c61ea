"""Worklist and patient panel: statuses computed by the domain, constant query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from belimumab.pharmacy import selectors
from tests.department.helpers import settings_changed

pytestmark = pytest.mark.django_db


def _cohort(make_patient, make_infusion, today, n: int) -> None:
    """n patients in each section, and n left out of the worklist (stopped, follow-up ended)."""
    for i in range(n):
        due = make_patient(code=f"DUE{i:03d}", start=today - timedelta(days=28))
        for day in (28, 14):  # D0, D14: D28 due today
            make_infusion(due, today - timedelta(days=day))
        late = make_patient(code=f"LATE{i:03d}", start=today - timedelta(days=60))
        for day in (60, 46, 32):  # D0, D14, D28: C4 was due 4 days ago
            make_infusion(late, today - timedelta(days=day))
        review = make_patient(code=f"REV{i:03d}", start=today - timedelta(days=200))
        make_infusion(review, today - timedelta(days=200))
        make_patient(code=f"NEW{i:03d}", start=today - timedelta(days=3))
        stopped = make_patient(code=f"STOP{i:03d}", start=today - timedelta(days=100))
        _end(stopped, stop_date=today - timedelta(days=1), stop_reason="remission")
        ended = make_patient(code=f"END{i:03d}", start=today - timedelta(days=100))
        _end(ended, follow_up_end=today, follow_up_end_reason="lost_to_follow_up")


def _end(patient, **fields):
    course = patient.courses.get()
    for name, value in fields.items():
        setattr(course, name, value)
    course.save()


def _codes(section):
    return [row.patient.code for row in section]


def test_worklist_sections_hand_checked(make_patient, make_infusion, today):
    def given(code, *days, start=None, weight="70.0"):
        patient = make_patient(code=code, start=today - timedelta(days=start or days[0]))
        for day in days:
            make_infusion(patient, today - timedelta(days=day), weight=weight)
        return patient

    given("TODAY", 28, 14, weight="52.0")  # D0, D14 given: D28 due today
    given("SOON", 10)  # D14 due in 4 days
    given("LATER", 5)  # D14 due in 9 days: beyond the 7 days ahead
    given("LATE1", 15)  # D14 due yesterday
    given("LATE61", 75)  # D14 due 61 days ago: still overdue
    given("REV62", 76)  # D14 due 62 days ago: to review
    make_patient(code="FIRST", start=today - timedelta(days=429))  # registered, nothing given
    make_patient(code="FIRSTSOON", start=today + timedelta(days=3))
    make_patient(code="FIRSTLATER", start=today + timedelta(days=8))
    _end(given("ENDED", 20), follow_up_end=today, follow_up_end_reason="transferred")
    _end(
        given("ENDSLATER", 15),
        follow_up_end=today + timedelta(days=5),
        follow_up_end_reason="death",
    )
    _end(given("STOPPED", 20), stop_date=today, stop_reason="remission")
    # on time today, two cycles missed in the past (84 days between C4 and C5)
    given("PAST", 200, 186, 172, 88, 56, 28, weight="81.0")

    worklist = selectors.worklist(today=today, days_ahead=7)

    assert _codes(worklist.due) == ["PAST", "TODAY", "SOON"]
    assert _codes(worklist.overdue) == ["LATE61", "ENDSLATER", "LATE1"]  # longest delay first
    assert _codes(worklist.to_review) == ["REV62"]
    assert _codes(worklist.first_infusion) == ["FIRST", "FIRSTSOON"]
    marks = {row.patient.code: row.mark for s in worklist.sections.values() for row in s}
    assert (marks["TODAY"].section, marks["TODAY"].delay_days, marks["TODAY"].cycle_label) == (
        "due",
        0,
        "D28",
    )
    assert (marks["LATE1"].delay_days, marks["LATE61"].delay_days) == (1, 61)
    assert marks["REV62"].delay_days == 62 and marks["REV62"].section == "to_review"
    assert marks["REV62"].last_given == today - timedelta(days=76)
    first = marks["FIRST"]
    assert (first.next_due, first.missed_now, first.missed_before) == (
        today - timedelta(days=429),
        0,
        0,
    )
    past = marks["PAST"]
    assert (past.delay_days, past.missed_now, past.missed_before) == (0, 0, 2)
    assert {s: section.count for s, section in worklist.sections.items()} == {
        "due": 3,
        "overdue": 3,
        "to_review": 1,
        "first_infusion": 2,
    }


def test_worklist_rows_carry_the_plan_prepared(make_patient, make_infusion, today):
    def due_today(code, weight, regimen="iv_standard"):
        patient = make_patient(code=code, start=today - timedelta(days=28), regimen=regimen)
        for day in (28, 14):
            make_infusion(patient, today - timedelta(days=day), weight=weight)

    due_today("EXACT", "52.0")  # 520 mg = 400 + 120: nothing to round
    due_today("COVER", "70.0")  # 700 mg: 640 is 8.6 % under (beyond 5 %): 6 x 120 = 720
    due_today("ROUND", "81.0")  # 810 mg: 2 x 400 = 800 is 1.2 % under: rounded
    make_patient(code="NEW", start=today + timedelta(days=2))  # never weighed
    worklist = selectors.worklist(today=today, days_ahead=7)
    rows = {row.patient.code: row for s in worklist.sections.values() for row in s}
    assert (rows["EXACT"].prepared_mg, rows["EXACT"].vials, rows["EXACT"].rounded) == (
        Decimal("520.0"),
        [(400, 1), (120, 1)],
        False,
    )
    assert (rows["COVER"].prepared_mg, rows["COVER"].vials) == (Decimal("700.0"), [(120, 6)])
    assert (rows["ROUND"].prepared_mg, rows["ROUND"].prescribed_mg) == (800, Decimal("810.0"))
    assert rows["ROUND"].vials == [(400, 2)] and rows["ROUND"].rounded
    assert rows["NEW"].prepared_mg is None and rows["NEW"].vials == []
    assert worklist.vials_per_day == [(today, [(400, 3), (120, 7)])]

    with settings_changed(ROUNDING_TOLERANCE_PCT=0):
        again = selectors.worklist(today=today, days_ahead=7)
    assert {row.patient.code: row.vials for row in again.due}["ROUND"] == [(120, 7)]  # 840 mg


def test_worklist_days_ahead_and_threshold_come_from_the_settings(
    make_patient, make_infusion, today
):
    later = make_patient(code="LATER", start=today - timedelta(days=5))
    make_infusion(later, today - timedelta(days=5))  # D14 due in 9 days
    late = make_patient(code="LATE", start=today - timedelta(days=44))
    make_infusion(late, today - timedelta(days=44))  # D14 due 30 days ago

    changed = {"WORKLIST_DAYS_AHEAD": 10, "MAX_INTERRUPTION_DAYS": 29}
    with settings_changed(**changed):
        worklist = selectors.worklist(today=today)
    assert _codes(worklist.due) == ["LATER"]
    assert _codes(worklist.overdue) == [] and _codes(worklist.to_review) == ["LATE"]


@pytest.mark.parametrize("n", [1, 12])
def test_worklist_queries_do_not_grow_with_the_cohort(
    make_patient, make_infusion, today, n, django_assert_num_queries
):
    _cohort(make_patient, make_infusion, today, n)  # 6 and 72 patients
    # the department's settings (one query: days ahead, page size, rounding), the four counts in
    # one query, then the page of each section
    with django_assert_num_queries(6):
        worklist = selectors.worklist(today=today, days_ahead=7)
    assert {kind: len(section) for kind, section in worklist.sections.items()} == {
        "due": n,
        "overdue": n,
        "to_review": n,
        "first_infusion": n,
    }


@pytest.mark.parametrize("kind", ["due", "overdue", "to_review", "first_infusion"])
@pytest.mark.parametrize("n", [1, 12])
def test_each_section_pages_in_constant_queries(
    make_patient, make_infusion, today, n, kind, django_assert_num_queries
):
    _cohort(make_patient, make_infusion, today, n)
    # the department's settings, the counts, the page of each section
    with django_assert_num_queries(6):
        worklist = selectors.worklist(today=today, pages={kind: 2}, page_size=5)
    section = worklist.sections[kind]
    assert section.count == n and section.page == (2 if n > 5 else 1)
    assert len(section) == (5 if n > 5 else n)


def _given(patient, make_infusion, today, days, **fields):
    return [
        make_infusion(patient, today - timedelta(days=d), vials_400=1, vials_120=3, **fields)
        for d in days
    ]


def test_patient_panel_labels_costs_and_next_due(make_patient, make_infusion, today):
    patient = make_patient(code="PAN", start=today - timedelta(days=150))
    _given(patient, make_infusion, today, (150, 136, 122))  # D0, D14, D28
    make_infusion(  # C4 on time at D56, rounded: 640 mg prepared of 700
        patient,
        today - timedelta(days=94),
        prepared_dose_mg=Decimal("640"),
        vials_400=1,
        vials_120=2,
    )
    make_infusion(patient, today - timedelta(days=10), vials_400=1, vials_120=3)  # 84 days later

    panel = selectors.patient_infusion_panel(patient=patient, today=today)

    rows = panel["courses"][0].rows
    assert [r.cycle_label for r in rows] == ["D0", "D14", "D28", "C4", "C5"]
    full = rows[0].cost
    assert full.cost == Decimal("769.50")  # 405 + 3 x 121.50 (UK list prices)
    assert full.waste_mg == Decimal("60") and full.waste_cost == Decimal("60.75")
    rounded = rows[3].cost
    assert rounded.cost == Decimal("648.00") and rounded.waste_mg == 0
    assert rounded.saving == Decimal("81.00")  # covering 6 x 120 = 729 - 648
    assert panel["cost_to_date"] == Decimal("769.50") * 4 + Decimal("648.00")
    assert panel["saving"] == Decimal("81.00")
    assert panel["next_due"] == today + timedelta(days=18)
    assert panel["status"].cycle_label == "C6"
    assert panel["missed_cycles"] == 2  # 84 days between C4 and C5: two 28-day cycles
    assert [(g.days, g.missed_cycles) for g in panel["gaps"]] == [(84, 2)]
    assert panel["currency"] == "EUR"


def test_patient_panel_of_an_ended_follow_up_has_no_delay(make_patient, make_infusion, today):
    """A course whose follow-up ended (a study closed years ago) is not "N days late": only
    the gaps of its history stay; an end still ahead changes nothing yet."""
    patient = make_patient(code="END", start=today - timedelta(days=400))
    _given(patient, make_infusion, today, (400, 386, 372, 344, 260))  # 56 days after C4: 2 missed
    course = patient.courses.get()
    course.follow_up_end, course.follow_up_end_reason = today - timedelta(days=35), "study_end"
    course.save()

    panel = selectors.patient_infusion_panel(patient=patient, today=today)
    assert panel["status"] is None and panel["next_due"] is None
    assert panel["missed_cycles"] == 2  # the history between administrations only

    course.follow_up_end = today + timedelta(days=5)
    course.save()
    ahead = selectors.patient_infusion_panel(patient=patient, today=today)
    assert ahead["status"] is not None and ahead["status"].overdue_days > 200


@pytest.mark.parametrize("n", [3, 30])
def test_patient_panel_queries_do_not_grow(
    make_patient, make_infusion, today, n, django_assert_num_queries
):
    patient = make_patient(code="PAN", start=today - timedelta(days=28 * n))
    _given(patient, make_infusion, today, [28 * k for k in range(1, n + 1)])
    # 1: active courses with regimen; 2: active infusions with preparer and checker; 3: the
    # department's settings (the prices in force on each infusion's date, the currency)
    with django_assert_num_queries(3):
        panel = selectors.patient_infusion_panel(patient=patient, today=today)
    assert panel["infusion_count"] == n


def test_patient_panel_template_offers_recording_to_pharmacists(
    make_patient, make_infusion, today, users
):
    patient = make_patient(code="PAN", start=today - timedelta(days=20))
    _given(patient, make_infusion, today, (20,))
    panel = selectors.patient_infusion_panel(patient=patient, today=today)
    with translation.override("fr"):
        html = {
            role: render_to_string(
                "pharmacy/_patient_panel.html",
                {"infusion_panel": panel, "perms": PermWrapper(users[role])},
            )
            for role in ("pharmacist", "clinician")
        }
    record = reverse("pharmacy:infusion_record", args=[patient.pk])
    assert record in html["pharmacist"]
    assert record not in html["clinician"]
    assert "769,50 EUR" in html["clinician"]  # French number format
    next_due = (today - timedelta(days=6)).strftime("%d/%m/%Y")  # D14, 6 days late
    assert next_due in html["clinician"]
