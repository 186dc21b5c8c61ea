"""Adverse events as pharmacovigilance expects: CTCAE grade, causality, action taken on
belimumab, the report to pharmacovigilance and its date, through the service, the entry page,
the timeline, the patient page and the record's history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, translation

from belimumab.clinical import services
from belimumab.clinical.models import AdverseEvent
from tests.clinical.conftest import D0, TODAY
from tests.clinical.test_services import refused
from tests.clinical.test_views import beside

pytestmark = pytest.mark.django_db

ONSET = D0 + timedelta(days=40)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clinician(client_for):
    client = client_for("clinician")
    client.cookies["django_language"] = "en"
    return client


def _input(**overrides):
    base = {
        "term": "Pneumonia",
        "category": "infection",
        "site": "Lung",
        "onset_date": ONSET,
        "serious": True,
        "outcome": "resolved",
    }
    return services.AdverseEventInput(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reported_to_pv": True}, "pv_report_date", "Give the date the event was reported"),
        (
            {"reported_to_pv": True, "pv_report_date": ONSET - timedelta(days=1)},
            "pv_report_date",
            "reported before its onset",
        ),
        (
            {"reported_to_pv": True, "pv_report_date": TODAY + timedelta(days=1)},
            "pv_report_date",
            "in the future",
        ),
        ({"pv_report_date": ONSET}, "reported_to_pv", "tick 'reported to pharmacovigilance'"),
        ({"severity_grade": 5}, "outcome", "the outcome is fatal"),
        ({"severity_grade": 4, "outcome": "fatal"}, "severity_grade", "A fatal outcome is grade 5"),
    ],
)
def test_service_refuses_each_pharmacovigilance_mistake(patient, users, overrides, field, message):
    errors = refused(
        services.adverse_event_record,
        patient=patient,
        user=users["clinician"],
        data=_input(**overrides),
        today=TODAY,
    )
    assert message in " ".join(errors[field])
    assert not AdverseEvent.objects.exists()


def test_service_records_the_pharmacovigilance_fields(patient, users):
    event = services.adverse_event_record(
        patient=patient,
        user=users["clinician"],
        data=_input(
            severity_grade=3,
            causality="possibly_related",
            action_taken="delayed",
            reported_to_pv=True,
            pv_report_date=ONSET + timedelta(days=2),
        ),
        today=TODAY,
    )
    event.refresh_from_db()
    assert (event.severity_grade, event.causality, event.action_taken) == (
        3,
        "possibly_related",
        "delayed",
    )
    assert event.reported_to_pv and event.pv_report_date == ONSET + timedelta(days=2)
    assert event.is_severe


def test_event_recorded_before_grading_stays_valid(patient):
    """Rows of before the migration: no grade, causality nor action, not reported."""
    event = AdverseEvent.objects.create(
        patient=patient, onset_date=ONSET, term="Cystitis", category="infection", site="Bladder"
    )
    event.full_clean()
    assert (event.severity_grade, event.causality, event.action_taken) == (None, "", "")
    assert not event.reported_to_pv and not event.is_severe


@pytest.mark.parametrize(
    "fields",
    [
        {"severity_grade": 6},
        {"reported_to_pv": True},
        {"pv_report_date": ONSET},
        {"reported_to_pv": True, "pv_report_date": ONSET - timedelta(days=1)},
    ],
)
def test_database_refuses_what_the_rules_refuse(patient, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        AdverseEvent.objects.create(
            patient=patient, onset_date=ONSET, term="Rash", category="rash", **fields
        )


def _form(**overrides):
    data = {
        "term": "Pneumonia",
        "category": "infection",
        "site": "Lung",
        "onset_date": ONSET.isoformat(),
        "outcome": "resolved",
        "serious": "on",
        "severity_grade": "3",
        "causality": "possibly_related",
        "action_taken": "withdrawn",
        "reported_to_pv": "on",
        "pv_report_date": (ONSET + timedelta(days=3)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"pv_report_date": ""}, "id_pv_report_date", "Give the date the event was reported"),
        (
            {"pv_report_date": (ONSET - timedelta(days=1)).isoformat()},
            "id_pv_report_date",
            "The event was reported before its onset.",
        ),
        (
            {"pv_report_date": (TODAY + timedelta(days=1)).isoformat()},
            "id_pv_report_date",
            "This date is in the future.",
        ),
        ({"reported_to_pv": None}, "id_reported_to_pv", "tick &#x27;reported to"),
        ({"severity_grade": "6"}, "id_severity_grade", "Select a valid choice."),
        ({"causality": "probable"}, "id_causality", "Select a valid choice."),
        ({"severity_grade": "5"}, "id_outcome", "the outcome is fatal"),
    ],
)
def test_entry_page_shows_the_reason_beside_the_field(
    clinician, patient, overrides, field_id, message
):
    url = reverse("clinical:adverse_event_create", args=[patient.pk])
    response = clinician.post(url, _form(**overrides))
    assert response.status_code == 200
    assert message in beside(response.content.decode(), field_id)
    assert "is violated" not in response.content.decode()  # no generic constraint message
    assert not AdverseEvent.objects.exists()


def test_entry_page_records_and_the_timeline_and_patient_page_show_it(
    clinician, patient, django_assert_num_queries
):
    url = reverse("clinical:adverse_event_create", args=[patient.pk])
    assert clinician.post(url, _form()).status_code == 302
    event = AdverseEvent.objects.get()
    assert (event.severity_grade, event.causality, event.action_taken) == (
        3,
        "possibly_related",
        "withdrawn",
    )
    assert event.pv_report_date == ONSET + timedelta(days=3)
    html = clinician.get(reverse("clinical:timeline", args=[patient.pk])).content.decode()
    row = html.split('id="adverse-events"')[1].split("</tr>")[1]
    for text in (
        "3 - severe",
        "Possibly related",
        "Withdrawn",
        # the date as English writes it (day-first once British English lands)
        "reported " + formats.date_format(ONSET + timedelta(days=3), "SHORT_DATE_FORMAT"),
        'class="table-danger"',
    ):
        assert text in row, text
    assert "Pneumonia (grade 3, serious)" in html  # the chart's event label
    page = clinician.get(reverse("clinical:patient_detail", args=[patient.pk])).content.decode()
    assert "grade 3, serious" in page and "reported to pharmacovigilance" in page


def test_ungraded_event_says_not_assessed(clinician, patient):
    AdverseEvent.objects.create(
        patient=patient, onset_date=ONSET, term="Rash", category="rash", outcome="resolved"
    )
    html = clinician.get(reverse("clinical:timeline", args=[patient.pk])).content.decode()
    row = html.split('id="adverse-events"')[1].split("</tr>")[1]
    assert row.count("not assessed") == 3 and "not reported" in row
    assert "table-danger" not in row


def test_history_shows_the_grade_and_the_report_changed(clinician, patient, users):
    event = services.adverse_event_record(
        patient=patient, user=users["clinician"], data=_input(severity_grade=2), today=TODAY
    )
    services.adverse_event_update(
        event=event,
        user=users["clinician"],
        data=_input(severity_grade=3, reported_to_pv=True, pv_report_date=ONSET),
        expected_version=event.version,
        today=TODAY,
    )
    url = reverse("clinical:history", args=["adverse_event", event.pk])
    html = clinician.get(url).content.decode()
    assert "CTCAE grade" in html and "reported to pharmacovigilance" in html
    assert "date reported to pharmacovigilance" in html
