"""Traceability pages (issue 14): a lot's recipients (with its CSV and XLSX exports) and a
patient's lots. Every role reads them: pharmacists and administrators answer a recall or an
inspection, clinicians must know which of their patients received a recalled lot, department
heads read every infusion already (patient codes only; the exports never carry names)."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from belimumab.patients.models import Patient
from belimumab.pharmacy import traceability
from belimumab.stock.models import VialLot

_EXPORTS = {
    "csv": ("text/csv; charset=utf-8", traceability.lot_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        traceability.lot_xlsx,
    ),
}


@require_GET
@permission_required("pharmacy.view_infusionlot", raise_exception=True)
def lot_traceability(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(VialLot, pk=pk)
    recipients = traceability.lot_recipients(lot)
    export = _EXPORTS.get(request.GET.get("format", ""))
    if export is not None:
        content_type, write = export
        fmt = request.GET["format"]
        name = re.sub(r"[^A-Za-z0-9._-]", "_", f"lot-{lot.presentation}-{lot.number}")
        response = HttpResponse(write(lot, recipients), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response
    return render(
        request,
        "pharmacy/lot_traceability.html",
        {
            "lot": lot,
            "recipients": recipients,
            "patients": len({row.patient_pk for row in recipients}),
            "vials": sum(row.vials for row in recipients),
        },
    )


@require_GET
@permission_required("pharmacy.view_infusionlot", raise_exception=True)
def patient_lots(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk)
    return render(
        request,
        "pharmacy/patient_lots.html",
        {"patient": patient, "lots": traceability.patient_lots(patient)},
    )
