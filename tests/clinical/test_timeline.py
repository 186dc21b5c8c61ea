"""The timeline: one page, every record of the patient, a pinned number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from belimumab.clinical import sledai_labels as L
from belimumab.clinical.models import AdverseEvent
from belimumab.clinical.selectors import patient_clinical_panel
from tests.clinical.conftest import D0, add_dose, add_lab, add_visit

pytestmark = pytest.mark.django_db

# Request: session, user, user permissions, group permissions, and the session saved by the
# first request since the login (savepoint, update, release: idle expiry) = 7.
# Page: the patient, then patient_records: courses, visits, labs, treatments, infusions,
# adverse events (with their infusion), adjudications (with their author) = 8.
# 15, the department's settings read once (+1) and the INSERT logging who opened the record (+1)
TIMELINE_QUERIES = 17


def _history(patient, make_infusion, n: int) -> None:
    """`n` visits, `n` lab results (of each serology test), `n` infusions, `n` dose changes."""
    for i in range(n):
        day = D0 + timedelta(days=7 * i)
        add_visit(patient, day, ["rash", "arthritis"] if i % 2 else ["rash"], pga="1.0")
        add_lab(patient, day, "c3", "0.7", "g/L", "0.79", "1.53")
        add_lab(patient, day, "anti_dsdna", str(40 + i), "IU/mL", "0", "50")
        make_infusion(patient, day)
        add_dose(patient, "prednisone", day - timedelta(days=1), str(20 - (i % 10)))
    AdverseEvent.objects.create(
        patient=patient, onset_date=D0 + timedelta(days=3), term="Cystitis", category="infection"
    )


@pytest.mark.parametrize("n", [2, 40])
def test_timeline_queries_do_not_grow_with_the_history(
    client_for, make_patient, make_infusion, django_assert_num_queries, n
):
    patient = make_patient(code=f"LONG{n}", start=D0)
    _history(patient, make_infusion, n)
    client = client_for("clinician")
    url = reverse("clinical:timeline", args=[patient.pk])
    with django_assert_num_queries(TIMELINE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'class="plotly-figure') == 2
    assert len(response.context["summary"].visits) == n


@pytest.mark.parametrize("n", [2, 40])
def test_patient_panel_reads_in_five_queries(
    make_patient, make_infusion, django_assert_num_queries, n
):
    patient = make_patient(code=f"PANEL{n}", start=D0)
    _history(patient, make_infusion, n)
    # four reads of the patient's records and one of the department's settings
    with django_assert_num_queries(5):
        panel = patient_clinical_panel(patient=patient, today=date(2026, 11, 25))
    assert len(panel["visits"]) == min(n, 5)
    assert [t.label for t in panel["treatments"]] == ["Prednisone"]


def test_timeline_shows_time_points_status_and_records(client_for, patient, make_infusion):
    add_visit(patient, D0, ["arthritis", "rash", "low_complement"], pga="1.5")  # 8
    add_visit(patient, D0 + timedelta(days=180), ["rash"], pga="0.5")  # 2 at M6
    add_lab(patient, D0 + timedelta(days=185), "c3", "0.650", "g/L", "0.79", "1.53")
    add_dose(patient, "methylprednisolone", D0 - timedelta(days=10), "16")  # 20 prednisone eq.
    add_dose(patient, "methylprednisolone", D0 + timedelta(days=100), "6")  # 7.5
    make_infusion(patient, D0)
    client = client_for("department_head")
    client.cookies["django_language"] = "en"
    response = client.get(reverse("clinical:timeline", args=[patient.pk]))
    html = response.content.decode()
    m6 = response.context["summary"].statuses[0]
    assert m6.tp == "M6" and m6.result.responder
    assert "SLEDAI 8 -&gt; 2, fell by 6" in html
    assert "Prednisone equivalent 20 -&gt; 7.5 mg/day" in html
    assert "SRI-4 (without BILAG)" in html
    assert "0.65" in html and "0.650" not in html
    # department heads read, never change: no edit link, no identity
    assert reverse("clinical:visit_create", args=[patient.pk]) not in html
    assert "Martin" not in html.replace("MARTIN", "")


def test_timeline_in_french_formats_dates_and_decimals(client_for, patient):
    add_visit(patient, date(2026, 11, 20), ["rash"], pga="0.8")
    client = client_for("clinician")
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("clinical:timeline", args=[patient.pk])).content.decode()
    assert "20/11/2026" in html
    assert ">0,8<" in html
    with translation.override("fr"):
        assert str(L.ACTIVITY_LABELS["mild"]) in html


def test_timeline_without_course_or_records(client_for, patient):
    patient.courses.update(is_active=False)
    response = client_for("pharmacist").get(reverse("clinical:timeline", args=[patient.pk]))
    assert response.status_code == 200
    assert response.context["summary"].timepoints == []


def test_read_only_pages_refuse_post(client_for, patient):
    visit = add_visit(patient, D0, ["rash"])
    client = client_for("clinician")
    for url in (
        reverse("clinical:timeline", args=[patient.pk]),
        reverse("clinical:visit_detail", args=[visit.pk]),
        reverse("clinical:history", args=["visit", visit.pk]),
        reverse("clinical:visit_suggestions", args=[patient.pk]),
    ):
        assert client.post(url).status_code == 405, url
