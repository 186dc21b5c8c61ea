"""A cohort export built by the task worker (`reports.jobs`): its request, state and file.

Operational, not clinical: kept a day for its download, then removed; not backed up.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ReportJob(models.Model):
    """One export of the dashboard (kind, format, the filters' query string), for its owner."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    kind = models.CharField(max_length=10)
    fmt = models.CharField(max_length=10)
    query = models.TextField(blank=True)
    language = models.CharField(max_length=10)
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.QUEUED)
    content = models.BinaryField(null=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"], name="reportjob_owner_recent")]

    def __str__(self) -> str:
        return f"export {self.kind}.{self.fmt} {self.state}"

    @property
    def finished(self) -> bool:
        return self.state in (ReportState.DONE, ReportState.FAILED)
