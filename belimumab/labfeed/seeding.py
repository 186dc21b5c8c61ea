"""The LOINC code of each lab test (the laboratory's defaults, DOMAIN.md) mapped to it, so that a
laboratory sending LOINC works at once; method-specific codes are added by administrators.

Seeded after every `migrate` while the table is empty (as the department's settings are): a
database flushed by a test or restored without them gets them back, and an administrator's own
mappings and deactivations are never touched once there is one row."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps

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


def loinc_mappings_seed(apps: Any, using: str = "default") -> int:
    """Create the LOINC mappings if there is no mapping at all; returns how many were made."""
    mapping = apps.get_model("labfeed", "LabCodeMapping")
    if mapping.objects.using(using).exists():
        return 0
    made = mapping.objects.using(using).bulk_create(
        mapping(system="LN", code=code, test=test, note="LOINC") for code, test in LOINC.items()
    )
    return len(made)


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # migrate passes the migrated state's apps; flush (tests) sends none: the installed apps
    loinc_mappings_seed(kwargs.get("apps") or global_apps, using)
