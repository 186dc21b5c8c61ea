"""Shared base for clinical records: timestamps, soft deactivation, version, audit history."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class HardDeleteForbidden(Exception):
    """Clinical data is never hard-deleted: deactivate it instead (is_active=False)."""


class ClinicalQuerySet(models.QuerySet):
    def active(self) -> ClinicalQuerySet:
        return self.filter(is_active=True)

    def delete(self) -> Any:
        raise HardDeleteForbidden(_("Clinical data cannot be deleted; deactivate it instead."))


class ClinicalModel(models.Model):
    """Base of every clinical record.

    `version` grows at each save so that two people editing the same record are detected
    (optimistic concurrency); `history` (django-simple-history) keeps who, when and every
    previous state, so before/after values are always recoverable.
    """

    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(inherit=True)

    objects = ClinicalQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise HardDeleteForbidden(_("Clinical data cannot be deleted; deactivate it instead."))


class WorkerHeartbeat(models.Model):
    """A task worker's last sign of life (`manage.py run_worker` writes it every few seconds).

    Operational, not clinical: one row per worker process, overwritten, neither audited nor
    backed up. The health check reads the newest; a worker silent too long is taken for dead and
    the tasks it was running are failed (`core.worker.fail_abandoned_tasks`).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} {self.seen_at.isoformat()}"


class ConfirmedChecks(models.Model):
    """A record whose values may lie beyond their usual limits once confirmed (DOMAIN.md
    "Plausibility of what is entered"): the codes of the checks the user confirmed
    (`belimumab.domain.plausibility.CONFIRMABLE`), kept with the record and in its history."""

    confirmed_checks = models.JSONField(_("confirmed values"), default=list, blank=True)

    class Meta:
        abstract = True
