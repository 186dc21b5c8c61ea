"""The stock pages: the stock by presentation and lot, a reception (scan or typed), a lot's
movements, and its waste, return and inventory forms. Pharmacists and administrators write;
department heads read the stock (planning, costs); clinicians do not see it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from belimumab.core.views import save_form
from belimumab.stock import selectors, services
from belimumab.stock.forms import CountForm, ReceptionForm, RemovalForm
from belimumab.stock.models import VialLot


@permission_required("stock.view_viallot", raise_exception=True)
def stock_page(request: HttpRequest) -> HttpResponse:
    show_empty = request.GET.get("empty") == "1"
    today = timezone.localdate()
    return render(
        request,
        "stock/stock.html",
        {
            "stock": selectors.stock_overview(today, show_empty=show_empty),
            "show_empty": show_empty,
            "today": today,
        },
    )


@permission_required("stock.add_stockmovement", raise_exception=True)
def receive(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ReceptionForm(request.POST or None, initial={"on_date": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = save_form(
            form,
            lambda: services.lot_receive(
                presentation=data["presentation"],
                number=data["number"],
                expiry=data["expiry"],
                vials=data["vials"],
                on_date=data["on_date"],
                user=request.user,
                gtin=data["gtin"],
                serial=data["serial"],
                reason=data["reason"],
            ),
        )
        if outcome.saved:
            messages.success(request, _("Received: %(lot)s.") % {"lot": outcome.value.lot})
            return redirect("stock:receive")
    return render(request, "stock/receive.html", {"form": form})


@permission_required("stock.view_viallot", raise_exception=True)
def lot_page(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(VialLot, pk=pk)
    movements = selectors.lot_movements(lot)
    return render(
        request,
        "stock/lot.html",
        {"lot": lot, "movements": movements, "on_hand": sum(m.quantity for m in movements)},
    )


@permission_required("stock.add_stockmovement", raise_exception=True)
def lot_remove(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(VialLot, pk=pk, is_active=True)
    form = RemovalForm(request.POST or None, initial={"on_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = save_form(
            form,
            lambda: services.lot_remove(lot=lot, user=request.user, **data),
        )
        if outcome.saved:
            messages.success(request, _("Movement recorded."))
            return redirect("stock:lot", pk=lot.pk)
    title = _("Waste or return")
    return render(request, "stock/lot_form.html", {"lot": lot, "form": form, "title": title})


@permission_required("stock.add_stockmovement", raise_exception=True)
def lot_count(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(VialLot, pk=pk, is_active=True)
    form = CountForm(request.POST or None, initial={"on_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form, lambda: services.lot_count(lot=lot, user=request.user, **form.cleaned_data)
        )
        if outcome.saved:
            if outcome.value is None:
                messages.info(request, _("The count agrees with the stock: nothing to correct."))
            else:
                messages.success(request, _("Inventory correction recorded."))
            return redirect("stock:lot", pk=lot.pk)
    title = _("Inventory count")
    return render(request, "stock/lot_form.html", {"lot": lot, "form": form, "title": title})
