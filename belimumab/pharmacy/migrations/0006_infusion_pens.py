"""Pens on every administration record (issue 16): an SC record is a dispensation of N pens
covering N weeks. Every record that exists was one pen (one week), so the default 1 keeps its
meaning; the schedule snapshots of SC courses learn that their last dispensation was one pen."""

from django.conf import settings
from django.db import migrations, models


def fill_last_pens(apps, schema_editor):
    CourseSchedule = apps.get_model("pharmacy", "CourseSchedule")
    CourseSchedule.objects.filter(course__regimen__route="sc", given_count__gt=0).update(
        last_pens=1
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0004_course_end_follow_up_permission"),
        ("pharmacy", "0005_courseschedule_follow_up_end"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="courseschedule",
            name="last_pens",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalinfusion",
            name="pens",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="Subcutaneous: one pen per week of treatment.",
                verbose_name="pens dispensed",
            ),
        ),
        migrations.AddField(
            model_name="infusion",
            name="pens",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="Subcutaneous: one pen per week of treatment.",
                verbose_name="pens dispensed",
            ),
        ),
        migrations.AddConstraint(
            model_name="infusion",
            constraint=models.CheckConstraint(
                condition=models.Q(("pens__gte", 1)),
                name="infusion_pens_at_least_one",
                violation_error_message="A dispensation has at least one pen.",
            ),
        ),
        migrations.RunPython(fill_last_pens, migrations.RunPython.noop),
    ]
