"""Worklist and patient panel: statuses computed by the domain, constant query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from belimumab.domain.schedule import IV_STANDARD, schedule_status
from belimumab.pharmacy import selectors

pytestmark = pytest.mark.django_db


def _cohort(make_patient, make_infusion, today, n: int) -> None:
    """n patients in each situation: due soon, overdue with missed cycles, stopped."""
    for i in range(n):
        due = make_patient(code=f"DUE{i:03d}", start=today - timedelta(days=60))
        for day in (60, 46, 32):  # D0, D14, D28: C4 was due 4 days ago
            make_infusion(due, today - timedelta(days=day))
        late = make_patient(code=f"LATE{i:03d}", start=today - timedelta(days=200))
        make_infusion(late, today - timedelta(days=200))
        stopped = make_patient(code=f"STOP{i:03d}", start=today - timedelta(days=100))
        course = stopped.courses.get()
        course.stop_date, course.stop_reason = today - timedelta(days=1), "remission"
        course.save()


def test_worklist_sorts_courses_into_due_overdue_and_missed(make_patient, make_infusion, today):
    soon = make_patient(code="SOON", start=today - timedelta(days=28))
    for day in (28, 14):
        make_infusion(soon, today - timedelta(days=day), weight="52.0")
    # D0, D14 given 14 days apart: D28 is due today
    later = make_patient(code="LATER", start=today - timedelta(days=5))
    make_infusion(later, today - timedelta(days=5))  # D14 due in 9 days: beyond the 7 days
    late = make_patient(code="LATE", start=today - timedelta(days=100))
    make_infusion(late, today - timedelta(days=100))  # D14 due 86 days ago
    new = make_patient(code="NEW", start=today + timedelta(days=3))  # D0 in 3 days, no weight

    worklist = selectors.worklist(today=today, days_ahead=7)

    assert [r.patient.code for r in worklist.due] == ["SOON", "NEW"]
    row = worklist.due.rows[0]
    assert row.status.next_due == today and row.status.cycle_label == "D28"
    assert row.last_weight == Decimal("52.0")
    assert row.expected_dose_mg == Decimal("520.0")
    assert row.vials == [(400, 1), (120, 1)]  # exactly 520 mg, largest first
    assert worklist.due.rows[1].expected_dose_mg is None  # never weighed: the form asks
    assert [r.patient.code for r in worklist.overdue] == ["LATE"]
    start = today - timedelta(days=100)
    expected = schedule_status(IV_STANDARD, start, [start], today)
    assert worklist.overdue.rows[0].status == expected
    assert [r.patient.code for r in worklist.missed] == ["LATE"]
    assert worklist.missed.rows[0].status.total_missed_cycles == expected.total_missed_cycles > 0
    assert new not in [r.patient for r in worklist.overdue]
    assert "LATER" not in [r.patient.code for r in worklist.due]


def test_worklist_days_ahead_comes_from_the_settings(make_patient, make_infusion, today):
    later = make_patient(code="LATER", start=today - timedelta(days=5))
    make_infusion(later, today - timedelta(days=5))
    from django.conf import settings

    with override_settings(BELIMUMAB={**settings.BELIMUMAB, "WORKLIST_DAYS_AHEAD": 10}):
        assert [r.patient.code for r in selectors.worklist(today=today).due] == ["LATER"]


@pytest.mark.parametrize("n", [1, 10])
def test_worklist_queries_do_not_grow_with_the_cohort(
    make_patient, make_infusion, today, n, django_assert_num_queries
):
    _cohort(make_patient, make_infusion, today, n)  # 3 and 30 patients
    # the three counts in one query, then the page of each section (due, overdue, missed)
    with django_assert_num_queries(4):
        worklist = selectors.worklist(today=today, days_ahead=7)
    assert len(worklist.overdue) == 2 * n  # DUE (C4 4 days late) and LATE
    assert len(worklist.missed) == n


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
    assert panel["currency"] == "GBP"


@pytest.mark.parametrize("n", [3, 30])
def test_patient_panel_queries_do_not_grow(
    make_patient, make_infusion, today, n, django_assert_num_queries
):
    patient = make_patient(code="PAN", start=today - timedelta(days=28 * n))
    _given(patient, make_infusion, today, [28 * k for k in range(1, n + 1)])
    # 1: active courses with regimen; 2: active infusions with preparer and checker
    with django_assert_num_queries(2):
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
    assert "769,50 GBP" in html["clinician"]  # French number format
    next_due = (today - timedelta(days=6)).strftime("%d/%m/%Y")  # D14, 6 days late
    assert next_due in html["clinician"]
