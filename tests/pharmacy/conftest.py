"""Fixtures of the pharmacy tests: a second pharmacist (the checker) and a valid form payload."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def today() -> date:
    """The application's today (Europe/Paris), not the machine's UTC date."""
    return timezone.localdate()


@pytest.fixture
def checker(make_user):
    return make_user("pharmacist2", "pharmacist", first_name="Paul", last_name="Checker")


@pytest.fixture
def iv_patient(make_patient, make_infusion, today):
    """An IV patient started 70 days ago, D0, D14, D28 given at 70 kg: C4 due 14 days ago."""
    patient = make_patient(code="IV01", start=today - timedelta(days=70))
    for day in (70, 56, 42):
        make_infusion(patient, today - timedelta(days=day), vials_400=1, vials_120=3)
    return patient


@pytest.fixture
def payload(users, checker, today):
    """Form data of a valid IV infusion today at 70 kg (makes 700 mg)."""

    def make(**changes):
        data = {
            "date": today.isoformat(),
            "weight_kg": "70",
            "prepared_dose_mg": "",
            "rounding_reason": "",
            "lots_as_recorded": "A123, B456",
            "diluent": "nacl_0.9",
            "prepared_by": users["pharmacist"].pk,
            "checked_by": checker.pk,
            "premedication": "on",
            "reaction": "none",
            "reaction_notes": "",
            "notes": "",
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    return make
