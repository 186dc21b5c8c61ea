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
