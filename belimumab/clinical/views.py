"""Clinical pages: visit, labs, treatments and adverse events entry, timeline, adjudication,
audit history. Short views: permission, form, service or selector, render."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from belimumab.clinical import charts, display, selectors, services
from belimumab.clinical import sledai_labels as L
from belimumab.clinical.forms import (
    MODE_DESCRIPTORS,
    MODE_TOTAL,
    VISIT_FLARE_CHOICES,
    AdjudicationForm,
    AdverseEventForm,
    LabPanelForm,
    LabResultForm,
    TreatmentForm,
    VisitForm,
)
from belimumab.clinical.models import (
    Adjudication,
    AdverseEvent,
    LabResult,
    LabTest,
    TreatmentDose,
    Visit,
)
from belimumab.core.audit import record_history
from belimumab.core.forms import DeactivateForm
from belimumab.core.views import save_form
from belimumab.domain import response, sledai
from belimumab.patients.models import Patient

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _patient(pk: int) -> Patient:
    return get_object_or_404(Patient, pk=pk, is_active=True)


def _back(patient: Patient) -> HttpResponse:
    return redirect("clinical:timeline", pk=patient.pk)


# --- visits ------------------------------------------------------------------------------------


def _visit_input(data: dict[str, Any]) -> services.VisitInput:
    total_only = data["mode"] == MODE_TOTAL
    return services.VisitInput(
        date=data["date"],
        descriptors=None if total_only else list(data.get("descriptors") or []),
        recorded_total=data.get("recorded_total"),
        pga=data.get("pga"),
        flare=data.get("flare") or "",
        hospitalised=bool(data.get("hospitalised")),
        bilag_new_a=data.get("bilag_new_a"),
        bilag_new_b=data.get("bilag_new_b"),
        notes=data.get("notes") or "",
        confirmed=tuple(data.get("confirmed") or ()),
    )


def _visit_initial(visit: Visit) -> dict[str, Any]:
    return {
        "date": visit.date,
        "mode": MODE_DESCRIPTORS if visit.descriptors_recorded else MODE_TOTAL,
        "descriptors": list(visit.descriptors),
        "recorded_total": visit.recorded_total,
        "pga": visit.pga,
        "flare": visit.flare,
        "hospitalised": visit.hospitalised,
        "bilag_new_a": visit.bilag_new_a,
        "bilag_new_b": visit.bilag_new_b,
        "notes": visit.notes,
        "version": visit.version,
    }


# Organ groups laid out in three columns of similar height (the CNS items have long definitions).
DESCRIPTOR_COLUMNS = (
    ("neurological",),
    ("vascular", "musculoskeletal", "renal"),
    ("mucocutaneous", "serosal", "immunological", "constitutional", "haematological"),
)


def _descriptor_columns(form: VisitForm, suggestions: dict) -> list[list[dict[str, Any]]]:
    groups = {group["code"]: group for group in _descriptor_groups(form, suggestions)}
    placed = {organ for column in DESCRIPTOR_COLUMNS for organ in column}
    columns = [[groups[o] for o in column if o in groups] for column in DESCRIPTOR_COLUMNS]
    columns[-1] += [g for code, g in groups.items() if code not in placed]
    return columns


def _descriptor_groups(form: VisitForm, suggestions: dict) -> list[dict[str, Any]]:
    """The 24 descriptors by organ, each with weight, definition, ticked and lab suggestion."""
    ticked = form.ticked()
    cfg = selectors.config
    groups: dict[str, dict[str, Any]] = {}
    for d in sledai.DESCRIPTORS:
        group = groups.setdefault(
            d.organ, {"code": d.organ, "organ": L.label(L.ORGAN_LABELS, d.organ), "items": []}
        )
        group["items"].append(
            {
                "code": d.code,
                "label": L.DESCRIPTOR_LABELS[d.code],
                "weight": d.weight,
                "definition": L.descriptor_definition(
                    d.code,
                    thrombocytopenia_below=cfg("THROMBOCYTOPENIA_BELOW"),
                    leukopenia_below=cfg("LEUKOPENIA_BELOW"),
                ),
                "checked": d.code in ticked,
                "suggested": suggestions.get(d.code),
            }
        )
    return list(groups.values())


def _visit_summary(values: dict[str, Any]) -> list[tuple[str, str]]:
    """A visit's fields as (label, text), for the side-by-side view of a conflict."""
    total_only = values.get("mode") == MODE_TOTAL
    codes = values.get("descriptors") or []
    pga = values.get("pga")
    return [
        (_("Visit date"), display.local_date(values.get("date"))),
        (
            _("Descriptors"),
            _("not recorded (total only)")
            if total_only
            else ", ".join(L.label(L.DESCRIPTOR_LABELS, c) for c in codes) or _("none"),
        ),
        (
            _("SELENA-SLEDAI"),
            str(values.get("recorded_total"))
            if total_only
            else str(sledai.score(c for c in codes if c in sledai.WEIGHTS)),
        ),
        (_("PGA"), formats.number_format(pga, 1) if pga is not None else "—"),
        (_("Flare"), L.label(dict(VISIT_FLARE_CHOICES), values.get("flare"))),
        (_("Hospitalised for lupus"), _("yes") if values.get("hospitalised") else _("no")),
        (_("Notes"), values.get("notes") or ""),
    ]


def _visit_conflict(form: VisitForm, current: Visit) -> dict[str, Any]:
    """The stored visit beside the user's entries, in the visit's own summary (score, organs)."""
    saved = _visit_summary(_visit_initial(current))
    yours = _visit_summary(form.cleaned_data)
    return {"current": current, "rows": list(zip(saved, yours, strict=True))}


def _visit_form_page(request: HttpRequest, patient: Patient, visit: Visit | None) -> HttpResponse:
    today = timezone.localdate()
    initial = (
        _visit_initial(visit)
        if visit
        else {"date": today, "mode": MODE_DESCRIPTORS, "submission": uuid.uuid4()}
    )
    form = VisitForm(request.POST or None, initial=initial, patient=patient, today=today)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = _visit_input(form.cleaned_data)

        def save() -> Visit:
            if visit is None:
                return services.visit_create(
                    patient=patient,
                    user=request.user,
                    data=data,
                    today=today,
                    submission=form.cleaned_data.get("submission"),
                )
            services.visit_update(
                visit=visit,
                user=request.user,
                data=data,
                expected_version=form.cleaned_data.get("version"),
                today=today,
            )
            return visit

        outcome = save_form(form, save, conflict=_visit_conflict)
        conflict = outcome.conflict
        if outcome.saved:
            visit = outcome.value
            values = {"date": display.local_date(visit.date), "score": visit.sledai}
            messages.success(
                request, _("Visit of %(date)s saved: SELENA-SLEDAI %(score)s.") % values
            )
            return _back(patient)
    context = _visit_form_context(form, patient, visit, today)
    return render(request, "clinical/visit_form.html", {**context, "conflict": conflict})


def _visit_form_context(
    form: VisitForm, patient: Patient, visit: Visit | None, today: date
) -> dict[str, Any]:
    """What the form shows beside the fields: descriptors with lab suggestions, the total so far
    (the live one is static/js/sledai.js), activity bands, the flare index for these values."""
    cleaned = getattr(form, "cleaned_data", {})
    visit_date = cleaned.get("date") or (visit.date if visit else today)
    ticked = [c for c in form.ticked() if c in sledai.WEIGHTS]
    if form.total_only:
        total = _int_or_none(form["recorded_total"].value())
    else:
        total = sledai.score(ticked)
    flare = selectors.flare_suggestion(
        patient=patient,
        on=visit_date,
        descriptors=None if form.total_only else ticked,
        score=total,
        pga=cleaned.get("pga", visit.pga if visit else None),
        hospitalised=bool(cleaned.get("hospitalised", visit.hospitalised if visit else False)),
        exclude_pk=visit.pk if visit else None,
    )
    suggestions = selectors.lab_suggestions_for(patient=patient, on=visit_date)
    bands = selectors.config("ACTIVITY_BANDS")
    return {
        "patient": patient,
        "visit": visit,
        "form": form,
        "columns": _descriptor_columns(form, suggestions),
        "bands_json": json.dumps([[lower, code] for lower, code in bands]),
        "band_labels_json": json.dumps({k: str(v) for k, v in L.ACTIVITY_LABELS.items()}),
        "live_total": total,
        "live_class": display.activity_label(selectors.activity_class(total))
        if total is not None
        else "",
        "flare_suggestion": {
            "label": display.flare_label(flare.code),
            "criteria_labels": display.flare_criteria_labels(flare.criteria),
        },
    }


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= sledai.MAX_SCORE else None


@permission_required("clinical.add_visit", raise_exception=True)
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_form_page(request, _patient(pk), None)


@permission_required("clinical.change_visit", raise_exception=True)
def visit_update(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.select_related("patient"), pk=pk, is_active=True)
    return _visit_form_page(request, visit.patient, visit)


@require_safe
@permission_required("clinical.view_visit", raise_exception=True)
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.select_related("patient"), pk=pk, is_active=True)
    codes = selectors.descriptors_of(visit)
    weights = [(L.label(L.DESCRIPTOR_LABELS, c), sledai.WEIGHTS[c]) for c in codes or ()]
    return render(
        request,
        "clinical/visit_detail.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "descriptors": weights,
            "activity": display.activity_label(selectors.activity_class(visit.sledai)),
        },
    )


@require_GET
@permission_required("clinical.view_visit", raise_exception=True)
def visit_suggestions(request: HttpRequest, pk: int) -> JsonResponse:
    """Lab-suggested descriptors and the SELENA flare index for the form's current values."""
    patient = _patient(pk)
    form = VisitForm(
        {**request.GET.dict(), "descriptors": request.GET.getlist("descriptors")},
        patient=patient,
        today=timezone.localdate(),
    )
    form.is_valid()
    data = form.cleaned_data
    if "date" not in data:
        return JsonResponse({"labs": {}, "flare": None})
    codes = [c for c in data.get("descriptors") or [] if c in sledai.WEIGHTS]
    total_only = data.get("mode") == MODE_TOTAL
    labs = selectors.lab_suggestions_for(patient=patient, on=data["date"])
    flare = selectors.flare_suggestion(
        patient=patient,
        on=data["date"],
        descriptors=None if total_only else codes,
        score=data.get("recorded_total") if total_only else sledai.score(codes),
        pga=data.get("pga"),
        hospitalised=bool(data.get("hospitalised")),
        exclude_pk=int(request.GET["visit"]) if request.GET.get("visit", "").isdigit() else None,
    )
    return JsonResponse(
        {
            "labs": {
                code: _("suggested by labs of %(date)s") % {"date": display.local_date(day)}
                for code, day in labs.items()
            },
            "flare": {
                "code": flare.code,
                "label": display.flare_label(flare.code),
                "criteria": display.flare_criteria_labels(flare.criteria),
            },
        }
    )


# --- labs --------------------------------------------------------------------------------------


@permission_required("clinical.add_labresult", raise_exception=True)
def lab_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient(pk)
    today = timezone.localdate()
    form = LabPanelForm(request.POST or None, initial={"date": today}, patient=patient, today=today)
    if request.method == "POST" and form.is_valid():
        results = [
            services.LabInput(
                test=code,
                value=form.cleaned_data[f"{code}_value"],
                unit=form.cleaned_data[f"{code}_unit"],
                lower=form.cleaned_data.get(f"{code}_lower"),
                upper=form.cleaned_data.get(f"{code}_upper"),
            )
            for code in form.entered_tests()
        ]
        outcome = save_form(
            form,
            lambda: services.lab_panel_record(
                patient=patient,
                user=request.user,
                on=form.cleaned_data["date"],
                results=results,
                today=today,
            ),
        )
        if outcome.saved:
            messages.success(request, _("%(n)s lab results saved.") % {"n": len(outcome.value)})
            return _back(patient)
    return render(request, "clinical/lab_form.html", {"patient": patient, "form": form})


def _record_page(
    request: HttpRequest,
    *,
    patient: Patient,
    form: Any,
    save: Any,
    saved: str,
    title: str,
) -> HttpResponse:
    """One entry page for a clinical record: `save(cleaned_data)` calls the service; a lost edit
    race shows both versions, a service error goes beside its field, success returns to the
    timeline."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        outcome = save_form(form, lambda: save(form.cleaned_data))
        if outcome.saved:
            messages.success(request, saved)
            return _back(patient)
        conflict = outcome.conflict
    return render(
        request,
        "clinical/record_form.html",
        {"patient": patient, "form": form, "conflict": conflict, "title": title},
    )


@permission_required("clinical.change_labresult", raise_exception=True)
def lab_update(request: HttpRequest, pk: int) -> HttpResponse:
    lab = get_object_or_404(LabResult.objects.select_related("patient"), pk=pk, is_active=True)

    def save(data: dict[str, Any]) -> None:
        item = services.LabInput(
            test=lab.test,
            value=data["value"],
            unit=data["unit"],
            lower=data.get("lower_limit"),
            upper=data.get("upper_limit"),
        )
        services.lab_result_update(
            lab=lab,
            user=request.user,
            on=data["date"],
            item=item,
            expected_version=data.get("version"),
            today=timezone.localdate(),
        )

    return _record_page(
        request,
        patient=lab.patient,
        form=LabResultForm(request.POST or None, instance=lab),
        save=save,
        saved=_("Lab result saved."),
        title=_("Correct a lab result: %(test)s") % {"test": lab.get_test_display()},
    )


# --- treatments --------------------------------------------------------------------------------


def _treatment_page(
    request: HttpRequest, patient: Patient, treatment: TreatmentDose
) -> HttpResponse:
    today = timezone.localdate()

    def save(data: dict[str, Any]) -> None:
        fields = {k: data[k] for k in ("drug", "start_date", "dose", "unit")}
        fields["confirmed"] = tuple(data.get("confirmed") or ())
        if treatment.pk is None:
            services.treatment_record(patient=patient, user=request.user, today=today, **fields)
        else:
            services.treatment_update(
                treatment=treatment,
                user=request.user,
                expected_version=data.get("version"),
                today=today,
                **fields,
            )

    return _record_page(
        request,
        patient=patient,
        form=TreatmentForm(request.POST or None, instance=treatment),
        save=save,
        saved=_("Treatment change saved."),
        title=_("Treatment change") if treatment.pk is None else _("Correct a treatment change"),
    )


@permission_required("clinical.add_treatmentdose", raise_exception=True)
def treatment_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient(pk)
    return _treatment_page(request, patient, TreatmentDose(patient=patient))


@permission_required("clinical.change_treatmentdose", raise_exception=True)
def treatment_update(request: HttpRequest, pk: int) -> HttpResponse:
    treatment = get_object_or_404(
        TreatmentDose.objects.select_related("patient"), pk=pk, is_active=True
    )
    return _treatment_page(request, treatment.patient, treatment)


# --- adverse events ----------------------------------------------------------------------------


def _adverse_event_page(
    request: HttpRequest, patient: Patient, event: AdverseEvent
) -> HttpResponse:
    today = timezone.localdate()

    def save(data: dict[str, Any]) -> None:
        item = services.AdverseEventInput(
            term=data["term"],
            category=data["category"],
            onset_date=data["onset_date"],
            site=data.get("site") or "",
            serious=data.get("serious", False),
            outcome=data["outcome"],
            infusion=data.get("infusion"),
            notes=data.get("notes") or "",
            severity_grade=data.get("severity_grade"),
            causality=data.get("causality") or "",
            action_taken=data.get("action_taken") or "",
            reported_to_pv=data.get("reported_to_pv", False),
            pv_report_date=data.get("pv_report_date"),
        )
        if event.pk is None:
            services.adverse_event_record(
                patient=patient, user=request.user, data=item, today=today
            )
        else:
            services.adverse_event_update(
                event=event,
                user=request.user,
                data=item,
                expected_version=data.get("version"),
                today=today,
            )

    return _record_page(
        request,
        patient=patient,
        form=AdverseEventForm(request.POST or None, instance=event, patient=patient, today=today),
        save=save,
        saved=_("Adverse event saved."),
        title=_("Adverse event") if event.pk is None else _("Correct an adverse event"),
    )


@permission_required("clinical.add_adverseevent", raise_exception=True)
def adverse_event_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient(pk)
    return _adverse_event_page(request, patient, AdverseEvent(patient=patient))


@permission_required("clinical.change_adverseevent", raise_exception=True)
def adverse_event_update(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AdverseEvent.objects.select_related("patient"), pk=pk, is_active=True)
    return _adverse_event_page(request, event.patient, event)


# --- timeline, adjudication, history -----------------------------------------------------------


@require_safe
@permission_required("clinical.view_visit", raise_exception=True)
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient(pk)
    today = timezone.localdate()
    records = selectors.patient_records(patient=patient)
    summary = selectors.clinical_summary(records=records, today=today)
    data = selectors.timeline_chart_data(records, today)
    text = charts.labels()
    return render(
        request,
        "clinical/timeline.html",
        {
            "patient": patient,
            "identity": request.user.has_perm("patients.view_identity"),
            "summary": summary,
            "course": records.course,
            "treatments": selectors.treatment_rows(records.treatments),
            "missed": data["missed"],
            "activity_chart": charts.to_html(charts.activity_figure(data, text)),
            "serology_chart": charts.to_html(charts.serology_figure(data, text)),
            "lab_rows": _timepoint_lab_rows(summary),
        },
    )


def _timepoint_lab_rows(
    summary: selectors.ClinicalSummary,
) -> list[tuple[StrOrPromise, list[LabResult | None]]]:
    """(test label, the result of each time point or None), for the tests measured at any."""
    rows: list[tuple[StrOrPromise, list[LabResult | None]]] = []
    for code, label in LabTest.choices:
        cells = [row.labs.get(code) for row in summary.timepoints]
        if any(cells):
            rows.append((label, cells))
    return rows


@permission_required("clinical.add_adjudication", raise_exception=True)
def adjudicate(request: HttpRequest, pk: int, timepoint: str) -> HttpResponse:
    if timepoint not in response.TIMEPOINTS or timepoint == "M0":
        raise Http404
    patient = _patient(pk)
    current = Adjudication.objects.filter(
        patient=patient, timepoint=timepoint, is_active=True
    ).first() or Adjudication(patient=patient, timepoint=timepoint)
    form = AdjudicationForm(request.POST or None, instance=current)
    conflict = None
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.adjudication_record(
                patient=patient,
                user=request.user,
                timepoint=timepoint,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(request, _("Status at %(tp)s adjudicated.") % {"tp": timepoint})
            return _back(patient)
        conflict = outcome.conflict
    records = selectors.patient_records(patient=patient)
    summary = selectors.clinical_summary(records=records, today=timezone.localdate())
    computed = next((s for s in summary.statuses if s.tp == timepoint), None)
    return render(
        request,
        "clinical/adjudicate.html",
        {
            "patient": patient,
            "form": form,
            "conflict": conflict,
            "timepoint": timepoint,
            "computed": computed,
        },
    )


DEACTIVATE_PERMISSIONS = {
    "visit": "clinical.change_visit",
    "lab": "clinical.change_labresult",
    "treatment": "clinical.change_treatmentdose",
    "adverse_event": "clinical.change_adverseevent",
    "adjudication": "clinical.change_adjudication",
}


def record_deactivate(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Confirm with a reason, then deactivate a record entered by mistake (never deleted)."""
    if kind not in DEACTIVATE_PERMISSIONS:
        raise Http404
    if not request.user.has_perm(DEACTIVATE_PERMISSIONS[kind]):
        raise PermissionDenied
    model = selectors.HISTORY_MODELS[kind]
    record = cast(  # the join of the HISTORY_MODELS is ClinicalModel: it is one of them
        selectors.HistoryRecord,
        get_object_or_404(model.objects.select_related("patient"), pk=pk, is_active=True),
    )
    form = DeactivateForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and form.is_valid():
        outcome = save_form(
            form,
            lambda: services.record_deactivate(
                record=record,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
            conflict=DeactivateForm.changed_meanwhile,
        )
        if outcome.saved:
            messages.success(
                request,
                _("%(record)s deactivated.") % {"record": display.record_label(kind, record)},
            )
            return _back(record.patient)
    return render(
        request,
        "clinical/deactivate.html",
        {
            "form": form,
            "record": record,
            "kind": kind,
            "patient": record.patient,
            "record_label": display.record_label(kind, record),
        },
    )


@require_safe
@permission_required("patients.view_history", raise_exception=True)
def history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in selectors.HISTORY_MODELS:
        raise Http404
    try:
        record = selectors.record_for_history(kind=kind, pk=pk)
    except selectors.HISTORY_MODELS[kind].DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "clinical/history.html",
        {
            "record": record,
            "record_label": display.record_label(kind, record),
            "patient": record.patient,
            "entries": record_history(record),
        },
    )
