"""Reads of a patient's record are logged: one INSERT per page, after a successful response.

A middleware rather than a line in each view: the views live in lower layers (clinical,
patients, reports) that cannot import this app, and a table of URL names keeps the list of
what counts as a read in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from belimumab.accounts.models import ReadKind, RecordRead

# URL name -> what was read; the `pk` argument of these URLs is the patient's
READS = {
    "clinical:patient_detail": ReadKind.PATIENT_PAGE,
    "clinical:timeline": ReadKind.TIMELINE,
    "pharmacy:patient_lots": ReadKind.PATIENT_PAGE,  # the lots a patient received
    "patients:history": ReadKind.HISTORY,
    "reports:export": ReadKind.EXPORT,
}


def record_reads(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        match = request.resolver_match
        kind = READS.get(match.view_name) if match else None
        if kind is None or response.status_code != 200 or not request.user.is_authenticated:
            return response
        assert match is not None
        arguments = match.kwargs
        detail = ""
        if kind == ReadKind.EXPORT:
            detail = f"{arguments.get('kind', '')}.{arguments.get('fmt', '')}"[:60]
        RecordRead.objects.create(
            user_id=request.user.pk, patient_id=arguments.get("pk"), kind=kind, detail=detail
        )
        return response

    return middleware
