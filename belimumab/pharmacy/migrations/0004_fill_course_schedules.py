"""Fill the schedule snapshot of the courses that exist (same rule as pharmacy.schedules)."""

from collections import defaultdict

from django.db import migrations

from belimumab.domain import schedule


def fill(apps, schema_editor):
    Course = apps.get_model("patients", "Course")
    Infusion = apps.get_model("pharmacy", "Infusion")
    CourseSchedule = apps.get_model("pharmacy", "CourseSchedule")
    given = defaultdict(list)
    for course_id, day, weight in (
        Infusion.objects.filter(is_active=True)
        .order_by("course_id", "date", "pk")
        .values_list("course_id", "date", "weight_kg")
    ):
        given[course_id].append((day, weight))
    rows = []
    for course in Course.objects.select_related("regimen", "patient").iterator():
        r = course.regimen
        regimen = schedule.Regimen(
            code=r.code,
            route=r.route,
            mg_per_kg=r.mg_per_kg,
            fixed_dose_mg=r.fixed_dose_mg,
            loading_intervals_days=tuple(r.loading_intervals_days),
            interval_days=r.interval_days,
            loading_doses_mg=tuple(r.loading_doses_mg),
        )
        days = given.get(course.pk, [])
        snap = schedule.course_snapshot(regimen, course.start_date, [d for d, _ in days])
        weights = [w for _, w in days if w is not None]
        rows.append(
            CourseSchedule(
                course_id=course.pk,
                active=course.is_active and course.patient.is_active,
                stop_date=course.stop_date,
                patient_code=course.patient.code,
                given_count=snap.given_count,
                last_given=snap.last_given,
                last_weight_kg=weights[-1] if weights else None,
                next_due=snap.next_due,
                missed_before=snap.missed_before,
                missed_from=snap.missed_from,
            )
        )
    CourseSchedule.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("pharmacy", "0003_course_schedule")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
