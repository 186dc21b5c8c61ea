"""The preparation sheet: the page, its PDF, the PDF of a day's sheets, and their archive.

Printing (the PDFs, the day's page, a reprint) is for the roles holding
`pharmacy.add_printedsheet` (pharmacists and administrators), which also see names and birth
dates: a printed PDF keeps them for good. The page itself stays open to every role that sees
infusions, names shown to those who may (`patients.view_identity`).
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from belimumab.pharmacy import printing, selectors
from belimumab.pharmacy.forms import parse_day
from belimumab.pharmacy.models import PrintedSheet

PRINT = "pharmacy.add_printedsheet"
IDENTITY = "patients.view_identity"


def _may_print(request: HttpRequest) -> bool:
    return request.user.has_perm(PRINT) and request.user.has_perm(IDENTITY)


def _check_print(request: HttpRequest) -> None:
    if not _may_print(request):
        raise PermissionDenied


def _pdf(printed: PrintedSheet, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(printed.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _day(raw: str | None) -> date:
    """The day asked (`?date=YYYY-MM-DD`), today when none; a day that is no date: 404."""
    if not raw:
        return timezone.localdate()
    day = parse_day(raw)
    if day is None:
        raise Http404(_("Unknown date."))
    return day


@require_GET
@permission_required("pharmacy.view_infusion", raise_exception=True)
def infusion_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    infusion = printing.sheet_infusion(pk)
    if infusion is None:
        raise Http404
    may_print = _may_print(request)
    return render(
        request,
        "pharmacy/infusion_sheet.html",
        {
            "sheet": selectors.preparation_sheet(infusion=infusion),
            "infusion": infusion,
            "identity": request.user.has_perm(IDENTITY),
            "header": printing.header(),
            "may_print": may_print,
            "archive": printing.archive_state(printing.sheet(infusion)) if may_print else None,
        },
    )


@require_GET
def infusion_sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet as first printed (printed and archived now if it never was)."""
    _check_print(request)
    infusion = printing.sheet_infusion(pk)
    if infusion is None:
        raise Http404
    printed = printing.printed_sheet_get_or_print(
        printable=printing.sheet(infusion), user=request.user
    )
    return _pdf(printed, f"sheet-{infusion.date.isoformat()}-{infusion.pk}-v{printed.version}.pdf")


@require_POST
def infusion_sheet_reprint(request: HttpRequest, pk: int) -> HttpResponse:
    """After a correction: the next version of the sheet; the earlier ones stay archived."""
    _check_print(request)
    infusion = printing.sheet_infusion(pk)
    if infusion is None:
        raise Http404
    _reprint(request, printing.sheet(infusion))
    return redirect("pharmacy:infusion_sheet", pk=infusion.pk)


def _reprint(request: HttpRequest, printable: printing.Printable) -> None:
    """Print the next version of a sheet or a day's sheets, and say so (or why not)."""
    try:
        printed = printing.printed_sheet_reprint(printable=printable, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Corrected version %(version)s printed.") % {"version": printed.version}
        )


@require_GET
def day_sheets(request: HttpRequest) -> HttpResponse:
    """A day's infusions, the PDF of their sheets and its archive (the worklist's date choice)."""
    _check_print(request)
    printable = printing.day_sheets(_day(request.GET.get("date")))
    return render(
        request,
        "pharmacy/day_sheets.html",
        {
            "day": printable.day,
            "infusions": printable.infusions,
            "archive": printing.archive_state(printable),
        },
    )


@require_GET
def day_sheets_pdf(request: HttpRequest) -> HttpResponse:
    """All the sheets of a day in one PDF, one per page, as first printed."""
    _check_print(request)
    printable = printing.day_sheets(_day(request.GET.get("date")))
    try:
        printed = printing.printed_sheet_get_or_print(printable=printable, user=request.user)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
    return _pdf(printed, f"sheets-{printable.day.isoformat()}-v{printed.version}.pdf")


@require_POST
def day_sheets_reprint(request: HttpRequest) -> HttpResponse:
    _check_print(request)
    day = _day(request.POST.get("date"))
    _reprint(request, printing.day_sheets(day))
    return redirect(f"{reverse('pharmacy:day_sheets')}?date={day.isoformat()}")


@require_GET
@permission_required("pharmacy.view_printedsheet", raise_exception=True)
def printed_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """One archived print, any version, exactly as it was printed."""
    if not request.user.has_perm(IDENTITY):
        raise PermissionDenied
    printed = get_object_or_404(PrintedSheet, pk=pk)
    return _pdf(printed, f"{printed.kind}-{printed.day.isoformat()}-v{printed.version}.pdf")
