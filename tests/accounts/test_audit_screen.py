"""The audit screen: one feed of clinical changes, account events and record reads, newest
first, filtered and paged; its two questions cost the same queries at 10 or 10,000 patients."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from belimumab.accounts.models import RecordRead
from belimumab.patients.models import Patient

pytestmark = pytest.mark.django_db
AUDIT = reverse("accounts:audit")


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_opening_a_patients_record_is_logged_and_shown(client_for, users, make_patient):
    patient = make_patient(code="READ01")
    make_patient(code="OTHER")
    clinician = client_for("clinician")
    assert clinician.get(reverse("clinical:patient_detail", args=[patient.pk])).status_code == 200
    assert clinician.get(reverse("clinical:timeline", args=[patient.pk])).status_code == 200
    assert clinician.get(reverse("patients:history", args=[patient.pk])).status_code == 200
    # a refused page is no read
    head = client_for("department_head")
    assert head.get(reverse("patients:history", args=[patient.pk])).status_code == 403
    assert head.get(reverse("reports:export", args=["dataset", "csv"])).status_code == 200

    reads = RecordRead.objects.order_by("pk").values_list("user__username", "patient__code", "kind")
    assert list(reads) == [
        ("clinician", "READ01", "patient_page"),
        ("clinician", "READ01", "timeline"),
        ("clinician", "READ01", "history"),
        ("department_head", None, "export"),
    ]
    today = timezone.localdate().isoformat()
    query = f"?start={today}&end={today}&patient=READ01&record_type=read"
    response = client_for("administrator").get(AUDIT + query)
    rows = response.context["rows"]
    assert [(r.who, r.patient, r.action) for r in rows] == [
        ("clinician", "READ01", "history"),
        ("clinician", "READ01", "timeline"),
        ("clinician", "READ01", "patient_page"),
    ]


def test_what_did_this_user_do_yesterday(client_for, users, make_patient):
    clinician = users["clinician"]
    patient = make_patient(code="Y01")
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    history = Patient.history.model
    history.objects.filter(id=patient.pk).update(
        history_user=clinician, history_date=_at(yesterday, 9)
    )
    RecordRead.objects.create(
        user=clinician, patient=patient, kind="timeline", when=_at(yesterday, 11)
    )
    RecordRead.objects.create(user=clinician, patient=patient, kind="timeline", when=_at(today, 8))
    RecordRead.objects.create(
        user=users["pharmacist"], patient=patient, kind="patient_page", when=_at(yesterday, 10)
    )
    query = f"?start={yesterday.isoformat()}&end={yesterday.isoformat()}&user=clinician"
    rows = client_for("administrator").get(AUDIT + query).context["rows"]
    assert [(r.source, r.action, r.when) for r in rows] == [
        ("read", "timeline", _at(yesterday, 11)),
        ("patient", "created", _at(yesterday, 9)),
    ]


def test_account_events_are_on_the_same_screen(client_for, users):
    client = client_for("administrator")
    data = {"first_name": "", "last_name": "", "email": "", "role": "pharmacist", "is_active": "on"}
    client.post(reverse("accounts:user_update", args=[users["clinician"].pk]), data)
    today = timezone.localdate().isoformat()
    rows = client.get(AUDIT + f"?start={today}&end={today}&user=administrator").context["rows"]
    assert [(r.record, r.action, r.info) for r in rows][:2] == [
        ("clinician", "role_added", "pharmacist"),
        ("clinician", "role_removed", "clinician"),
    ]


def test_unknown_user_or_patient_is_said_beside_the_field(client_for):
    response = client_for("administrator").get(
        AUDIT + "?start=2026-01-01&end=2026-01-31&user=nobody&patient=ZZZ"
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"user", "patient"}
    assert response.context["rows"] == []


def _many(n: int, users, day: date) -> None:
    """n patients created by the clinician and opened by the pharmacist on `day`."""
    patients = [Patient(code=f"M{i:05d}", birth_date=date(1980, 1, 1), sex="F") for i in range(n)]
    bulk_create_with_history(
        patients,
        Patient,
        batch_size=2000,
        default_user=users["clinician"],
        default_date=_at(day, 9),
    )
    ids = Patient.objects.filter(code__startswith="M").values_list("pk", flat=True)
    RecordRead.objects.bulk_create(
        [
            RecordRead(
                user=users["pharmacist"], patient_id=pk, kind="patient_page", when=_at(day, 10)
            )
            for pk in ids
        ],
        batch_size=2000,
    )


@pytest.mark.parametrize("n", [10, 10_000])
def test_the_two_questions_cost_the_same_queries_at_10_or_10000_patients(
    n, client_for, users, django_assert_num_queries
):
    yesterday = timezone.localdate() - timedelta(days=1)
    _many(n, users, yesterday)
    client = client_for("administrator")
    day = yesterday.isoformat()
    # session, user, permissions x2 (nav); the user looked up; count, page; each clinical
    # model on the page (patient: its history rows to diff); users, patient codes; the
    # session's save (savepoint, update, release: the first request since the login)
    with django_assert_num_queries(13):
        response = client.get(AUDIT + f"?start={day}&end={day}&user=clinician")
    assert response.context["total"] == n
    assert len(response.context["rows"]) == min(n, 50)
    assert {r.action for r in response.context["rows"]} == {"created"}
    # who opened this patient's record: the same minus the user lookup and the diffs, plus
    # the patient looked up, and without the session's save (pushed a moment ago)
    with django_assert_num_queries(9):
        response = client.get(AUDIT + f"?start={day}&end={day}&patient=M00007&record_type=read")
    assert [(r.who, r.patient, r.action) for r in response.context["rows"]] == [
        ("pharmacist", "M00007", "patient_page")
    ]


def test_the_feed_is_paged_50_a_page(client_for, users):
    yesterday = timezone.localdate() - timedelta(days=1)
    _many(120, users, yesterday)
    day = yesterday.isoformat()
    client = client_for("administrator")
    last = client.get(AUDIT + f"?start={day}&end={day}&record_type=read&page=3")
    assert (last.context["total"], last.context["pages"], len(last.context["rows"])) == (120, 3, 20)
    assert "page=2" in last.content.decode()
