"""The department head's cohort dashboard and its exports.

One pipeline for the page, the exports and `manage.py cohort_report`:
`selectors.cohort_report(filters)` (seven queries) -> dataset and report dict (no ORM) ->
`presenters.present` for the page's tables and figures.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from belimumab.core.collector import cycle_collector_paused
from belimumab.reports import exports, selectors
from belimumab.reports.forms import CohortFilterForm
from belimumab.reports.presenters import present


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
@permission_required("patients.view_cohort_report", raise_exception=True)
@cycle_collector_paused()
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404
    form = CohortFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain")
    filters = form.filters() if form.is_bound else selectors.CohortFilters()
    ds, report = selectors.cohort_report(filters, form.cut_off() if form.is_bound else None)
    response = HttpResponse(
        exports.export_bytes(kind, fmt, ds, report), content_type=exports.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(kind, fmt)}"'
    return response


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
