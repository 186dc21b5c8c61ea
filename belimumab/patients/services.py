"""Patients and courses: every write goes through here (validated, atomic, audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

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


def course_follow_up_end(
    *,
    course: Course,
    user: Any,
    end_date: date,
    reason: str,
    note: str = "",
    expected_version: int | None,
) -> Course:
    """Record (or correct) the end of a course's follow-up: lost, transferred, death, end of a
    study's follow-up.

    Not a stop: the stop date stays empty, retention censors the course there and it leaves the
    worklist (DOMAIN.md "The treatment course"). A stopped course already ended with its stop, so
    a new end of follow-up is refused there; one already recorded can still be corrected.
    """
    if course.stop_date is not None and course.follow_up_end is None:
        raise ValidationError(
            _("This course was stopped on %(date)s: its follow-up ended with the stop.")
            % {"date": formats.date_format(course.stop_date, "SHORT_DATE_FORMAT")}
        )
    course.follow_up_end = end_date
    course.follow_up_end_reason = reason
    course.follow_up_end_note = note
    return clinical_save(course, user=user, expected_version=expected_version)


def course_follow_up_reopen(*, course: Course, user: Any, expected_version: int | None) -> Course:
    """Clear an end of follow-up recorded by mistake (the patient is followed again); the
    history keeps what was cleared, by whom and when."""
    course.follow_up_end = None
    course.follow_up_end_reason = ""
    course.follow_up_end_note = ""
    return clinical_save(
        course, user=user, expected_version=expected_version, reason="follow-up reopened"
    )
