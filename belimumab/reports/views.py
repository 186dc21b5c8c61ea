"""The department head's cohort dashboard and its exports.

One pipeline for the page, the exports and `manage.py cohort_report`:
`selectors.cohort_report(filters)` (seven queries) -> dataset and report dict (no ORM) ->
`presenters.present` for the page's tables and figures. An export is a background task
(`jobs`): the file comes at once when the task ran in the request (DEBUG), else the export's page
follows the worker and offers the file when it is built.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from belimumab.core.collector import cycle_collector_paused
from belimumab.core.worker import uses_worker
from belimumab.reports import exports, selectors
from belimumab.reports.forms import CohortFilterForm
from belimumab.reports.jobs import report_job_request
from belimumab.reports.models import ReportJob, ReportState
from belimumab.reports.presenters import present

PERMISSION = "patients.view_cohort_report"


@require_safe
@permission_required("patients.view_cohort_report", raise_exception=True)
@cycle_collector_paused()  # the page's tables and figures too, not only the report
def dashboard(request: HttpRequest) -> HttpResponse:
    form = CohortFilterForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    filters = form.filters() if valid else selectors.CohortFilters()
    as_of = form.cut_off() if valid else timezone.localdate()
    ds, report = selectors.cohort_report(filters, as_of)
    query = request.GET.urlencode() if valid else ""
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "report": report,
            "as_of": as_of,
            **present(ds, report),
            "export_links": links(query),
        },
    )


@require_safe
@permission_required(PERMISSION, raise_exception=True)
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Ask for an export: its file when already built (tasks run in the request), else the
    export's page while the worker builds it."""
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404
    form = CohortFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain")
    job = report_job_request(
        owner=request.user,
        kind=kind,
        fmt=fmt,
        query=request.GET.urlencode() if form.is_bound else "",
        language=get_language(),
    )
    if job.state == ReportState.DONE:
        return _file(job)
    return redirect("reports:export_job", job_id=job.pk)


def _job(request: HttpRequest, job_id: str) -> ReportJob:
    """The export, for its owner only (404 otherwise: its existence is not revealed)."""
    job = ReportJob.objects.filter(pk=job_id, owner_id=request.user.pk).first()
    if job is None:
        raise Http404
    return job


def _file(job: ReportJob) -> HttpResponse:
    response = HttpResponse(bytes(job.content or b""), content_type=exports.CONTENT_TYPES[job.fmt])
    filename = exports.filename(job.kind, job.fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@never_cache
@permission_required(PERMISSION, raise_exception=True)
def export_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """The export's page: waiting, running, failed, or its download link."""
    job = _job(request, job_id)
    context = {"job": job, "needs_worker": uses_worker()}
    return render(request, "reports/export_job.html", context)


@require_safe
@never_cache
@permission_required(PERMISSION, raise_exception=True)
def export_job_status(request: HttpRequest, job_id: str) -> JsonResponse:
    """What the page's script polls."""
    job = ReportJob.objects.filter(pk=job_id, owner_id=request.user.pk).only("state").first()
    if job is None:
        raise Http404
    finished = job.state in (ReportState.DONE, ReportState.FAILED)
    return JsonResponse({"state": job.state, "finished": finished, "phase": "", "percent": 0})


@require_safe
@permission_required(PERMISSION, raise_exception=True)
def export_download(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _job(request, job_id)
    if job.state != ReportState.DONE:
        raise Http404
    return _file(job)


def links(query: str) -> list[dict[str, str]]:
    suffix = f"?{query}" if query else ""
    names = {"dataset": _("Analysis dataset"), "report": _("Report")}
    format_names = {
        "csv": "CSV",
        "csv_fr": _("CSV, French spreadsheet"),
        "xlsx": _("XLSX, one sheet per table"),
        "json": "JSON",
    }
    return [
        {
            "kind": kind,
            "label": names[kind],
            "fmt": fmt,
            "format_label": "XLSX" if (kind, fmt) == ("dataset", "xlsx") else format_names[fmt],
            "url": reverse("reports:export", kwargs={"kind": kind, "fmt": fmt}) + suffix,
        }
        for kind in exports.KINDS
        for fmt in exports.FORMATS
    ]
