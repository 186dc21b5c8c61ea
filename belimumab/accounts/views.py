from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from belimumab.accounts.audit_log import PAGE_SIZE, AuditRow, FeedRow, audit_rows, feed_page
from belimumab.accounts.forms import AuditFilterForm, AuditPeriodForm
from belimumab.core.exports import safe_cell


class _Echo:
    def write(self, value: str) -> str:
        return value


@permission_required("patients.export_audit", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponseBase:
    """Administrators read the log newest first, filtered and paged; the CSV holds a period's
    clinical changes."""
    if request.GET.get("format") == "csv":
        period = AuditPeriodForm(request.GET)
        if period.is_valid():
            return _csv_response(audit_rows(*period.bounds()), period)
    form = AuditFilterForm(request.GET if "start" in request.GET else _last_30_days())
    rows: list[FeedRow] = []
    total = 0
    page = _page_number(request)
    if form.is_valid():
        rows, total = feed_page(form.filters(), page)
    pages = max(1, -(-total // PAGE_SIZE))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "query": query.urlencode(),
        },
    )


def _last_30_days() -> dict[str, date]:
    today = timezone.localdate()
    return {"start": today - timedelta(days=30), "end": today}


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _csv_response(rows: Iterable[AuditRow], form: AuditPeriodForm) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = ["when", "who", "model", "record_id", "patient", "action", "reason", "changes"]

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            changes = json.dumps(
                [{"field": f, "before": b, "after": a} for f, b, a in row.changes],
                default=str,
                ensure_ascii=False,
            )
            yield writer.writerow(
                [
                    safe_cell(value)
                    for value in (
                        row.when.isoformat(),
                        row.who,
                        row.model,
                        row.record_id,
                        row.patient,
                        row.action,
                        row.reason,
                        changes,
                    )
                ]
            )

    name = f"audit_{form.cleaned_data['start']}_{form.cleaned_data['end']}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
