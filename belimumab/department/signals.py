"""Seeding at installation and after a restore (connected by DepartmentConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_migrate
from django.dispatch import receiver

from belimumab.core.signals import backup_restored
from belimumab.department import selectors, services


@receiver(post_migrate, dispatch_uid="belimumab.department.seed")
def seed_after_migrate(sender: Any, **kwargs: Any) -> None:
    """Environment variables seed the settings once: when the tables are still empty."""
    if sender.name == "belimumab.department":
        services.department_seed()


@receiver(backup_restored, dispatch_uid="belimumab.department.restored")
def rebuild_after_restore(sender: Any = None, **kwargs: Any) -> None:
    """A backup carries the settings (and, since this app, their snapshot): rebuild anyway,
    so a backup written before the settings screens gets the seed."""
    selectors.forget()
    services.department_seed()
    services.snapshot_refresh()
