from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render

from belimumab.accounts.audit_log import AuditRow, audit_rows
from belimumab.accounts.forms import AuditPeriodForm
from belimumab.core.exports import safe_cell

PREVIEW_ROWS = 200


class _Echo:
    def write(self, value: str) -> str:
        return value


@permission_required("patients.export_audit", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponseBase:
    """Administrators read the audit log of a period and download it as CSV."""
    form = AuditPeriodForm(request.GET or None)
    rows = None
    if form.is_valid():
        start, end = form.bounds()
        if request.GET.get("format") == "csv":
            return _csv_response(audit_rows(start, end), form)
        rows = list(audit_rows(start, end))
    return render(
        request,
        "accounts/audit_log.html",
        {"form": form, "rows": rows[:PREVIEW_ROWS] if rows else rows, "total": len(rows or [])},
    )


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
