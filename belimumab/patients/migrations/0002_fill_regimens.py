"""Seed the belimumab regimens of DOMAIN.md as data (not code branches)."""

from django.db import migrations

REGIMENS = [
    # code, name, route, mg/kg, fixed mg, loading intervals, loading doses, interval
    ("iv_standard", "IV 10 mg/kg D0, D14, D28 then every 28 days", "iv", 10, None, [14, 14], [], 28),
    ("iv_nephritis", "IV lupus nephritis 10 mg/kg D0, D14, D28 then every 28 days", "iv", 10, None, [14, 14], [], 28),
    ("sc_standard", "SC 200 mg weekly", "sc", None, 200, [], [], 7),
    ("sc_nephritis", "SC lupus nephritis 400 mg weekly x4 then 200 mg weekly", "sc", None, 200, [], [400, 400, 400, 400], 7),
]


def fill_regimens(apps, schema_editor):
    Regimen = apps.get_model("patients", "Regimen")
    for code, name, route, mg_per_kg, fixed, loading_intervals, loading_doses, interval in REGIMENS:
        Regimen.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "route": route,
                "mg_per_kg": mg_per_kg,
                "fixed_dose_mg": fixed,
                "loading_intervals_days": loading_intervals,
                "loading_doses_mg": loading_doses,
                "interval_days": interval,
            },
        )


def empty_regimens(apps, schema_editor):
    apps.get_model("patients", "Regimen").objects.filter(code__in=[r[0] for r in REGIMENS]).delete()


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]
    operations = [migrations.RunPython(fill_regimens, empty_regimens)]
