"""Clinical test helpers: a patient with a course, a fast password hasher, a clinician."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from belimumab.clinical.models import LabResult, TreatmentDose, Visit

D0 = date(2026, 1, 5)
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    """Clinical pages read `timezone.localdate()`: pin it so that dates in tests stay valid."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def patient(make_patient):
    return make_patient(code="SLE01", start=D0)


def add_visit(patient, day: date, descriptors=None, total=None, pga=None, **fields) -> Visit:
    """A visit written directly (the services are tested apart)."""
    from belimumab.domain import sledai

    score = sledai.visit_score(descriptors, total)
    return Visit.objects.create(
        patient=patient,
        date=day,
        descriptors_recorded=descriptors is not None,
        descriptors=list(descriptors or []),
        recorded_total=total,
        sledai=score,
        pga=None if pga is None else Decimal(pga),
        **fields,
    )


def add_lab(patient, day: date, test: str, value: str, unit: str, lower=None, upper=None):
    return LabResult.objects.create(
        patient=patient,
        date=day,
        test=test,
        value=Decimal(value),
        unit=unit,
        lower_limit=None if lower is None else Decimal(lower),
        upper_limit=None if upper is None else Decimal(upper),
    )


def add_dose(patient, drug: str, day: date, dose: str, unit: str = "mg/day") -> TreatmentDose:
    return TreatmentDose.objects.create(
        patient=patient, drug=drug, start_date=day, dose=Decimal(dose), unit=unit
    )
