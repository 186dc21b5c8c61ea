"""Browser imports as background tasks (django-tasks): create, run, confirm, and their result.

The view stores the upload in the database and enqueues `run_import_job`; a worker (or, in
DEBUG, the request itself: settings.TASKS) checks the files and saves the problems and counts on
the job; the confirmation enqueues the same task again without `dry_run`. The worker copies the
upload into a temporary file of its own for the time of the task only (the readers stream from
a file), so nothing outlives a task on one machine.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks.signals import task_finished

from belimumab.cohort_io.models import CHUNK_BYTES, ImportChunk, ImportJob, JobState
from belimumab.cohort_io.results import Counts, ImportResult, Problem, Progress
from belimumab.cohort_io.services import cohort_import_steps

logger = logging.getLogger(__name__)
KEPT_UNCONFIRMED = timedelta(days=1)


def _name(upload: UploadedFile) -> str:
    return Path(upload.name or "upload").name


def _spool(files: list[UploadedFile], out: IO[bytes]) -> str:
    """Write the uploads into `out` as one .xlsx or .zip (CSV files zipped); its file name."""
    name = _name(files[0]).lower()
    if len(files) == 1 and name.endswith((".xlsx", ".zip")):
        for chunk in files[0].chunks():
            out.write(chunk)
        return "upload.xlsx" if name.endswith(".xlsx") else "upload.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for upload in files:
            with archive.open(_name(upload), "w", force_zip64=True) as member:
                for chunk in upload.chunks():
                    member.write(chunk)
    return "upload.zip"


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    stream.seek(0)
    while piece := stream.read(CHUNK_BYTES):
        yield piece


def import_job_create(*, owner: Any, files: list[UploadedFile], language: str) -> ImportJob:
    """Store the uploaded files as a new job (a dry run, queued) and enqueue it. Uploads left
    waiting for a confirmation for a day are removed first (their page says expired)."""
    stale = ImportJob.objects.filter(updated_at__lt=timezone.now() - KEPT_UNCONFIRMED, size__gt=0)
    ImportChunk.objects.filter(job__in=stale).delete()
    stale.update(size=0)
    with tempfile.SpooledTemporaryFile(max_size=CHUNK_BYTES) as spool:
        file_name = _spool(files, spool)
        with transaction.atomic():
            job = ImportJob.objects.create(
                owner=owner, file_name=file_name, size=spool.tell(), language=language
            )
            for index, piece in enumerate(_pieces(spool)):
                ImportChunk.objects.create(job=job, index=index, data=piece)
    _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    """Enqueue the job's task once its row is committed (a worker must find it); the
    immediate backend runs it right here."""
    result = run_import_job.enqueue(str(job.pk))
    # The immediate backend has already run it, and the task saved the job: only the id here.
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()


def can_confirm(job: ImportJob) -> bool:
    """A finished dry run without problems, with something to write, files still kept."""
    return (
        job.state == JobState.DONE
        and job.size > 0
        and job.dry_run
        and not job.problems
        and any(c[0] or c[1] for c in job.counts.values())
    )


def import_job_confirm(*, job: ImportJob) -> bool:
    """Queue the import of checked files; False when they cannot be (already imported, a
    problem, nothing to write). Two confirmations at once start one import (row lock)."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not can_confirm(locked):
            return False
        locked.dry_run = False
        locked.state = JobState.QUEUED
        locked.phase, locked.percent = "", 0
        locked.counts = {}
        locked.save()
    _enqueue(locked)
    job.refresh_from_db()
    return True


def job_result(job: ImportJob) -> ImportResult:
    """The job's outcome as the import's own result (the report template shows it)."""
    return ImportResult(
        dry_run=job.dry_run,
        problems=[Problem(*row) for row in job.problems],
        counts={name: Counts(*row) for name, row in job.counts.items()},
        written=job.written,
    )


@contextmanager
def _upload_file(job: ImportJob) -> Iterator[Path]:
    """The job's upload as a temporary file of this worker, removed after the task."""
    with tempfile.TemporaryDirectory(prefix="belimumab-import-") as folder:
        path = Path(folder) / job.file_name
        with path.open("wb") as out:
            for data in _chunks(job):
                out.write(data)
        yield path


def _chunks(job: ImportJob) -> Iterable[bytes]:
    ids = job.chunks.order_by("index").values_list("pk", flat=True)
    for pk in ids:  # one chunk in memory at a time
        yield bytes(ImportChunk.objects.values_list("data", flat=True).get(pk=pk))


@task()
def run_import_job(job_id: str) -> str:
    """Check (or import) the job's files, saving progress, problems and counts on the job."""
    job = ImportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.state != JobState.QUEUED:
        return "skipped"  # enqueued twice, or failed meanwhile: run a job once
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    with translation.override(job.language):
        result = _run(job)
    job.problems = [[p.file, p.line, p.column, p.message] for p in result.problems]
    job.counts = {n: [c.created, c.updated, c.unchanged] for n, c in result.counts.items()}
    job.written = result.written
    job.state = JobState.DONE
    job.phase, job.percent = "", 100
    # Not task_id: the server that enqueued this task may be writing it at the same moment.
    job.save(
        update_fields=["problems", "counts", "written", "state", "phase", "percent", "updated_at"]
    )
    if not can_confirm(job):
        _forget_upload(job)  # only files waiting for their confirmation are kept
    return job.state


def _forget_upload(job: ImportJob) -> None:
    job.chunks.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(size=0)
    job.size = 0


def _run(job: ImportJob) -> ImportResult:
    """The import's result; a crash is logged and becomes a problem (its transaction rolled
    back: nothing was written)."""
    last: tuple[str, int] = ("", -1)
    result: ImportResult | None = None
    try:
        with _upload_file(job) as path:
            steps = cohort_import_steps(source=path, user=job.owner, dry_run=job.dry_run)
            for step in steps:
                if isinstance(step, ImportResult):
                    result = step
                elif isinstance(step, Progress):
                    last = _progress(job, step, last)
        if result is None:
            raise RuntimeError("cohort_import_steps ended without its result")
    except Exception:
        logger.exception("cohort import job %s failed", job.pk)
        message = _("the import failed unexpectedly; nothing was written (the log has the error)")
        result = ImportResult(dry_run=job.dry_run, problems=[Problem("-", 1, "-", str(message))])
    return result


def _progress(job: ImportJob, step: Progress, last: tuple[str, int]) -> tuple[str, int]:
    """Save the step when its phase or percentage changed (at most 100 writes a phase)."""
    percent = 100 * step.done // step.total if step.total else 100
    if (step.phase, percent) != last:
        ImportJob.objects.filter(pk=job.pk).update(phase=step.phase, percent=percent)
    return (step.phase, percent)


@receiver(task_finished)
def _job_of_a_failed_task(sender: Any, task_result: TaskResult, **kwargs: Any) -> None:
    """A task that failed outside the import's own handling (its worker killed: see
    core.worker) fails its job, with a message saying so, instead of "running" forever."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    jobs = ImportJob.objects.filter(
        task_id=str(task_result.id), state__in=[JobState.QUEUED, JobState.RUNNING]
    )
    for job in jobs:
        with translation.override(job.language):
            message = _(
                "the worker stopped while these files were processed; nothing was written: "
                "upload them again"
            )
        job.state = JobState.FAILED
        job.problems = [["-", 1, "-", str(message)]]
        job.save(update_fields=["state", "problems", "updated_at"])
        _forget_upload(job)
