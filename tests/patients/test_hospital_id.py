"""The hospital identifier the laboratory feed matches on: optional, unique when set."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from belimumab.patients.forms import PatientForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


FIELDS = {"code": "SLE02", "birth_date": "1990-05-02", "sex": "F", "smoking": "unknown"}
FIELDS |= {"indication": "sle"}


def test_the_identifier_is_unique_when_set_and_the_message_sits_beside_the_field(make_patient):
    make_patient(code="SLE01", hospital_id="800123")
    make_patient(code="SLE03")  # no identifier: several patients may have none
    form = PatientForm(data={**FIELDS, "hospital_id": " 800123 "})
    assert not form.is_valid()
    assert form.errors["hospital_id"] == ["This hospital identifier is already used."]
    assert PatientForm(data={**FIELDS, "hospital_id": ""}).is_valid()
    form = PatientForm(data={**FIELDS, "hospital_id": " 800124 "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["hospital_id"] == "800124"


def test_the_database_refuses_a_second_patient_with_the_same_identifier(make_patient):
    make_patient(code="SLE01", hospital_id="800123")
    other = make_patient(code="SLE02")
    other.hospital_id = "800123"
    with pytest.raises(ValidationError, match="already used"):
        other.full_clean()


def test_editing_a_patient_keeps_its_own_identifier(make_patient):
    patient = make_patient(code="SLE01", hospital_id="800123")
    form = PatientForm(data={**FIELDS, "code": "SLE01", "hospital_id": "800123"}, instance=patient)
    assert form.is_valid(), form.errors
