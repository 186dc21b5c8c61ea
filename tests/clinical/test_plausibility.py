"""DOMAIN.md "Plausibility of what is entered" through the entry pages of the clinical and
patient apps: one case per table row (the pharmacy's rows are in tests/pharmacy). A refusal is
beside its field and saves nothing; a usual limit shows its reason with an "I confirm this
value" box, and once ticked the record is saved with the check in `confirmed_checks`, which its
history names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit
from belimumab.patients.models import Course, Patient, Regimen
from tests.clinical.conftest import D0, add_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(client_for):
    client = client_for("clinician")
    client.cookies["django_language"] = "en"
    return client


def _errors(response, field):
    assert response.status_code == 200, response.status_code
    return " ".join(response.context["form"].errors.get(field, []))


def _box(check: str) -> str:
    return f'name="confirmed" value="{check}"'


# --- visit date: before birth, after today; > 365 days before D0, a second visit the same day --

VISIT_DATES = [
    # date, refused (message) or confirmation asked (check)
    ("1985-03-13", "before the patient's birth", None),  # born 1985-03-14
    ("2026-11-26", "in the future", None),  # today is 2026-11-25
    ("2025-01-04", "more than 365 days before D0", "visit_before_d0"),  # D0 - 366
    ("2021-01-05", "more than 365 days before D0", "visit_before_d0"),  # five years before
]


@pytest.mark.parametrize(("day", "message", "check"), VISIT_DATES)
def test_visit_date(clinician, patient, day, message, check):
    url = reverse("clinical:visit_create", args=[patient.pk])
    data = {"date": day, "mode": "total", "recorded_total": "4"}
    response = clinician.post(url, data)
    assert message in _errors(response, "date")
    assert not Visit.objects.exists()
    html = response.content.decode()
    if check is None:
        assert 'name="confirmed"' not in html
        return
    assert _box(check) in html and "I confirm this value" in html
    assert clinician.post(url, {**data, "confirmed": check}).status_code == 302
    assert Visit.objects.get().confirmed_checks == [check]


def test_a_second_visit_on_the_day_of_m0_with_another_score_asks_for_confirmation(
    clinician, patient
):
    add_visit(patient, D0, total=6)
    url = reverse("clinical:visit_create", args=[patient.pk])
    data = {"date": D0.isoformat(), "mode": "total", "recorded_total": "12"}
    response = clinician.post(url, data)
    assert "already has a visit on 05/01/2026" in _errors(response, "date")
    assert Visit.objects.count() == 1
    assert clinician.post(url, {**data, "confirmed": "visit_same_day"}).status_code == 302
    second = Visit.objects.get(sledai=12)
    assert second.confirmed_checks == ["visit_same_day"]
    history = clinician.get(reverse("clinical:history", args=["visit", second.pk]))
    assert "second visit on the same day" in history.content.decode()


def test_editing_a_visit_does_not_compare_it_with_itself(clinician, patient):
    visit = add_visit(patient, D0, total=6)
    url = reverse("clinical:visit_update", args=[visit.pk])
    data = {"date": D0.isoformat(), "mode": "total", "recorded_total": "8", "version": "1"}
    assert clinician.post(url, data).status_code == 302
    assert Visit.objects.get().confirmed_checks == []


def test_a_confirmation_ticked_while_another_field_is_wrong_is_kept(clinician, patient):
    url = reverse("clinical:visit_create", args=[patient.pk])
    data = {"date": "2021-01-05", "mode": "total", "recorded_total": "4"}
    data |= {"pga": "7", "confirmed": "visit_before_d0"}
    html = clinician.post(url, data).content.decode()
    assert '<input type="hidden" name="confirmed" value="visit_before_d0">' in html


# --- labs: hard ranges; C3/C4 10-500 looks like mg/dL: the conversion is offered ---------------

LABS = [
    # test, value typed (default unit), refused, conversion offered
    ("anti_dsdna", "10000", False, None),
    ("anti_dsdna", "10001", True, None),
    ("ch50", "200", False, None),
    ("ch50", "201", True, None),
    ("c3", "5", False, None),
    ("c3", "7", True, None),
    ("c3", "85", True, "0.85"),
    ("c4", "2", False, None),
    ("c4", "2.5", True, None),
    ("c4", "30", True, "0.3"),
    ("platelets", "2000", False, None),
    ("platelets", "2001", True, None),
    ("leukocytes", "300", False, None),
    ("leukocytes", "301", True, None),
    ("proteinuria", "30", False, None),
    ("proteinuria", "31", True, None),
]


@pytest.mark.parametrize(("test", "value", "refused", "offered"), LABS)
def test_lab_values(clinician, patient, test, value, refused, offered):
    url = reverse("clinical:lab_create", args=[patient.pk])
    response = clinician.post(url, {"date": D0.isoformat(), f"{test}_value": value})
    if not refused:
        assert response.status_code == 302
        assert LabResult.objects.get().value == Decimal(value)
        return
    assert "Not plausible" in _errors(response, f"{test}_value")
    assert not LabResult.objects.exists()
    button = f'data-plausible-target="id_{test}_value" data-plausible-value="{offered}"'
    assert (button in response.content.decode()) is (offered is not None)


def test_c3_typed_in_mg_dl_with_its_unit_is_accepted(clinician, patient):
    url = reverse("clinical:lab_create", args=[patient.pk])
    data = {"date": D0.isoformat(), "c3_value": "85", "c3_unit": "mg/dL"}
    assert clinician.post(url, data).status_code == 302


def test_lab_correction_offers_the_conversion_too(clinician, patient):
    from tests.clinical.conftest import add_lab

    lab = add_lab(patient, D0, "c3", "0.85", "g/L")
    url = reverse("clinical:lab_update", args=[lab.pk])
    data = {"date": D0.isoformat(), "value": "85", "unit": "g/L", "version": "1"}
    response = clinician.post(url, data)
    assert "looks like a value in mg/dL, that is 0.85 g/L" in _errors(response, "value")
    assert 'data-plausible-value="0.85"' in response.content.decode()


# --- corticosteroid dose (prednisone equivalent): 0-1250 mg/day; above 100 asks ---------------

STEROIDS = [
    # drug, dose, refused, confirmation asked
    ("prednisone", "100", False, False),
    ("prednisone", "5000", True, False),
    ("prednisone", "1251", True, False),
    ("prednisone", "150", False, True),
    ("methylprednisolone", "1000", False, True),  # 1,250 mg prednisone equivalent
    ("methylprednisolone", "1001", True, False),
    ("hydrocortisone", "400", False, False),  # 100 mg prednisone equivalent
    ("mycophenolate", "3000", False, False),  # not a corticosteroid
]


@pytest.mark.parametrize(("drug", "dose", "refused", "asked"), STEROIDS)
def test_corticosteroid_dose(clinician, patient, drug, dose, refused, asked):
    url = reverse("clinical:treatment_create", args=[patient.pk])
    data = {"drug": drug, "start_date": D0.isoformat(), "dose": dose, "unit": "mg/day"}
    response = clinician.post(url, data)
    if not refused and not asked:
        assert response.status_code == 302
        assert TreatmentDose.objects.get().confirmed_checks == []
        return
    errors = _errors(response, "dose")
    assert not TreatmentDose.objects.exists()
    if refused:
        assert "must be between 0 and 1,250 mg/day" in errors
        assert 'name="confirmed"' not in response.content.decode()
        return
    assert "(a pulse?)" in errors and _box("corticosteroid_high") in response.content.decode()
    assert clinician.post(url, {**data, "confirmed": "corticosteroid_high"}).status_code == 302
    assert TreatmentDose.objects.get().confirmed_checks == ["corticosteroid_high"]


# --- clinical dates: refused before 1900-01-01 -------------------------------------------------


def test_clinical_dates_before_1900_are_refused(clinician, make_patient):
    """Refused by the forms' date bounds (01/01/1900 .. today + 5 years) before the services'
    rule (domain.plausibility.clinical_date, which the import applies)."""
    patient = make_patient(code="OLD01", birth_date=date(1800, 1, 1))  # older records
    pages = [
        (
            "clinical:treatment_create",
            {"drug": "prednisone", "start_date": "1899-12-31", "dose": "10", "unit": "mg/day"},
            "start_date",
        ),
        (
            "clinical:adverse_event_create",
            {"term": "Rash", "category": "rash", "onset_date": "1899-12-31", "outcome": "resolved"},
            "onset_date",
        ),
        ("clinical:lab_create", {"date": "1899-12-31", "c3_value": "1"}, "date"),
        (
            "clinical:visit_create",
            {"date": "1899-12-31", "mode": "total", "recorded_total": "4"},
            "date",
        ),
    ]
    for name, data, field in pages:
        response = clinician.post(reverse(name, args=[patient.pk]), data)
        assert "01/01/1900" in _errors(response, field), name
    assert not TreatmentDose.objects.exists() and not AdverseEvent.objects.exists()
    assert not LabResult.objects.exists() and not Visit.objects.exists()


def test_the_services_refuse_dates_before_1900_too(make_patient, users):
    from django.core.exceptions import ValidationError

    from belimumab.clinical import services

    patient = make_patient(code="OLD02", birth_date=date(1800, 1, 1))
    with pytest.raises(ValidationError) as raised:
        services.treatment_record(
            patient=patient,
            user=users["clinician"],
            drug="prednisone",
            start_date=date(1899, 12, 31),
            dose=Decimal("10"),
            unit="mg/day",
            today=date(2026, 11, 25),
        )
    assert "not plausible" in " ".join(raised.value.message_dict["start_date"])


# --- course start more than 365 days ahead; patient code ---------------------------------------


def test_a_course_starting_more_than_a_year_ahead_asks_for_confirmation(clinician, patient):
    url = reverse("patients:course_create", args=[patient.pk])
    regimen = Regimen.objects.get(code="iv_standard").pk
    data = {"regimen": regimen, "start_date": "2027-11-26"}  # today + 366
    response = clinician.post(url, data)
    assert "more than 365 days from today" in _errors(response, "start_date")
    assert _box("course_start_ahead") in response.content.decode()
    assert clinician.post(url, {**data, "start_date": "2027-11-25"}).status_code == 302
    assert clinician.post(url, {**data, "confirmed": "course_start_ahead"}).status_code == 302
    starts = dict(Course.objects.values_list("start_date", "confirmed_checks"))
    assert starts[date(2027, 11, 25)] == [] and starts[date(2027, 11, 26)] == ["course_start_ahead"]


def _new_patient(**changes):
    return {
        "code": "NEW01",
        "last_name": "Durand",
        "first_name": "Léa",
        "birth_date": "1988-04-02",
        "sex": "F",
        "smoking": "never",
        "indication": "sle",
        "course-regimen": Regimen.objects.get(code="iv_standard").pk,
        "course-start_date": "2026-01-05",
        **changes,
    }


@pytest.mark.parametrize(
    ("code", "accepted"),
    [("SLE-01/2026_b.x", True), ("X" * 33, False), ("-A1", False), ("a b", False)],
)
def test_patient_code_follows_the_importers_rule(clinician, code, accepted):
    response = clinician.post(reverse("patients:create"), _new_patient(code=code))
    assert Patient.objects.filter(code=code).exists() is accepted
    if not accepted:
        assert _errors(response, "code")


def test_patient_code_rule_gives_its_reason(clinician):
    response = clinician.post(reverse("patients:create"), _new_patient(code="a b"))
    assert "1-32 letters, digits or . _ / -" in _errors(response, "code")


def test_new_patient_with_a_start_two_years_ahead_is_confirmed_beside_the_course(clinician):
    data = _new_patient(**{"course-start_date": "2028-12-01"})
    response = clinician.post(reverse("patients:create"), data)
    course_form = response.context["course_form"]
    assert "more than 365 days" in " ".join(course_form.errors["start_date"])
    assert 'name="course-confirmed" value="course_start_ahead"' in response.content.decode()
    assert not Patient.objects.exists()
    data["course-confirmed"] = "course_start_ahead"
    assert clinician.post(reverse("patients:create"), data).status_code == 302
    assert Course.objects.get().confirmed_checks == ["course_start_ahead"]
