"""The stored schedule snapshot (`CourseSchedule`) stays equal to the schedule rule.

Whatever writes the infusions or the course (services, plain saves, deactivation, a change of
date or course, a restore), the snapshot read by the worklist must give the status that
`schedule_status` computes from the administrations themselves.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from belimumab.domain import schedule
from belimumab.pharmacy.models import CourseSchedule, Infusion
from belimumab.pharmacy.schedules import refresh_course_schedules

pytestmark = pytest.mark.django_db
_codes = itertools.count()


def _status_from_rule(course, today):
    dates = list(
        Infusion.objects.filter(course=course, is_active=True).values_list("date", flat=True)
    )
    return schedule.schedule_status(
        course.regimen.as_domain(), course.start_date, dates, today, course.stop_date
    )


def _status_from_store(course, today):
    stored = CourseSchedule.objects.get(course=course)
    snap = schedule.CourseSnapshot(
        regimen=course.regimen.as_domain(),
        given_count=stored.given_count,
        last_given=stored.last_given,
        next_due=stored.next_due,
        missed_before=stored.missed_before,
        missed_from=stored.missed_from,
    )
    return schedule.status_on(snap, today)


def test_a_new_course_is_due_on_its_start_date(make_patient, today):
    patient = make_patient(code="NEW", start=today + timedelta(days=3))
    stored = CourseSchedule.objects.get(course=patient.courses.get())
    assert (stored.given_count, stored.last_given, stored.next_due) == (
        0,
        None,
        today + timedelta(3),
    )
    assert stored.missed_from == today + timedelta(days=3 + 14)  # D0 missed once D14 has come


def test_snapshot_follows_every_write(make_patient, make_infusion, today):
    patient = make_patient(code="P", start=today - timedelta(days=120))
    course = patient.courses.get()
    first = make_infusion(patient, today - timedelta(days=120), weight="60.0")
    second = make_infusion(patient, today - timedelta(days=106), weight="62.0")
    stored = CourseSchedule.objects.get(course=course)
    assert stored.given_count == 2 and stored.last_weight_kg == Decimal("62.0")
    assert stored.next_due == today - timedelta(days=106 - 14)  # D28 after D14
    assert _status_from_store(course, today) == _status_from_rule(course, today)

    second.is_active = False  # deactivation: D14 is due again, 14 days after D0
    second.save()
    stored.refresh_from_db()
    assert stored.given_count == 1 and stored.next_due == today - timedelta(days=106)
    assert stored.last_weight_kg == Decimal("60.0")

    first.date = today - timedelta(days=20)  # a corrected date moves the next due date
    first.save()
    course.start_date = today - timedelta(days=20)
    course.save()
    assert _status_from_store(course, today) == _status_from_rule(course, today)
    assert CourseSchedule.objects.get(course=course).next_due == today - timedelta(days=6)


def test_copies_of_course_and_patient_fields_follow_them(make_patient, today):
    patient = make_patient(code="OLD", start=today - timedelta(days=10))
    course = patient.courses.get()
    patient.code = "NEW"
    patient.save()
    assert CourseSchedule.objects.get(course=course).patient_code == "NEW"
    course.stop_date, course.stop_reason = today, "remission"
    course.save()
    assert CourseSchedule.objects.get(course=course).stop_date == today
    patient.is_active = False
    patient.save()
    assert CourseSchedule.objects.get(course=course).active is False


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=400), max_size=12, unique=True),
    deactivate=st.sets(st.integers(min_value=0, max_value=11), max_size=4),
    elapsed=st.integers(min_value=0, max_value=500),
)
def test_stored_status_equals_the_rule(
    make_patient, make_infusion, today, offsets, deactivate, elapsed
):
    start = today - timedelta(days=500)
    patient = make_patient(code=f"H{next(_codes)}", start=start)
    course = patient.courses.get()
    infusions = [make_infusion(patient, start + timedelta(days=o)) for o in sorted(offsets)]
    for index in deactivate:
        if index < len(infusions):
            infusions[index].is_active = False
            infusions[index].save()
    on = start + timedelta(days=max(offsets, default=0) + elapsed)
    assert _status_from_store(course, on) == _status_from_rule(course, on)
    # a full rebuild gives the same rows as the signals did
    before = list(CourseSchedule.objects.filter(course=course).values())
    refresh_course_schedules()
    assert list(CourseSchedule.objects.filter(course=course).values()) == before


def test_the_import_fills_the_snapshots_in_bulk(today):
    from pathlib import Path

    from belimumab.cohort_io.services import cohort_import
    from belimumab.patients.models import Course

    result = cohort_import(source=Path(__file__).resolve().parents[2] / "fixtures/study")
    assert result.written and not result.problems
    courses = list(Course.objects.select_related("regimen"))
    assert CourseSchedule.objects.count() == len(courses) == 16
    for course in courses:  # on a day after any stop: compare the schedule as if running
        course.stop_date = None
        assert _status_from_store(course, today) == _status_from_rule(course, today)


def test_the_end_of_follow_up_is_copied_on_every_save(make_patient, today):
    """The worklist leaves out ended follow-ups by filtering the snapshot table alone."""
    course = make_patient(code="END", start=today - timedelta(days=30)).courses.get()
    assert CourseSchedule.objects.get(course=course).follow_up_end is None
    course.follow_up_end, course.follow_up_end_reason = today, "lost_to_follow_up"
    course.save()
    assert CourseSchedule.objects.get(course=course).follow_up_end == today
    CourseSchedule.objects.filter(course=course).update(follow_up_end=None)
    refresh_course_schedules([course.pk])  # the importer's bulk path
    assert CourseSchedule.objects.get(course=course).follow_up_end == today
