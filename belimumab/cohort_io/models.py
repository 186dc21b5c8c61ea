"""A browser import as a background job: the uploaded file kept in the database, and its state.

The upload lives in the database (`ImportChunk` rows of at most CHUNK_BYTES, never one huge
value in memory), not in one server's temporary folder, so that any application server shows
the job and any worker runs it, and a restart of either loses nothing. Operational data, not
clinical: the chunks are removed once the files are imported or refused (only files waiting
for their confirmation stay), and jobs are not backed up.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CHUNK_BYTES = 4 * 2**20


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded cohort: checked (dry run), then, once confirmed, imported.

    `problems` is a list of [file, line, column, message]; `counts` maps each file to
    [created, updated, unchanged]. `task_id` is the django-tasks result of the current step.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    file_name = models.CharField(max_length=20)  # upload.zip or upload.xlsx: how to read it
    size = models.PositiveBigIntegerField(default=0)  # bytes stored; 0 once the upload is removed
    dry_run = models.BooleanField(default=True)
    language = models.CharField(max_length=10)  # the owner's: the problems are in it
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    phase = models.CharField(max_length=10, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    problems = models.JSONField(default=list)
    counts = models.JSONField(default=dict)
    written = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"], name="importjob_owner_recent")]

    def __str__(self) -> str:
        return f"import {self.id} {self.state}"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class ImportChunk(models.Model):
    """A piece of an uploaded file, in order."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="importchunk_job_index_unique")
        ]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.index}"
