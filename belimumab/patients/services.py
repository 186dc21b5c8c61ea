"""Patients and courses: every write goes through here (validated, atomic, audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from belimumab.core.services import clinical_save
from belimumab.patients.models import Course, Patient, Regimen

CODE_TAKEN = {"patients_patient_code_key": ("code", "This code is already used.")}


def patient_register(
    *, user: Any, fields: dict[str, Any], regimen: Regimen, start_date: date
) -> Patient:
    """Register a patient with the first belimumab course, in one transaction."""
    with transaction.atomic():
        patient = clinical_save(Patient(**fields), user=user)
        clinical_save(Course(patient=patient, regimen=regimen, start_date=start_date), user=user)
    return patient


def patient_update(
    *, patient: Patient, user: Any, fields: dict[str, Any], expected_version: int | None
) -> Patient:
    for name, value in fields.items():
        setattr(patient, name, value)
    return clinical_save(patient, user=user, expected_version=expected_version)


def course_save(
    *, course: Course, user: Any, fields: dict[str, Any], expected_version: int | None = None
) -> Course:
    """Create or change a course (start, regimen, stop date and reason)."""
    for name, value in fields.items():
        setattr(course, name, value)
    if not course.stop_date:
        course.stop_reason = ""
    return clinical_save(course, user=user, expected_version=expected_version)
