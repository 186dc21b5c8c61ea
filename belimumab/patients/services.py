"""Patients and courses: every write goes through here (validated, atomic, audited)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from belimumab.core import plausibility
from belimumab.core.services import clinical_save
from belimumab.domain import plausibility as rules
from belimumab.patients.models import Course, Patient, Regimen

CODE_TAKEN = {"patients_patient_code_key": ("code", "This code is already used.")}


def _patient_errors(patient: Patient) -> dict[str, list[Any]]:
    """The patient code's rule (the importer's too) and the birth date's (not before 1900)."""
    limits = plausibility.limits()
    errors: dict[str, list[Any]] = {}
    plausibility.add_finding(errors, "code", rules.patient_code(patient.code, limits), (), [])
    early = rules.clinical_date(patient.birth_date, limits)
    plausibility.add_finding(errors, "birth_date", early, (), [])
    return errors


def _course_errors(
    course: Course, confirmed: Collection[str], applied: list[str]
) -> dict[str, list[Any]]:
    """Course dates: none before 1900; a start more than a year ahead needs confirming."""
    limits = plausibility.limits()
    errors: dict[str, list[Any]] = {}
    start = rules.course_start(course.start_date, timezone.localdate(), limits)
    plausibility.add_finding(errors, "start_date", start, confirmed, applied)
    for name in ("stop_date", "follow_up_end"):
        early = rules.clinical_date(getattr(course, name), limits)
        plausibility.add_finding(errors, name, early, (), [])
    return errors


def patient_register(
    *,
    user: Any,
    fields: dict[str, Any],
    regimen: Regimen,
    start_date: date,
    confirmed: Collection[str] = (),
) -> Patient:
    """Register a patient with the first belimumab course, in one transaction."""
    patient = Patient(**fields)
    course = Course(regimen=regimen, start_date=start_date)
    applied: list[str] = []
    plausibility.raise_errors(
        {**_patient_errors(patient), **_course_errors(course, confirmed, applied)}
    )
    course.confirmed_checks = applied
    with transaction.atomic():
        patient = clinical_save(patient, user=user)
        course.patient = patient
        clinical_save(course, user=user)
    return patient


def patient_update(
    *, patient: Patient, user: Any, fields: dict[str, Any], expected_version: int | None
) -> Patient:
    for name, value in fields.items():
        setattr(patient, name, value)
    plausibility.raise_errors(_patient_errors(patient))
    return clinical_save(patient, user=user, expected_version=expected_version)


def course_save(
    *,
    course: Course,
    user: Any,
    fields: dict[str, Any],
    expected_version: int | None = None,
    confirmed: Collection[str] = (),
) -> Course:
    """Create or change a course (start, regimen, stop date and reason); a start more than a
    year ahead needs its check in `confirmed`."""
    for name, value in fields.items():
        setattr(course, name, value)
    if not course.stop_date:
        course.stop_reason = ""
    applied: list[str] = []
    plausibility.raise_errors(_course_errors(course, confirmed, applied))
    course.confirmed_checks = applied
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
