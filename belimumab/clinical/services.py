"""Writes of the clinical app: visits, labs, treatment doses, adverse events, adjudications.

Each function validates (a `ValidationError` keyed by the form's field names, so the message
shows beside the field), then saves through `belimumab.core.services.clinical_save`: inside a
transaction, with the audit user, refusing a stale `expected_version` (StaleRecord).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from belimumab.clinical import selectors
from belimumab.clinical.labs import lab_specs, plausibility_limits
from belimumab.clinical.models import (
    VISIT_SENT_TWICE,
    AdjudicatedStatus,
    Adjudication,
    AdverseEvent,
    AECategory,
    AEOutcome,
    Flare,
    LabResult,
    TreatmentDose,
    Visit,
)
from belimumab.core import plausibility
from belimumab.core.services import clinical_save
from belimumab.domain import pharmacovigilance as pv
from belimumab.domain import plausibility as rules
from belimumab.domain import response, sledai, treatments
from belimumab.patients.models import Course, Patient
from belimumab.pharmacy.models import Infusion

PGA_STEP = Decimal("0.1")
CORTICOSTEROID_UNIT = "mg/day"
TREATMENT_UNITS = ("mg/day", "mg/week", "mg/month", "g/day")


def _date_errors(value: date | None, patient: Patient, today: date) -> list[Any]:
    """A clinical date's refusals: before 1900, before the patient's birth, in the future."""
    if value is None:
        return [_("Enter a date.")]
    finding = rules.visit_date(
        value, birth=patient.birth_date, today=today, d0=None, limits=plausibility.limits()
    )
    return [plausibility.message(finding)] if finding is not None else []


def _raise(errors: dict[str, list[Any]]) -> None:
    plausibility.raise_errors(errors)


# --- visits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitInput:
    """What a clinician enters at a visit. `descriptors=None`: total-only (old records)."""

    date: date
    descriptors: Sequence[str] | None
    recorded_total: int | None = None
    pga: Decimal | None = None
    flare: str = ""
    hospitalised: bool = False
    bilag_new_a: int | None = None
    bilag_new_b: int | None = None
    notes: str = ""
    confirmed: Collection[str] = ()


def _visit_score(data: VisitInput) -> int | None:
    """The visit's SELENA-SLEDAI (weighted sum or recorded total), errors keyed by field."""
    if data.descriptors is None and data.recorded_total is None:
        raise ValidationError(
            {"recorded_total": _("Enter the recorded total, or tick the descriptors.")}
        )
    try:
        sledai.validate_codes(data.descriptors or ())
    except ValueError as exc:
        raise ValidationError({"descriptors": _("Unknown SELENA-SLEDAI descriptor.")}) from exc
    try:
        return sledai.visit_score(data.descriptors, data.recorded_total)
    except sledai.SledaiMismatch as exc:
        raise ValidationError(
            {
                "recorded_total": _(
                    "The total %(total)s disagrees with the ticked descriptors, which add up "
                    "to %(sum)s."
                )
                % {"total": data.recorded_total, "sum": sledai.score(data.descriptors or ())}
            }
        ) from exc
    except ValueError as exc:
        raise ValidationError(
            {
                "recorded_total": _("Enter a total between 0 and %(max)s.")
                % {"max": sledai.MAX_SCORE}
            }
        ) from exc


def _visit_date_errors(
    data: VisitInput, patient: Patient, today: date, exclude_pk: int | None, applied: list[str]
) -> list[Any]:
    """The visit date's plausibility: refused before birth or after today; confirmed when more
    than a year before D0 or on the day of another visit of the patient."""
    limits = plausibility.limits()
    d0 = (
        Course.objects.filter(patient=patient, is_active=True)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    others = Visit.objects.filter(patient=patient, date=data.date, is_active=True)
    if exclude_pk is not None:  # pk=None would exclude nothing either
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[Any]] = {}
    finding = rules.visit_date(
        data.date, birth=patient.birth_date, today=today, d0=d0, limits=limits
    )
    plausibility.add_finding(errors, "date", finding, data.confirmed, applied)
    if finding is None or not finding.refused:
        same_day = rules.same_day_visit(data.date, others.values_list("date", flat=True)[:1])
        plausibility.add_finding(errors, "date", same_day, data.confirmed, applied)
    return errors.get("date", [])


def _validate_visit(
    data: VisitInput, patient: Patient, today: date, exclude_pk: int | None = None
) -> tuple[int | None, list[str]]:
    """The visit's score and the usual limits confirmed, or a ValidationError by field."""
    applied: list[str] = []
    errors: dict[str, list[Any]] = {
        "date": _visit_date_errors(data, patient, today, exclude_pk, applied)
    }
    if data.pga is not None and (
        not Decimal(0) <= data.pga <= Decimal(3) or data.pga % PGA_STEP != 0
    ):
        errors["pga"] = [_("Enter the PGA between 0 and 3, with at most one decimal.")]
    if data.flare and data.flare not in Flare.values:
        errors["flare"] = [_("Unknown flare category.")]
    try:
        score = _visit_score(data)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        score = None
    _raise(errors)
    return score, applied


def _visit_apply(visit: Visit, data: VisitInput, score: int | None) -> Visit:
    suggestion = selectors.flare_suggestion(
        patient=visit.patient,
        on=data.date,
        descriptors=data.descriptors,
        score=score,
        pga=data.pga,
        hospitalised=data.hospitalised,
        exclude_pk=visit.pk,
    )
    visit.date = data.date
    visit.descriptors_recorded = data.descriptors is not None
    visit.descriptors = [c for c in sledai.DESCRIPTOR_CODES if c in set(data.descriptors or ())]
    visit.recorded_total = data.recorded_total
    visit.sledai = score
    visit.pga = data.pga
    visit.flare = data.flare
    visit.flare_suggested = suggestion.code
    visit.hospitalised = data.hospitalised
    visit.bilag_new_a = data.bilag_new_a
    visit.bilag_new_b = data.bilag_new_b
    visit.notes = data.notes
    return visit


def visit_create(
    *, patient: Patient, user: Any, data: VisitInput, today: date, submission: UUID | None = None
) -> Visit:
    """Record a visit: SELENA-SLEDAI computed, flare index suggested, the clinician's flare kept.

    `submission`: the form's one-time token; the same one again (the form sent twice, even by
    two requests at the same instant) is refused, beside the form, and saves nothing."""
    try:
        score, applied = _validate_visit(data, patient, today)
    except ValidationError:
        # a resent form is not a second visit of the day to confirm: when the same form was
        # saved meanwhile (even by a request running at the same instant), that is the answer
        if submission is not None and Visit.objects.filter(submission=submission).exists():
            raise ValidationError({"__all__": [VISIT_SENT_TWICE]}) from None
        raise
    visit = _visit_apply(Visit(patient=patient, submission=submission), data, score)
    visit.confirmed_checks = applied
    return clinical_save(
        visit,
        user=user,
        # PostgreSQL names the constraint, SQLite the column
        integrity_errors={
            "one_visit_per_submission": ("__all__", VISIT_SENT_TWICE),
            "clinical_visit.submission": ("__all__", VISIT_SENT_TWICE),
        },
    )


def visit_update(
    *, visit: Visit, user: Any, data: VisitInput, expected_version: int | None, today: date
) -> Visit:
    """Change a visit; refused (StaleRecord) when someone saved it since `expected_version`."""
    score, applied = _validate_visit(data, visit.patient, today, exclude_pk=visit.pk)
    _visit_apply(visit, data, score)
    visit.confirmed_checks = applied
    return clinical_save(visit, user=user, expected_version=expected_version)


# --- labs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabInput:
    """One result: the range left None is filled with the laboratory's default for the unit."""

    test: str
    value: Decimal | None
    unit: str
    lower: Decimal | None = None
    upper: Decimal | None = None


def _lab_errors(item: LabInput) -> dict[str, list[Any]]:
    """Errors of one result keyed value/unit/lower/upper."""
    specs = lab_specs()
    if item.test not in specs:
        return {"test": [_("Unknown test.")]}
    spec = specs[item.test]
    errors: dict[str, list[Any]] = {}
    if item.value is None:
        errors["value"] = [_("Enter a value.")]
    elif item.value < 0:
        errors["value"] = [_("A lab value cannot be negative.")]
    if item.unit not in spec.units:
        errors["unit"] = [
            _("Unknown unit for this test: %(unit)s (allowed: %(units)s).")
            % {"unit": item.unit or "—", "units": ", ".join(spec.units)}
        ]
    elif "value" not in errors:
        plausibility.add_finding(errors, "value", lab_finding(item), (), [], spec.unit)
    return _lab_limit_errors(item, errors)


def lab_finding(item: LabInput) -> rules.Finding | None:
    """The plausibility of a result, judged in the test's default unit; the mg/dL conversion is
    offered only for a value typed in that unit (the field then takes the converted value)."""
    spec = lab_specs()[item.test]
    value = spec.to_default_unit(item.value, item.unit)
    finding = rules.lab_value(item.test, value, plausibility_limits())
    if finding is not None and finding.suggestion is not None and item.unit != spec.unit:
        return rules.Finding("lab_range", rules.REFUSE, finding.params)
    return finding


def _lab_limit_errors(item: LabInput, errors: dict[str, list[Any]]) -> dict[str, list[Any]]:
    for key, limit in (("lower", item.lower), ("upper", item.upper)):
        if limit is not None and limit < 0:
            errors[key] = [_("A limit cannot be negative.")]
    if item.lower is not None and item.upper is not None and item.lower > item.upper:
        errors["upper"] = [_("The upper limit is below the lower limit.")]
    return errors


def _lab_fill(lab: LabResult, item: LabInput) -> LabResult:
    default_lower, default_upper = lab_specs()[item.test].range_in(item.unit)
    lab.test = item.test
    lab.value = cast(Decimal, item.value)  # not None: _lab_errors is raised before any fill
    lab.unit = item.unit
    lab.lower_limit = item.lower if item.lower is not None else default_lower
    lab.upper_limit = item.upper if item.upper is not None else default_upper
    return lab


def lab_panel_record(
    *, patient: Patient, user: Any, on: date, results: Sequence[LabInput], today: date
) -> list[LabResult]:
    """Record several results of one date at once, all or nothing.

    Errors are keyed "date", or "<test>_<value|unit|lower|upper>" for one result.
    """
    errors: dict[str, list[str]] = {"date": _date_errors(on, patient, today)}
    if not results:
        errors["__all__"] = [_("Enter at least one result.")]
    already = set(
        LabResult.objects.filter(
            patient=patient, date=on, is_active=True, test__in=[r.test for r in results]
        ).values_list("test", flat=True)
    )
    for item in results:
        for key, messages in _lab_errors(item).items():
            errors[f"{item.test}_{key}"] = messages
        if item.test in already:
            errors.setdefault(f"{item.test}_value", []).append(
                _("A result of this test is already recorded on this date: edit it instead.")
            )
    _raise(errors)
    with transaction.atomic():
        return [
            clinical_save(_lab_fill(LabResult(patient=patient, date=on), item), user=user)
            for item in results
        ]


def lab_result_update(
    *,
    lab: LabResult,
    user: Any,
    on: date,
    item: LabInput,
    expected_version: int | None,
    today: date,
) -> LabResult:
    """Correct one result (errors keyed date, value, unit, lower_limit, upper_limit)."""
    names = {"lower": "lower_limit", "upper": "upper_limit"}
    errors = {names.get(k, k): v for k, v in _lab_errors(item).items()}
    errors["date"] = _date_errors(on, lab.patient, today)
    _raise(errors)
    lab.date = on
    return clinical_save(_lab_fill(lab, item), user=user, expected_version=expected_version)


# --- treatments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreatmentInput:
    """A dose of a drug from `start_date` (0 = stopped); `confirmed`: usual limits confirmed."""

    drug: str
    start_date: date
    dose: Decimal | None
    unit: str
    confirmed: Collection[str] = ()


def _treatment_errors(
    *, patient: Patient, data: TreatmentInput, exclude_pk: int | None, today: date
) -> tuple[dict[str, list[Any]], list[str]]:
    """Errors by field, and the usual limits confirmed (corticosteroid above 100 mg/day)."""
    drug, start_date, dose, unit = data.drug, data.start_date, data.dose, data.unit
    errors: dict[str, list[Any]] = {"start_date": _date_errors(start_date, patient, today)}
    applied: list[str] = []
    try:
        category = treatments.drug_category(drug)
    except ValueError:
        return {**errors, "drug": [_("Unknown drug.")]}, applied
    if dose is None:
        errors["dose"] = [_("Enter the dose (0 when stopped).")]
    elif dose < 0:
        errors["dose"] = [_("A dose cannot be negative (0 means stopped).")]
    if unit not in TREATMENT_UNITS:
        errors["unit"] = [_("Unknown unit.")]
    elif category == "corticosteroid" and unit != CORTICOSTEROID_UNIT:
        errors["unit"] = [_("Corticosteroid doses are entered in mg/day.")]
    elif category == "corticosteroid" and dose is not None and "dose" not in errors:
        equivalent = treatments.prednisone_equivalent(drug, dose)
        finding = rules.corticosteroid(equivalent, plausibility.limits())
        plausibility.add_finding(errors, "dose", finding, data.confirmed, applied)
    others = TreatmentDose.objects.filter(patient=patient, drug=drug, is_active=True)
    if exclude_pk is not None:  # pk=None would exclude nothing either
        others = others.exclude(pk=exclude_pk)
    used = {u for u, _d in others.values_list("unit", "start_date")}
    if "unit" not in errors and used and unit not in used:
        errors["unit"] = [
            _("Earlier doses of this drug are in %(unit)s: use the same unit.")
            % {"unit": ", ".join(sorted(used))}
        ]
    if start_date and others.filter(start_date=start_date).exists():
        errors["start_date"] = [_("A dose of this drug already starts on this date.")]
    return errors, applied


def treatment_record(
    *,
    patient: Patient,
    user: Any,
    drug: str,
    start_date: date,
    dose: Decimal,
    unit: str,
    today: date,
    confirmed: Collection[str] = (),
) -> TreatmentDose:
    """A corticosteroid or immunosuppressant dose from `start_date` (0 = stopped); a dose
    beyond the usual limit needs its check in `confirmed`."""
    data = TreatmentInput(drug, start_date, dose, unit, confirmed)
    errors, applied = _treatment_errors(patient=patient, data=data, exclude_pk=None, today=today)
    _raise(errors)
    row = TreatmentDose(patient=patient, drug=drug, start_date=start_date, dose=dose, unit=unit)
    row.confirmed_checks = applied
    return clinical_save(row, user=user, integrity_errors=_TREATMENT_RACES)


def treatment_update(
    *,
    treatment: TreatmentDose,
    user: Any,
    drug: str,
    start_date: date,
    dose: Decimal,
    unit: str,
    expected_version: int | None,
    today: date,
    confirmed: Collection[str] = (),
) -> TreatmentDose:
    data = TreatmentInput(drug, start_date, dose, unit, confirmed)
    errors, applied = _treatment_errors(
        patient=treatment.patient, data=data, exclude_pk=treatment.pk, today=today
    )
    _raise(errors)
    treatment.drug, treatment.start_date, treatment.dose, treatment.unit = (
        drug,
        start_date,
        dose,
        unit,
    )
    treatment.confirmed_checks = applied
    return clinical_save(
        treatment, user=user, expected_version=expected_version, integrity_errors=_TREATMENT_RACES
    )


_TREATMENT_RACES = {
    "one_dose_change_per_drug_per_day": (
        "start_date",
        gettext_lazy("A dose of this drug already starts on this date."),
    )
}


# --- adverse events ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AdverseEventInput:
    term: str
    category: str
    onset_date: date
    site: str = ""
    serious: bool = False
    outcome: str = "unknown"
    infusion: Infusion | None = None
    notes: str = ""
    severity_grade: int | None = None
    causality: str = ""
    action_taken: str = ""
    reported_to_pv: bool = False
    pv_report_date: date | None = None


# the messages of belimumab.domain.pharmacovigilance's problem codes, keyed by the field they
# show beside (the import words the same codes in its own `FILE:LINE: COLUMN` problems)
PV_PROBLEMS: dict[str, tuple[str, Any]] = {
    pv.REPORT_DATE_REQUIRED: (
        "pv_report_date",
        gettext_lazy("Give the date the event was reported to pharmacovigilance."),
    ),
    pv.REPORT_DATE_WITHOUT_FLAG: (
        "reported_to_pv",
        gettext_lazy("A report date is given: tick 'reported to pharmacovigilance' or clear it."),
    ),
    pv.REPORT_BEFORE_ONSET: (
        "pv_report_date",
        gettext_lazy("The event was reported before its onset."),
    ),
    pv.REPORT_IN_FUTURE: ("pv_report_date", gettext_lazy("This date is in the future.")),
    pv.FATAL_GRADE_NOT_FATAL: (
        "outcome",
        gettext_lazy("Grade 5 is death related to the event: the outcome is fatal."),
    ),
    pv.FATAL_OUTCOME_NOT_GRADE_5: (
        "severity_grade",
        gettext_lazy("A fatal outcome is grade 5."),
    ),
}


def pharmacovigilance_problems(data: AdverseEventInput, today: date) -> list[str]:
    """The problem codes of the pharmacovigilance fields (both rules of the domain)."""
    found = [
        pv.report_date_problem(
            reported=data.reported_to_pv,
            report_date=data.pv_report_date,
            onset=data.onset_date,
            today=today,
        ),
        pv.grade_outcome_problem(
            grade=data.severity_grade, fatal_outcome=data.outcome == AEOutcome.FATAL
        ),
    ]
    return [code for code in found if code is not None]


def _adverse_event_errors(
    data: AdverseEventInput, patient: Patient, today: date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {"onset_date": _date_errors(data.onset_date, patient, today)}
    if not data.term.strip():
        errors["term"] = [_("Enter the event's term.")]
    if data.category == AECategory.INFECTION and not data.site.strip():
        errors["site"] = [_("Give the site of the infection.")]
    if data.infusion is not None:
        if data.infusion.patient_id != patient.pk:
            errors["infusion"] = [_("This infusion belongs to another patient.")]
        elif data.onset_date and data.onset_date < data.infusion.date:
            errors["infusion"] = [_("The event starts before this infusion.")]
    for code in pharmacovigilance_problems(data, today):
        field, message = PV_PROBLEMS[code]
        errors.setdefault(field, []).append(str(message))
    return errors


def _adverse_event_apply(event: AdverseEvent, data: AdverseEventInput) -> AdverseEvent:
    event.term = data.term.strip()
    event.category = data.category
    event.onset_date = data.onset_date
    event.site = data.site.strip() if data.category == AECategory.INFECTION else ""
    event.serious = data.serious
    event.outcome = data.outcome
    event.infusion = data.infusion
    event.notes = data.notes
    event.severity_grade = data.severity_grade
    event.causality = data.causality
    event.action_taken = data.action_taken
    event.reported_to_pv = data.reported_to_pv
    event.pv_report_date = data.pv_report_date
    return event


def adverse_event_record(
    *, patient: Patient, user: Any, data: AdverseEventInput, today: date
) -> AdverseEvent:
    _raise(_adverse_event_errors(data, patient, today))
    return clinical_save(_adverse_event_apply(AdverseEvent(patient=patient), data), user=user)


def adverse_event_update(
    *,
    event: AdverseEvent,
    user: Any,
    data: AdverseEventInput,
    expected_version: int | None,
    today: date,
) -> AdverseEvent:
    _raise(_adverse_event_errors(data, event.patient, today))
    return clinical_save(
        _adverse_event_apply(event, data), user=user, expected_version=expected_version
    )


# --- adjudication ------------------------------------------------------------------------------


def adjudication_record(
    *,
    patient: Patient,
    user: Any,
    timepoint: str,
    status: str,
    reason: str,
    expected_version: int | None = None,
) -> Adjudication:
    """The clinician's status at M6 or M12, beside the computed one (one per time point:
    a new adjudication changes the existing record, whose history keeps the previous one)."""
    errors: dict[str, list[str]] = {}
    if timepoint not in response.TIMEPOINTS or timepoint == "M0":
        errors["timepoint"] = [_("Adjudicate a follow-up time point (M6, M12).")]
    if status not in AdjudicatedStatus.values:
        errors["status"] = [_("Unknown status.")]
    if not reason.strip():
        errors["reason"] = [_("Give the reason for this status.")]
    _raise(errors)
    adjudication = Adjudication.objects.filter(
        patient=patient, timepoint=timepoint, is_active=True
    ).first() or Adjudication(patient=patient, timepoint=timepoint)
    adjudication.status = status
    adjudication.reason = reason.strip()
    adjudication.adjudicated_by = user
    return clinical_save(
        adjudication,
        user=user,
        expected_version=expected_version if adjudication.pk else None,
        integrity_errors={
            "one_adjudication_per_timepoint": (
                "status",
                gettext_lazy("Someone adjudicated this time point meanwhile: reload the page."),
            )
        },
    )


# --- deactivation ------------------------------------------------------------------------------


def record_deactivate(*, record: Any, user: Any, expected_version: int | None, reason: str) -> Any:
    """Withdraw a record entered by mistake: never deleted, hidden from every page and figure,
    kept with its history (who deactivated it, when and why). Refused when it changed meanwhile."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this record is deactivated.")})
    if not record.is_active:
        raise ValidationError({"version": _("This record is already deactivated.")})
    record.is_active = False
    return clinical_save(
        record,
        user=user,
        expected_version=expected_version,
        reason=_("deactivated: %(reason)s") % {"reason": reason.strip()},
    )
