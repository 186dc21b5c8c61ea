"""Structured lots (issue 14): an infusion's lots become rows naming stock lots (InfusionLot),
and the free text `lots` becomes `lots_as_recorded`, copied as it was, in the records and in
their history (nothing is lost: the reverse copies it back)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def fill_lots_as_recorded(apps, schema_editor):
    for name in ("Infusion", "HistoricalInfusion"):
        model = apps.get_model("pharmacy", name)
        model.objects.exclude(lots="").update(lots_as_recorded=models.F("lots"))


def fill_lots(apps, schema_editor):
    for name in ("Infusion", "HistoricalInfusion"):
        model = apps.get_model("pharmacy", name)
        model.objects.exclude(lots_as_recorded="").update(lots=models.F("lots_as_recorded"))


class Migration(migrations.Migration):
    dependencies = [
        ("pharmacy", "0008_printed_sheet"),
        ("stock", "0002_movement_restored"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalinfusion",
            name="lots_as_recorded",
            field=models.CharField(blank=True, max_length=200, verbose_name="lots as recorded"),
        ),
        migrations.AddField(
            model_name="infusion",
            name="lots_as_recorded",
            field=models.CharField(blank=True, max_length=200, verbose_name="lots as recorded"),
        ),
        migrations.CreateModel(
            name="HistoricalInfusionLot",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="created"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="updated"),
                ),
                ("vials", models.PositiveSmallIntegerField(verbose_name="vials")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "infusion",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pharmacy.infusion",
                        verbose_name="infusion",
                    ),
                ),
                (
                    "lot",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="stock.viallot",
                        verbose_name="lot",
                    ),
                ),
                (
                    "movement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="stock.stockmovement",
                        verbose_name="stock movement",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical lot of an infusion",
                "verbose_name_plural": "historical lots of infusions",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="InfusionLot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("vials", models.PositiveSmallIntegerField(verbose_name="vials")),
                (
                    "infusion",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lot_draws",
                        to="pharmacy.infusion",
                        verbose_name="infusion",
                    ),
                ),
                (
                    "lot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="infusion_draws",
                        to="stock.viallot",
                        verbose_name="lot",
                    ),
                ),
                (
                    "movement",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="infusion_draw",
                        to="stock.stockmovement",
                        verbose_name="stock movement",
                    ),
                ),
            ],
            options={
                "verbose_name": "lot of an infusion",
                "verbose_name_plural": "lots of infusions",
                "ordering": ["infusion", "lot__presentation", "lot__expiry", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("vials__gte", 1)), name="infusion_lot_vials_positive"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_lots_as_recorded, fill_lots),
        migrations.RemoveField(
            model_name="historicalinfusion",
            name="lots",
        ),
        migrations.RemoveField(
            model_name="infusion",
            name="lots",
        ),
    ]
