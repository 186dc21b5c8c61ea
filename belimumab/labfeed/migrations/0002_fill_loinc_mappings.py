"""The LOINC code of each lab test (the laboratory's defaults, DOMAIN.md) mapped to it, so that
a laboratory sending LOINC works at once; method-specific codes are added by administrators."""

from django.db import migrations

LOINC = {
    "5130-0": "anti_dsdna",
    "4532-8": "ch50",
    "4485-9": "c3",
    "4498-2": "c4",
    "777-3": "platelets",
    "6690-2": "leukocytes",
    "2889-4": "proteinuria",
    "2890-2": "upcr",
}


def fill_loinc_mappings(apps, schema_editor):
    mapping = apps.get_model("labfeed", "LabCodeMapping")
    mapping.objects.bulk_create(
        mapping(system="LN", code=code, test=test, note="LOINC") for code, test in LOINC.items()
    )


def remove_loinc_mappings(apps, schema_editor):
    mapping = apps.get_model("labfeed", "LabCodeMapping")
    # the historical model has a plain manager (no HardDeleteForbidden): the table goes next
    mapping.objects.filter(system="LN", code__in=list(LOINC), note="LOINC").delete()


class Migration(migrations.Migration):
    dependencies = [("labfeed", "0001_initial")]

    operations = [migrations.RunPython(fill_loinc_mappings, remove_loinc_mappings)]
