"""Logical backups that restore on SQLite or PostgreSQL alike (Django's serialisation).

Everything is kept with its primary key (patients, clinical records, their audit history, users and
roles) except what migrate recreates (content types, permissions, referred to by natural key) and
what is transient (sessions, login attempts).
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction

from belimumab.core.signals import backup_restored, restoring_backup

EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "axes",
    "admin.logentry",
    "pharmacy.courseschedule",  # derived from the infusions: rebuilt after a restore
    "department.settingssnapshot",  # derived from the department's settings: rebuilt likewise
    # background work: queued tasks, workers' heartbeats, browser imports waiting or finished
    "django_tasks_database",  # django-tasks-db's app label
    "core.workerheartbeat",
    "cohort_io.importjob",
    "cohort_io.importchunk",
    "reports.reportjob",
]


def backed_up_models() -> list[type[models.Model]]:
    skipped_apps = {label for label in EXCLUDED if "." not in label}
    skipped_models = {label for label in EXCLUDED if "." in label}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in skipped_apps
        and model._meta.label_lower not in skipped_models
        and model._meta.managed
    ]


def backup_write(path: Path) -> int:
    """Write a gzipped JSON backup; returns the number of objects written."""
    buffer = io.StringIO()
    call_command(
        "dumpdata",
        *[f"--exclude={label}" for label in EXCLUDED],
        "--natural-foreign",
        "--indent=0",
        stdout=buffer,
    )
    text = buffer.getvalue()
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    return len(json.loads(text))


def backup_restore(path: Path) -> None:
    """Replace the database's content with the backup, in one transaction."""
    if not path.name.endswith(".json.gz"):
        raise ValueError("A backup file ends with .json.gz")
    with transaction.atomic():
        call_command("flush", "--no-input", verbosity=0)
        # flush's post_migrate recreated content types and permissions (which the backup refers
        # to by natural key) but also the roles and regimens, which the backup holds with their
        # primary keys: those go, so that every row comes back with its own key.
        for model in backed_up_models():
            for field in model._meta.many_to_many:
                through = field.remote_field.through  # None only before the models load
                if through is not None:
                    through._base_manager.all()._raw_delete(through._base_manager.db)
            model._base_manager.all()._raw_delete(model._base_manager.db)
        with restoring_backup():
            call_command("loaddata", str(path), verbosity=0)
        backup_restored.send(sender=backup_restore)
