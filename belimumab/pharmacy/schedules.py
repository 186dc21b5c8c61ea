"""Keep `CourseSchedule` (the stored schedule snapshot of each course) true.

Every path that writes an infusion or a course ends here: `post_save` signals for single saves
(forms, services, admin, tests' factories), `refresh_course_schedules(course_ids)` for bulk
writes (the importer) and after a restore. Two queries for any number of courses, then one
upsert.

A subcutaneous record is a dispensation of N pens covering N weeks: the snapshot is taken over
the weeks covered (`belimumab.domain.pens.covered_dates`), so 4 pens on 1 March are due again
on 29 March and no week of the four counts as missed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from belimumab.core.signals import backup_restored
from belimumab.domain import pens, schedule
from belimumab.patients.models import Course, Patient, Route
from belimumab.pharmacy.models import CourseSchedule, Infusion

_CHUNK = 500  # courses per query (SQLite limits the parameters of one statement)
_FIELDS = [
    "active",
    "stop_date",
    "follow_up_end",
    "patient_code",
    "given_count",
    "last_given",
    "last_weight_kg",
    "last_pens",
    "next_due",
    "missed_before",
    "missed_from",
]


_Given = tuple[date, Decimal | None, int]  # date, weight, pens


def _snapshot_row(course: Course, given: list[_Given], regimens: dict[int, Any]) -> CourseSchedule:
    regimen = regimens.get(course.regimen_id)
    if regimen is None:
        regimen = regimens[course.regimen_id] = course.regimen.as_domain()
    dates = pens.administration_dates(regimen, [(day, count) for day, _, count in given])
    snap = schedule.course_snapshot(regimen, course.start_date, dates)
    weights = [weight for _, weight, _ in given if weight is not None]
    sc = regimen.route == Route.SC
    return CourseSchedule(
        course_id=course.pk,
        active=course.is_active and course.patient.is_active,
        stop_date=course.stop_date,
        follow_up_end=course.follow_up_end,
        patient_code=course.patient.code,
        given_count=snap.given_count,
        last_given=snap.last_given,
        last_weight_kg=weights[-1] if weights else None,
        last_pens=given[-1][2] if sc and given else None,
        next_due=snap.next_due,
        missed_before=snap.missed_before,
        missed_from=snap.missed_from,
    )


def refresh_course_schedules(course_ids: Iterable[int] | None = None) -> int:
    """Recompute the snapshot of these courses (all when None) from their active infusions.

    Two queries per chunk of courses (the courses with regimen and patient, their infusions),
    then one upsert: the importer refreshes 10,000 courses in a few seconds.
    """
    if course_ids is None:
        return _refresh(Course.objects.all(), Infusion.objects.filter(is_active=True))
    ids = sorted(set(course_ids))
    done = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        done += _refresh(
            Course.objects.filter(pk__in=chunk),
            Infusion.objects.filter(is_active=True, course_id__in=chunk),
        )
    return done


def _refresh(courses_qs: Any, infusions_qs: Any) -> int:
    given: dict[int, list[_Given]] = defaultdict(list)
    for course_id, day, weight, count in infusions_qs.order_by(
        "course_id", "date", "pk"
    ).values_list("course_id", "date", "weight_kg", "pens"):
        given[course_id].append((day, weight, count))
    regimens: dict[int, Any] = {}
    courses = courses_qs.select_related("regimen", "patient").only(
        "pk",
        "start_date",
        "stop_date",
        "follow_up_end",
        "is_active",
        "regimen",
        "patient__code",
        "patient__is_active",
    )
    rows = [_snapshot_row(c, given.get(c.pk, []), regimens) for c in courses.iterator()]
    CourseSchedule.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["course"],
        update_fields=_FIELDS,
    )
    return len(rows)


@receiver(post_save, sender=Infusion, dispatch_uid="pharmacy.infusion_schedule")
def _infusion_saved(sender: type, instance: Infusion, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata (restore): refreshed once at the end
        return
    # every course of the patient: an edit may have moved the infusion from one to another
    refresh_course_schedules(
        Course.objects.filter(patient_id=instance.patient_id).values_list("pk", flat=True)
    )


@receiver(post_save, sender=Course, dispatch_uid="pharmacy.course_schedule")
def _course_saved(sender: type, instance: Course, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    refresh_course_schedules([instance.pk])


@receiver(post_save, sender=Patient, dispatch_uid="pharmacy.patient_schedule")
def _patient_saved(sender: type, instance: Patient, raw: bool = False, **kwargs: Any) -> None:
    if raw or kwargs.get("created"):  # a new patient has no course yet
        return
    # code or deactivation: the worklist filters and sorts on copies of them
    refresh_course_schedules(instance.courses.values_list("pk", flat=True))


@receiver(backup_restored, dispatch_uid="pharmacy.restore_schedules")
def _backup_restored(sender: Any, **kwargs: Any) -> None:
    refresh_course_schedules()  # the backup leaves the snapshots out: they are derived
