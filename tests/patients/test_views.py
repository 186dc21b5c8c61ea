from datetime import date, timedelta

import pytest
from django.urls import reverse

from belimumab.patients.models import Course, Patient
from belimumab.patients.views import PATIENTS_PER_PAGE

pytestmark = pytest.mark.django_db
# 15, the department's settings read once for both panels (+1), the INSERT logging who opened
# the record (+1); not the session's save (3), done by the first request since the login only
QUERIES_PATIENT_PAGE = 14

VALID = {
    "code": "NEW01",
    "last_name": "Durand",
    "first_name": "Léa",
    "birth_date": "1988-04-02",
    "sex": "F",
    "smoking": "never",
    "indication": "sle",
    "manifestations": ["cutaneous_articular", "renal"],
    "previous_treatments": ["hydroxychloroquine"],
    "initiation_reasons": ["inefficacy"],
    "course-start_date": "2026-01-05",
}


def _regimen_id():
    from belimumab.patients.models import Regimen

    return Regimen.objects.get(code="iv_standard").pk


def test_clinician_registers_a_patient_with_a_course(client_for):
    data = {**VALID, "course-regimen": _regimen_id()}
    response = client_for("clinician").post(reverse("patients:create"), data)
    patient = Patient.objects.get(code="NEW01")
    assert response.status_code == 302
    assert response["Location"] == reverse("clinical:patient_detail", args=[patient.pk])
    assert patient.manifestations == ["cutaneous_articular", "renal"]
    course = patient.courses.get()
    assert course.start_date == date(2026, 1, 5)
    assert patient.history.get().history_user.username == "clinician"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", (date.today() + timedelta(days=1)).isoformat(), "future"),
        ("birth_date", "1850-01-01", "1900"),
        ("code", "", "required"),
        ("sex", "X", "valid choice"),
    ],
)
def test_bad_patient_input_is_shown_beside_the_field_and_saves_nothing(
    client_for, field, value, message
):
    data = {**VALID, "course-regimen": _regimen_id(), field: value}
    client = client_for("clinician")
    client.cookies["django_language"] = "en"
    response = client.post(reverse("patients:create"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]).lower()
    assert not Patient.objects.exists() and not Course.objects.exists()


def test_duplicate_code_is_refused(client_for, make_patient):
    make_patient(code="NEW01")
    data = {**VALID, "course-regimen": _regimen_id()}
    response = client_for("clinician").post(reverse("patients:create"), data)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert Patient.objects.count() == 1


def test_course_stop_needs_a_reason_and_a_date_after_start(client_for, make_patient):
    patient = make_patient(start=date(2026, 1, 5))
    course = patient.courses.get()
    url = reverse("patients:course_update", args=[course.pk])
    base = {"regimen": course.regimen_id, "start_date": "2026-01-05", "version": course.version}
    client = client_for("clinician")
    response = client.post(url, {**base, "stop_date": "2026-01-01", "stop_reason": "inefficacy"})
    assert "stop_date" in response.context["form"].errors
    response = client.post(url, {**base, "stop_date": "2026-03-01"})
    assert "stop_reason" in response.context["form"].errors
    course.refresh_from_db()
    assert course.stop_date is None
    response = client.post(url, {**base, "stop_date": "2026-03-01", "stop_reason": "inefficacy"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.stop_date, course.stop_reason, course.version) == (
        date(2026, 3, 1),
        "inefficacy",
        2,
    )


def test_two_clinicians_editing_one_course_do_not_overwrite_each_other(client_for, make_patient):
    patient = make_patient(start=date(2026, 1, 5))
    course = patient.courses.get()
    url = reverse("patients:course_update", args=[course.pk])
    base = {"regimen": course.regimen_id, "start_date": "2026-01-05", "version": 1}
    first = client_for("clinician").post(
        url, {**base, "stop_date": "2026-03-01", "stop_reason": "remission"}
    )
    assert first.status_code == 302
    second = client_for("clinician").post(
        url, {**base, "stop_date": "2026-04-01", "stop_reason": "inefficacy"}
    )
    assert second.status_code == 200
    assert second.context["stale"]["current"].stop_reason == "remission"
    assert "data-conflict" in second.content.decode()  # both versions shown side by side
    course.refresh_from_db()
    assert course.stop_reason == "remission"


@pytest.mark.parametrize(("role", "shown"), [("pharmacist", True), ("department_head", False)])
def test_identity_only_for_roles_that_need_it(client_for, make_patient, role, shown):
    patient = make_patient(last_name="Zyxwv", birth_date=date(1977, 7, 17))
    for url in (reverse("patients:list"), reverse("clinical:patient_detail", args=[patient.pk])):
        content = client_for(role).get(url).content.decode()
        assert ("ZYXWV" in content) is shown
        assert ("17/07/1977" in content) is shown


def test_patient_list_queries_do_not_grow_with_the_cohort(
    client_for, make_patient, django_assert_num_queries
):
    client = client_for("clinician")
    url = reverse("patients:list")
    make_patient()
    client.get(url)  # the first request since the login pushes the session's expiry forward
    # session, user, user's permissions (x2: user and groups), count, a page of patients, their
    # courses+regimen
    with django_assert_num_queries(7):
        client.get(url)
    for _ in range(PATIENTS_PER_PAGE + 9):
        make_patient()
    with django_assert_num_queries(7):
        response = client.get(url)
    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list)) == (
        PATIENTS_PER_PAGE + 10,
        PATIENTS_PER_PAGE,
    )
    last = client.get(url, {"page": "2"}).context["page"]
    assert [p.code for p in last.object_list] == [f"P{n:04d}" for n in range(51, 61)]
    assert "page=2" in response.content.decode()
    assert client.get(url, {"page": "zz"}).context["page"].number == 1


def test_history_shows_who_changed_what(client_for, make_patient):
    patient = make_patient()
    client = client_for("clinician")
    data = {
        **VALID,
        "code": patient.code,
        "smoking": "current",
        "version": patient.version,
    }
    assert client.post(reverse("patients:update", args=[patient.pk]), data).status_code == 302
    response = client.get(reverse("patients:history", args=[patient.pk]))
    entries = response.context["entries"]
    change = next(c for e in entries for c in e.changes if c.field == "smoking")
    assert (change.before, change.after) == ("unknown", "current")
    assert entries[0].who == "clinician"


def test_clinical_data_cannot_be_hard_deleted(make_patient):
    from belimumab.core.models import HardDeleteForbidden

    patient = make_patient()
    with pytest.raises(HardDeleteForbidden):
        patient.delete()
    with pytest.raises(HardDeleteForbidden):
        Patient.objects.all().delete()
    assert Patient.objects.count() == 1


def test_patient_page_queries_do_not_grow_with_the_history(
    client_for, make_patient, make_infusion, django_assert_num_queries
):
    from belimumab.clinical.models import LabResult, Visit

    patient = make_patient(start=date(2025, 1, 6))
    client = client_for("clinician")
    url = reverse("clinical:patient_detail", args=[patient.pk])

    def grow(first: int, last: int) -> None:
        for n in range(first, last):
            day = date(2025, 1, 6) + timedelta(days=28 * n)
            make_infusion(patient, day)
            Visit.objects.create(patient=patient, date=day, recorded_total=4, sledai=4)
            LabResult.objects.create(patient=patient, date=day, test="c3", value=1, unit="g/L")

    grow(0, 2)
    client.get(url)  # content types and permissions cached once per process; session pushed
    # request: session, user, 2 permission reads; page: patient + courses (2),
    # infusion panel (2), clinical panel (4), the department's settings once for both (1)
    with django_assert_num_queries(QUERIES_PATIENT_PAGE):
        client.get(url)
    grow(2, 14)
    with django_assert_num_queries(QUERIES_PATIENT_PAGE):
        client.get(url)
