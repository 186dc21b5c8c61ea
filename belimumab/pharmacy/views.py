"""Pharmacy views: worklist, record / correct / deactivate an infusion, live dose plan (the
preparation sheet and its PDFs: sheets.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format, sanitize_separators
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from belimumab.core import labels
from belimumab.core.forms import DeactivateForm
from belimumab.core.templatetags.belimumab import current_app, pk_url
from belimumab.core.views import save_form
from belimumab.domain.worklist import DUE, FIRST_INFUSION, OVERDUE, TO_REVIEW
from belimumab.patients.models import Patient, Route
from belimumab.pharmacy import doses, draws, selectors, services, traceability
from belimumab.pharmacy.display import vials_text, worklist_lines, worklist_words
from belimumab.pharmacy.forms import InfusionForm, parse_day
from belimumab.pharmacy.models import Infusion


def _identity(request: HttpRequest) -> bool:
    return request.user.has_perm("patients.view_identity")


@require_GET
@permission_required("pharmacy.view_infusion", raise_exception=True)
def worklist(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    pages = {kind: _page_number(request.GET.get(kind)) for kind in selectors.WORKLIST_SECTIONS}
    worklist = selectors.worklist(today=today, pages=pages, query=request.GET.get("q", "")[:40])
    identity = _identity(request)
    app = current_app(request)
    links: dict[str, Any] = {  # worklist_lines' keyword arguments
        "today": today,
        "identity": identity,
        "patient_url": pk_url("clinical:patient_detail", current_app=app),
        "record_url": pk_url("pharmacy:infusion_record", current_app=app)
        if request.user.has_perm("pharmacy.add_infusion")
        else None,
        "end_url": _end_follow_up_url(request, app),
        "words": worklist_words(),
    }
    titles = {
        DUE: (_("Due"), "primary"),
        OVERDUE: (_("Overdue"), "danger"),
        TO_REVIEW: (_("To review"), "secondary"),
        FIRST_INFUSION: (_("First infusion due"), "info"),
    }
    totals = [(day, vials_text(vials)) for day, vials in worklist.vials_per_day]
    return render(
        request,
        "pharmacy/worklist.html",
        {
            "worklist": worklist,
            "identity": identity,
            "sections": [
                (
                    section,
                    *titles[kind],
                    _pager(request, section),
                    totals if kind == DUE else None,
                    worklist_lines(section, **links, to_review=kind == TO_REVIEW),
                )
                for kind, section in worklist.sections.items()
            ],
        },
    )


def _end_follow_up_url(request: HttpRequest, app: str | None) -> Callable[[int], str] | None:
    """Course pk -> its end-of-follow-up form, coming back to this page; None without the
    permission."""
    if not request.user.has_perm("patients.end_follow_up"):
        return None
    back = f"next={urlencode(request.get_full_path())}"  # the template filter: "/" kept
    form_url = pk_url("patients:course_follow_up_end", current_app=app)

    def link(pk: int) -> str:
        return f"{form_url(pk)}?{back}"

    return link


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def _pager(request: HttpRequest, section: selectors.WorklistSection) -> dict[str, str | None]:
    """Query strings of the previous and next pages of one section (the others keep theirs)."""

    def link(page: int) -> str:
        params = request.GET.copy()
        params[section.kind] = str(page)
        return "?" + params.urlencode()

    return {
        "previous": link(section.page - 1) if section.has_previous else None,
        "next": link(section.page + 1) if section.has_next else None,
    }


_SAVED = {  # (IV, SC): an SC record is a dispensation of pens
    "recorded": (
        gettext_lazy("Infusion recorded for %(code)s."),
        gettext_lazy("Dispensation recorded for %(code)s."),
    ),
    "corrected": (
        gettext_lazy("Infusion of %(code)s corrected."),
        gettext_lazy("Dispensation of %(code)s corrected."),
    ),
    "deactivated": (
        gettext_lazy("Infusion of %(code)s deactivated."),
        gettext_lazy("Dispensation of %(code)s deactivated."),
    ),
}


def _saved_message(request: HttpRequest, infusion: Infusion, what: str, route: str) -> None:
    """`route` from the course the view already read (the saved record's is not loaded)."""
    status = selectors.patient_next_due(patient=infusion.patient, today=timezone.localdate())
    sc = route == Route.SC
    text = str(_SAVED[what][sc]) % {"code": infusion.patient.code}
    if status is not None:
        due = (
            _("Next dispensation due on %(date)s (%(label)s).")
            if sc
            else _("Next infusion (%(label)s) due on %(date)s.")
        )
        text += " " + due % {
            "label": labels.cycle_label(status.cycle_label),
            "date": date_format(status.next_due, "SHORT_DATE_FORMAT"),
        }
    messages.success(request, text)


def _drawn_message(request: HttpRequest, infusion: Infusion) -> None:
    """The lots the record drew from the stock, so the pharmacist sees what was taken."""
    drawn = traceability.infusion_draws(infusion)
    if drawn:
        lots = ", ".join(f"{draw.lot.number} \u00d7 {draw.vials}" for draw in drawn)
        messages.info(request, _("Lots drawn from the stock: %(lots)s.") % {"lots": lots})


def _form_page(
    request: HttpRequest,
    *,
    patient: Patient,
    form: InfusionForm,
    infusion: Infusion | None = None,
    stale: dict[str, Any] | None = None,
    known: tuple[date, selectors.InfusionContext] | None = None,
) -> HttpResponse:
    """The infusion form with the dose plan computed server-side for what is typed.

    `known`: a context the view already read for a date, reused when the form is for that date
    (a new infusion's form for today: two queries fewer)."""
    on_date = parse_day(form["date"].value()) or timezone.localdate()
    if known is not None and known[0] == on_date:
        ctx = known[1]
    else:
        ctx = selectors.infusion_context(
            patient=patient,
            on_date=on_date,
            exclude_pk=infusion.pk if infusion else None,
            course=infusion.course if infusion else None,
        )
    proposal = _proposal(ctx, form["weight_kg"].value(), on_date)
    pens = form["pens"].value() if "pens" in form.fields else None
    show_confirm = bool(
        form.errors.get("confirm_weight")
        or form["confirm_weight"].value()
        or (proposal and proposal.needs_weight_confirmation)
    )
    return render(
        request,
        "pharmacy/infusion_form.html",
        {
            "form": form,
            "patient": patient,
            "infusion": infusion,
            "context": ctx,
            "proposal": proposal,
            "show_confirm": show_confirm,
            "identity": _identity(request),
            "stale": stale,
            "max_weight": doses.setting("MAX_WEIGHT_KG"),
            "lot_proposals": draws.proposals_for(
                proposal,
                pens,
                on_date,
                form["prepared_dose_mg"].value() if "prepared_dose_mg" in form.fields else None,
            ),
            "current_draws": traceability.infusion_draws(infusion),
        },
    )


def _parse_weight(raw: Any) -> Decimal | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, Decimal):
        return raw
    try:
        value = Decimal(sanitize_separators(str(raw).strip()))
    except (InvalidOperation, ValueError):
        return None
    maximum = Decimal(str(doses.setting("MAX_WEIGHT_KG")))
    return value if value.is_finite() and 0 < value <= maximum else None


def _proposal(
    ctx: selectors.InfusionContext, raw_weight: Any, on: date | None = None
) -> doses.DoseProposal | None:
    regimen = ctx.regimen
    if regimen is None:
        return None
    try:
        return doses.dose_proposal(
            regimen=regimen,
            cycle_index=ctx.cycle_index,
            weight_kg=_parse_weight(raw_weight),
            previous_date=ctx.previous_date,
            previous_weight=ctx.previous_weight,
            on=on,  # the prices in force on the infusion's date
        )
    except ValueError:  # weight-based dose without a valid weight yet
        return None


@permission_required("pharmacy.add_infusion", raise_exception=True)
def infusion_record(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=patient_id, is_active=True)
    today = timezone.localdate()
    ctx = selectors.infusion_context(patient=patient, on_date=today)
    if ctx.course is None:
        messages.error(request, _("This patient has no belimumab course."))
        return redirect("clinical:patient_detail", pk=patient.pk)
    form = InfusionForm(
        request.POST or None,
        route=ctx.course.regimen.route,
        previous_pens=ctx.previous_pens,
        initial={"date": today, "prepared_by": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.infusion_record(
                patient=patient,
                user=request.user,
                fields=form.service_fields(),
                today=today,
                weight_confirmed=form.cleaned_data["confirm_weight"],
                confirmed=form.cleaned_data["confirmed"],
                lots=form.cleaned_data["lots"],
            ),
        )
        if outcome.saved:
            _saved_message(request, outcome.value, "recorded", ctx.course.regimen.route)
            _drawn_message(request, outcome.value)
            return redirect("clinical:patient_detail", pk=patient.pk)
    # nothing was written: today's context still holds
    return _form_page(request, patient=patient, form=form, known=(today, ctx))


@permission_required("pharmacy.change_infusion", raise_exception=True)
def infusion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    infusion = get_object_or_404(
        Infusion.objects.select_related("patient", "course__regimen"), pk=pk, is_active=True
    )
    form = InfusionForm(
        request.POST or None, route=infusion.course.regimen.route, instance=infusion
    )
    stale = None
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.infusion_update(
                infusion=infusion,
                user=request.user,
                fields=form.service_fields(),
                today=timezone.localdate(),
                expected_version=form.cleaned_data["version"],
                weight_confirmed=form.cleaned_data["confirm_weight"],
                confirmed=form.cleaned_data["confirmed"],
                lots=form.cleaned_data["lots"],
            ),
        )
        if outcome.saved:
            _saved_message(request, infusion, "corrected", infusion.course.regimen.route)
            _drawn_message(request, infusion)
            return redirect("clinical:patient_detail", pk=infusion.patient_id)
        stale = outcome.conflict
    return _form_page(request, patient=infusion.patient, form=form, infusion=infusion, stale=stale)


@permission_required("pharmacy.change_infusion", raise_exception=True)
def infusion_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm with a reason, then deactivate an infusion entered by mistake (never deleted)."""
    infusion = get_object_or_404(
        Infusion.objects.select_related("patient", "course__regimen"), pk=pk, is_active=True
    )
    form = DeactivateForm(request.POST or None, initial={"version": infusion.version})
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.infusion_deactivate(
                infusion=infusion,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
            conflict=DeactivateForm.changed_meanwhile,
        )
        if outcome.saved:
            _saved_message(request, infusion, "deactivated", infusion.course.regimen.route)
            return redirect("clinical:patient_detail", pk=infusion.patient_id)
    return render(
        request,
        "pharmacy/infusion_deactivate.html",
        {
            "form": form,
            "infusion": infusion,
            "identity": _identity(request),
            "draws": traceability.infusion_draws(infusion),
        },
    )


@require_GET
def dose_plan(request: HttpRequest) -> JsonResponse:
    """Live dose, vial plan and rounding for a typed weight (the server recomputes on POST)."""
    user = request.user
    if not (user.has_perm("pharmacy.add_infusion") or user.has_perm("pharmacy.change_infusion")):
        raise PermissionDenied
    try:
        patient_id = int(request.GET.get("patient", ""))
    except ValueError:
        return JsonResponse({"ok": False, "error": _("Unknown patient.")})
    patient = get_object_or_404(Patient, pk=patient_id, is_active=True)
    on_date = parse_day(request.GET.get("date", "")) or timezone.localdate()
    infusion = None
    if request.GET.get("infusion", "").isdigit():
        infusion = get_object_or_404(
            Infusion.objects.select_related("course__regimen"),
            pk=int(request.GET["infusion"]),
            patient=patient,
        )
    ctx = selectors.infusion_context(
        patient=patient,
        on_date=on_date,
        exclude_pk=infusion.pk if infusion else None,
        course=infusion.course if infusion else None,
    )
    raw = request.GET.get("weight", "")
    proposal = _proposal(ctx, raw, on_date)
    html = render_to_string(
        "pharmacy/_dose_plan.html",
        {
            "proposal": proposal,
            "context": ctx,
            "weight_typed": bool(raw.strip()),
            "max_weight": doses.setting("MAX_WEIGHT_KG"),
            "lot_proposals": draws.proposals_for(
                proposal, request.GET.get("pens"), on_date, request.GET.get("prepared")
            ),
        },
        request=request,
    )
    return JsonResponse(
        {
            "ok": proposal is not None,
            "html": html,
            "needs_weight_confirmation": bool(proposal and proposal.needs_weight_confirmation),
        }
    )
