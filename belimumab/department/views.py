"""The department's settings screens: administrators only (and superusers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from belimumab.core.views import save_form
from belimumab.department import selectors, services
from belimumab.department.forms import (
    DepartmentForm,
    LabTestSettingForm,
    VersionForm,
    VialPriceForm,
)
from belimumab.department.models import LabTestSetting, VialPrice


@permission_required("department.view_department", raise_exception=True)
def settings_page(request: HttpRequest) -> HttpResponse:
    """Every setting, every price with its dates, every lab test, and their history."""
    return render(
        request,
        "department/settings.html",
        {
            "department": selectors.department_row(),
            "prices": selectors.vial_prices(),
            "labs": selectors.lab_rows(),
            "entries": selectors.settings_history(),
        },
    )


@permission_required("department.change_department", raise_exception=True)
def department_edit(request: HttpRequest) -> HttpResponse:
    department = selectors.department_row()
    if department is None:
        raise Http404
    form = DepartmentForm(
        request.POST or None, instance=department, initial={"version": department.version}
    )
    stale = None
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.department_update(
                department=form.instance,
                user=request.user,
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(request, _("Department settings saved."))
            return redirect("department:settings")
        stale = outcome.conflict
    return render(
        request,
        "department/form.html",
        {"form": form, "stale": stale, "title": _("General settings")},
    )


@permission_required("department.add_vialprice", raise_exception=True)
def price_add(request: HttpRequest) -> HttpResponse:
    form = VialPriceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = save_form(
            form,
            lambda: services.vial_price_add(
                vial_mg=data["vial_mg"],
                price=data["price"],
                effective_from=data["effective_from"],
                user=request.user,
            ),
        )
        if outcome.saved:
            messages.success(request, _("Vial price saved."))
            return redirect("department:settings")
    return render(request, "department/form.html", {"form": form, "title": _("New vial price")})


@require_POST
@permission_required("department.change_vialprice", raise_exception=True)
def price_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """A price entered by mistake stops counting; its history stays."""
    price = get_object_or_404(VialPrice, pk=pk, is_active=True)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was deactivated: reload the page and try again."))
        return redirect("department:settings")
    outcome = save_form(
        form,
        lambda: services.vial_price_deactivate(
            price=price, user=request.user, expected_version=form.cleaned_data["version"]
        ),
    )
    if outcome.saved:
        messages.success(request, _("Vial price deactivated."))
    elif outcome.conflict is not None:
        messages.error(request, _("This price changed meanwhile: nothing was deactivated."))
    else:
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect("department:settings")


@permission_required("department.change_labtestsetting", raise_exception=True)
def lab_edit(request: HttpRequest, test: str) -> HttpResponse:
    lab = get_object_or_404(LabTestSetting, test=test)
    form = LabTestSettingForm(request.POST or None, instance=lab, initial={"version": lab.version})
    stale = None
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.lab_setting_update(
                lab=form.instance,
                user=request.user,
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(request, _("Lab test settings saved."))
            return redirect("department:settings")
        stale = outcome.conflict
    return render(
        request,
        "department/form.html",
        {"form": form, "stale": stale, "title": lab.get_test_display()},
    )
