"""Copy each course's end of follow-up into its schedule snapshot: the worklist leaves out
courses whose follow-up ended, filtering on this table alone. The missed-cycles section is gone,
and its index with it."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Course = apps.get_model("patients", "Course")
    CourseSchedule = apps.get_model("pharmacy", "CourseSchedule")
    CourseSchedule.objects.update(
        follow_up_end=Subquery(
            Course.objects.filter(pk=OuterRef("course_id")).values("follow_up_end")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_course_follow_up_end"),
        ("pharmacy", "0004_fill_course_schedules"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="courseschedule", name="courseschedule_missed_from"),
        migrations.AddField(
            model_name="courseschedule",
            name="follow_up_end",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
