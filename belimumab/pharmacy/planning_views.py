"""The planning page (issue 14): vials and pens per day over the worklist's days ahead against
the stock, the first short day, the order suggested. It reads the worklist and the stock:
pharmacists, administrators and department heads (who read the stock for planning and costs);
clinicians see neither the stock nor this page. No patient is named on it."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from belimumab.pharmacy.planning import planning

PERMISSIONS = ("pharmacy.view_infusion", "stock.view_viallot")


@require_GET
@permission_required(PERMISSIONS, raise_exception=True)
def planning_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "pharmacy/planning.html", {"planning": planning(today=timezone.localdate())}
    )
