"""The LOINC code of each lab test (the laboratory's defaults, DOMAIN.md) mapped to it, so that
a laboratory sending LOINC works at once; method-specific codes are added by administrators."""

from django.db import migrations

from belimumab.labfeed.seeding import LOINC, loinc_mappings_seed


def fill_loinc_mappings(apps, schema_editor):
    loinc_mappings_seed(apps, schema_editor.connection.alias)


def remove_loinc_mappings(apps, schema_editor):
    mapping = apps.get_model("labfeed", "LabCodeMapping")
    # the historical model has a plain manager (no HardDeleteForbidden): the table goes next
    mapping.objects.filter(system="LN", code__in=list(LOINC), note="LOINC").delete()


class Migration(migrations.Migration):
    dependencies = [("labfeed", "0001_initial")]

    operations = [migrations.RunPython(fill_loinc_mappings, remove_loinc_mappings)]
