"""Cohort exports as background tasks (django-tasks): the same pipeline as the dashboard.

The export view asks for a job (`report_job_request`); a worker builds the file
(`build_report_export`) and stores it on the job, which the owner downloads. In DEBUG the
immediate backend builds it inside the request, so the view answers with the file at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.http import QueryDict
from django.utils import timezone, translation
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks.signals import task_finished

from belimumab.core.collector import cycle_collector_paused
from belimumab.reports import exports, selectors
from belimumab.reports.forms import CohortFilterForm
from belimumab.reports.models import ReportJob, ReportState

logger = logging.getLogger(__name__)
KEPT = timedelta(days=1)


def report_job_request(*, owner: Any, kind: str, fmt: str, query: str, language: str) -> ReportJob:
    """The owner's export of (kind, fmt, filters): the one already waiting or running, else a
    new job, enqueued. Exports older than a day are removed first."""
    ReportJob.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
    waiting = ReportJob.objects.filter(
        owner=owner,
        kind=kind,
        fmt=fmt,
        query=query,
        language=language,
        state__in=[ReportState.QUEUED, ReportState.RUNNING],
    ).first()
    if waiting is not None:
        return waiting
    with transaction.atomic():
        job = ReportJob.objects.create(
            owner=owner, kind=kind, fmt=fmt, query=query, language=language
        )
    result = build_report_export.enqueue(str(job.pk))
    ReportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


@task()
def build_report_export(job_id: str) -> str:
    """Build the job's file from the database as it is now, and store it on the job."""
    job = ReportJob.objects.filter(pk=job_id, state=ReportState.QUEUED).first()
    if job is None:
        return "skipped"
    ReportJob.objects.filter(pk=job.pk).update(state=ReportState.RUNNING)
    try:
        with translation.override(job.language), cycle_collector_paused():
            job.content = _build(job)
        job.state = ReportState.DONE
    except Exception:
        logger.exception("cohort export job %s failed", job.pk)
        job.state = ReportState.FAILED
    job.save(update_fields=["content", "state", "updated_at"])
    return job.state


def _build(job: ReportJob) -> bytes:
    form = CohortFilterForm(QueryDict(job.query) if job.query else None)
    if form.is_bound and not form.is_valid():  # checked by the view: a changed rule since
        raise ValueError(form.errors.as_text())
    filters = form.filters() if form.is_bound else selectors.CohortFilters()
    ds, report = selectors.cohort_report(filters, form.cut_off() if form.is_bound else None)
    return exports.export_bytes(job.kind, job.fmt, ds, report)


@receiver(task_finished)
def _job_of_a_failed_task(sender: Any, task_result: TaskResult, **kwargs: Any) -> None:
    """A task failed outside the job's own handling (its worker killed): the job failed."""
    if task_result.status == TaskResultStatus.FAILED:
        ReportJob.objects.filter(
            task_id=str(task_result.id), state__in=[ReportState.QUEUED, ReportState.RUNNING]
        ).update(state=ReportState.FAILED)
