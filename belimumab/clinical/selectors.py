"""Reads of the clinical app, and the glue turning one patient's rows into domain inputs.

Every page reads a patient's records in a constant number of queries (`patient_records`: one
query per kind of record), then computes in plain Python with the pure functions of
`belimumab.domain`, with the numbers of `settings.BELIMUMAB` and the department's settings
over them (`belimumab.department`, read once per request). The reports app does the cohort
version of the same glue itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from belimumab.clinical import sledai_labels as L
from belimumab.clinical.labs import TestSpec, display_result, lab_specs
from belimumab.clinical.models import (
    Adjudication,
    AdverseEvent,
    LabResult,
    LabTest,
    TreatmentDose,
    Visit,
)
from belimumab.core.labels import term_label, unit_label
from belimumab.department.selectors import belimumab
from belimumab.domain import flare_support, pens, response, schedule, sledai, treatments
from belimumab.domain.dates import shift
from belimumab.patients.models import Course, Patient, Route
from belimumab.pharmacy.models import Infusion

SERUM_TESTS = ("anti_dsdna", "ch50", "c3", "c4")
FOLLOW_UP = tuple(tp for tp in response.TIMEPOINTS if tp != "M0")


def config(key: str) -> Any:
    return belimumab()[key]


# --- rows -> domain inputs ---------------------------------------------------------------------


def descriptors_of(visit: Visit) -> list[str] | None:
    """The visit's descriptor codes, or None when only a total was recorded."""
    return list(visit.descriptors) if visit.descriptors_recorded else None


def treatment_changes(rows: Iterable[TreatmentDose]) -> list[tuple[str, date, Decimal]]:
    """(drug, date, dose) of the active treatment rows, the input of domain.treatments."""
    return [(t.drug, t.start_date, t.dose) for t in rows if t.is_active]


def steroid_on(changes: Sequence[tuple[str, date, Decimal]], on: date) -> Decimal | None:
    """Corticosteroid dose in force on `on`, mg/day prednisone equivalent (None: never any)."""
    return treatments.steroid_dose_in_force(changes, on)


def immunosuppressant_doses(
    changes: Sequence[tuple[str, date, Decimal]], d0: date, on: date
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Immunosuppressant -> (dose in force at D0, dose in force on `on`)."""
    by_drug: dict[str, list[tuple[date, Decimal]]] = {}
    for drug, when, dose in changes:
        if drug in treatments.IMMUNOSUPPRESSANTS:
            by_drug.setdefault(drug, []).append((when, dose))
    return {
        drug: (treatments.dose_in_force(rows, d0), treatments.dose_in_force(rows, on))
        for drug, rows in by_drug.items()
    }


def lab_in_default_unit(
    lab: LabResult, specs: dict[str, TestSpec] | None = None
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(value, lower, upper) of a result converted into its test's default unit (`specs`: the
    `lab_specs()` of a caller converting many results, read once)."""
    spec = (lab_specs() if specs is None else specs)[lab.test]
    return (
        spec.to_default_unit(lab.value, lab.unit),
        spec.to_default_unit(lab.lower_limit, lab.unit),
        spec.to_default_unit(lab.upper_limit, lab.unit),
    )


def nearest_labs(labs: Sequence[LabResult], target: date, before: int, after: int) -> dict:
    """Test -> the result nearest to `target` within the window (ties: the earlier one)."""
    by_test: dict[str, list[LabResult]] = {}
    for lab in labs:
        if lab.is_active:
            by_test.setdefault(lab.test, []).append(lab)
    found = {}
    for test, rows in by_test.items():
        rows.sort(key=lambda r: (r.date, r.pk or 0))
        index = response.nearest_in_window([r.date for r in rows], target, before, after)
        if index is not None:
            found[test] = rows[index]
    return found


def lab_suggestions_from(labs: Sequence[LabResult], on: date) -> dict[str, date]:
    """SELENA-SLEDAI descriptor -> date of the labs suggesting it, from the labs nearest `on`.

    Each test's nearest result within the time-point window around the visit date is passed
    to `domain.sledai.lab_suggestions`; a descriptor suggested by several tests (low complement
    from C3 and C4) gets the latest of their dates.
    """
    before, after = config("TIMEPOINT_WINDOW")
    found: dict[str, date] = {}
    for test, lab in nearest_labs(labs, on, before, after).items():
        suggested = sledai.lab_suggestions(
            {test: lab_in_default_unit(lab)},
            thrombocytopenia_below=config("THROMBOCYTOPENIA_BELOW"),
            leukopenia_below=config("LEUKOPENIA_BELOW"),
        )
        for code in suggested:
            found[code] = max(found.get(code, lab.date), lab.date)
    return found


def lab_suggestions_for(*, patient: Patient, on: date) -> dict[str, date]:
    """Lab-suggested descriptors for a visit of `patient` on `on` (one query)."""
    before, after = config("TIMEPOINT_WINDOW")
    labs = LabResult.objects.filter(
        patient=patient,
        is_active=True,
        test__in=sorted((*sledai.COMPLEMENT_TESTS, "anti_dsdna", "platelets", "leukocytes")),
        date__gte=shift(on, before),
        date__lte=shift(on, after),
    )
    return lab_suggestions_from(list(labs), on)


@dataclass(frozen=True)
class FlareSuggestion:
    """The SELENA flare index's category and the criteria met, as codes (clinical.display
    gives their labels)."""

    code: str
    criteria: tuple[str, ...]


def flare_suggestion(
    *,
    patient: Patient,
    on: date,
    descriptors: Sequence[str] | None,
    score: int | None,
    pga: Decimal | None,
    hospitalised: bool,
    exclude_pk: int | None = None,
) -> FlareSuggestion:
    """SELENA flare index of a visit against the patient's previous visit (four queries).

    Inputs: the previous visit (score, PGA, descriptors), the corticosteroid dose in force at
    both dates (mg/day prednisone equivalent), the last weight measured at an infusion, the
    platelets nearest the visit within the time-point window, the flare-index drugs started
    since the previous visit, and the new manifestations read from the descriptors.
    """
    earlier = Visit.objects.filter(patient=patient, is_active=True, date__lt=on)
    if exclude_pk is not None:  # pk=None would exclude nothing either
        earlier = earlier.exclude(pk=exclude_pk)
    previous = earlier.order_by("-date", "-pk").first()
    changes = treatment_changes(TreatmentDose.objects.filter(patient=patient, is_active=True))
    weight = (
        Infusion.objects.filter(
            patient=patient, is_active=True, date__lte=on, weight_kg__isnull=False
        )
        .order_by("-date")
        .values_list("weight_kg", flat=True)
        .first()
    )
    platelets = _platelets_near(patient, on)
    flare_input = sledai.FlareInput(
        previous_score=previous.sledai if previous else None,
        score=score,
        previous_pga=previous.pga if previous else None,
        pga=pga,
        previous_prednisone=steroid_on(changes, previous.date) if previous else None,
        prednisone=steroid_on(changes, on),
        weight_kg=weight,
        new_or_worse=flare_support.new_manifestations(
            descriptors_of(previous) if previous else None, descriptors
        ),
        platelets=lab_in_default_unit(platelets)[0] if platelets else None,
        hospitalised=hospitalised,
        new_drugs=(
            flare_support.drugs_added(changes, previous.date, on) if previous else frozenset()
        ),
    )
    mild, severe = sledai.flare_criteria(flare_input)
    return FlareSuggestion(sledai.flare_index(flare_input), severe + mild)


def _platelets_near(patient: Patient, on: date) -> LabResult | None:
    """The platelet count nearest `on` within the time-point window (one query)."""
    before, after = config("TIMEPOINT_WINDOW")
    rows = LabResult.objects.filter(
        patient=patient,
        is_active=True,
        test=LabTest.PLATELETS,
        date__gte=shift(on, before),
        date__lte=shift(on, after),
    )
    return nearest_labs(list(rows), on, before, after).get(LabTest.PLATELETS)


# --- one patient's records ---------------------------------------------------------------------


@dataclass
class PatientRecords:
    """Everything of one patient the timeline needs, each list from one query, in date order."""

    patient: Patient
    courses: list[Course]
    visits: list[Visit]
    labs: list[LabResult]
    treatments: list[TreatmentDose]
    infusions: list[Infusion]
    adverse_events: list[AdverseEvent]
    adjudications: list[Adjudication]

    @property
    def course(self) -> Course | None:
        """The course whose start is the patient's D0: the first one."""
        return self.courses[0] if self.courses else None


def patient_records(*, patient: Patient) -> PatientRecords:
    """Read a patient's active clinical records: seven queries whatever the history's length."""
    active = Q(patient=patient, is_active=True)
    return PatientRecords(
        patient=patient,
        courses=list(
            Course.objects.filter(active).select_related("regimen").order_by("start_date", "pk")
        ),
        visits=list(Visit.objects.filter(active).order_by("date", "pk")),
        labs=[
            display_result(lab)
            for lab in LabResult.objects.filter(active).order_by("date", "test", "pk")
        ],
        treatments=list(TreatmentDose.objects.filter(active).order_by("drug", "start_date", "pk")),
        infusions=list(Infusion.objects.filter(active).order_by("date", "pk")),
        adverse_events=list(
            AdverseEvent.objects.filter(active).select_related("infusion").order_by("onset_date")
        ),
        adjudications=list(Adjudication.objects.filter(active).select_related("adjudicated_by")),
    )


# --- time points, response, outcome measures ---------------------------------------------------


@dataclass
class TimepointRow:
    tp: str
    nominal: date
    on_treatment: bool
    visit: Visit | None
    sledai: int | None
    activity: str | None
    prednisone: Decimal | None
    dose_date: date
    labs: dict[str, LabResult]


@dataclass
class VisitRow:
    visit: Visit
    activity: str | None
    prednisone: Decimal | None
    descriptor_labels: list[str]
    sri4: response.Sri4 | None
    lldas: bool | None
    doris: bool | None


@dataclass
class StatusRow:
    """The computed response at a time point; `awaited` while its visit window is still open
    and holds no visit yet (the computed status is then provisional and not shown as final)."""

    tp: str
    result: response.Response
    threshold: int  # the SELENA-SLEDAI drop that makes a responder
    adjudication: Adjudication | None
    awaited: bool = False
    window_end: date | None = None


@dataclass
class Continuation:
    review_date: date
    due: bool
    met: bool | None
    sledai_m0: int | None
    sledai_now: int | None


@dataclass
class ClinicalSummary:
    records: PatientRecords
    timepoints: list[TimepointRow] = field(default_factory=list)
    visits: list[VisitRow] = field(default_factory=list)
    statuses: list[StatusRow] = field(default_factory=list)
    continuation: Continuation | None = None

    @property
    def sri4_without_bilag(self) -> bool:
        """No visit has BILAG counts: SRI-4 is labelled "SRI-4 (without BILAG)"."""
        return all(row.sri4 is None or row.sri4.without_bilag for row in self.visits)


def activity_class(score: int | None) -> str | None:
    """The activity band of a SELENA-SLEDAI score (a code: clinical.display gives its label)."""
    return sledai.activity_class(score, config("ACTIVITY_BANDS"))


def _timepoint_rows(records: PatientRecords, course: Course) -> list[TimepointRow]:
    changes = treatment_changes(records.treatments)
    visit_dates = [v.date for v in records.visits]
    rows = []
    for tp in response.TIMEPOINTS:
        nominal = response.nominal_date(course.start_date, tp, config("TIMEPOINT_DAYS"))
        before, after = response.window(tp, config("BASELINE_WINDOW"), config("TIMEPOINT_WINDOW"))
        index = response.nearest_in_window(visit_dates, nominal, before, after)
        visit = records.visits[index] if index is not None else None
        dose_date = visit.date if visit else nominal
        rows.append(
            TimepointRow(
                tp=tp,
                nominal=nominal,
                on_treatment=response.on_treatment(course.start_date, course.stop_date, nominal),
                visit=visit,
                sledai=visit.sledai if visit else None,
                activity=activity_class(visit.sledai) if visit else "",
                prednisone=steroid_on(changes, dose_date),
                dose_date=dose_date,
                labs=nearest_labs(records.labs, nominal, before, after),
            )
        )
    return rows


def _status_rows(
    records: PatientRecords, course: Course, rows: list[TimepointRow], today: date
) -> list[StatusRow]:
    changes = treatment_changes(records.treatments)
    by_tp = {row.tp: row for row in rows}
    adjudications = {a.timepoint: a for a in records.adjudications}
    drop = config("RESPONSE_SLEDAI_DROP")
    statuses = []
    for tp in FOLLOW_UP:
        row = by_tp[tp]
        course_input = response.PatientCourse(
            d0=course.start_date,
            stop_date=course.stop_date,
            stop_reason=course.stop_reason or None,
            sledai_m0=by_tp["M0"].sledai,
            sledai_t=row.sledai,
            steroid_m0=by_tp["M0"].prednisone,
            steroid_t=row.prednisone,
            immunosuppressants=immunosuppressant_doses(changes, course.start_date, row.dose_date),
        )
        result = response.response_at(tp, course_input, drop, config("TIMEPOINT_DAYS"))
        window_end = shift(row.nominal, config("TIMEPOINT_WINDOW")[1])
        statuses.append(
            StatusRow(
                tp,
                result,
                drop,
                adjudications.get(tp),
                awaited=row.visit is None and result.on_treatment and today <= window_end,
                window_end=window_end,
            )
        )
    return statuses


def _visit_rows(records: PatientRecords, baseline: Visit | None) -> list[VisitRow]:
    changes = treatment_changes(records.treatments)
    rows = []
    previous: Visit | None = None
    for visit in records.visits:
        prednisone = steroid_on(changes, visit.date)
        codes = descriptors_of(visit)
        sri = None
        if baseline is not None and visit.date > baseline.date:
            bilag = visit.bilag_new_a is not None and visit.bilag_new_b is not None
            sri = response.sri4(
                sledai_m0=baseline.sledai,
                sledai=visit.sledai,
                pga_m0=baseline.pga,
                pga=visit.pga,
                bilag_new_a=visit.bilag_new_a if bilag else None,
                bilag_new_b=visit.bilag_new_b if bilag else None,
                drop=config("RESPONSE_SLEDAI_DROP"),
            )
        rows.append(
            VisitRow(
                visit=visit,
                activity=activity_class(visit.sledai),
                prednisone=prednisone,
                descriptor_labels=[L.label(L.DESCRIPTOR_LABELS, c) for c in codes or ()],
                sri4=sri,
                lldas=response.lldas(
                    score=visit.sledai,
                    descriptors=codes,
                    previous_descriptors=descriptors_of(previous) if previous else None,
                    pga=visit.pga,
                    prednisone=prednisone,
                ),
                doris=response.doris(
                    score=visit.sledai, descriptors=codes, pga=visit.pga, prednisone=prednisone
                ),
            )
        )
        previous = visit
    return rows


def _continuation(
    records: PatientRecords, course: Course, rows: list[TimepointRow], today: date
) -> Continuation:
    # The criterion is the score at 24 weeks (the visit nearest to D0 + 168 in the time-point
    # window, as for M6 and M12), not the latest one: a later flare or improvement is another
    # question than whether treatment should have continued past 24 weeks.
    review_days = config("CONTINUATION_REVIEW_DAYS")
    review_date = shift(course.start_date, review_days)
    before, after = config("TIMEPOINT_WINDOW")
    seen = [v for v in records.visits if v.date <= today]
    at = response.nearest_in_window([v.date for v in seen], review_date, before, after)
    at_review = seen[at] if at is not None else None
    sledai_m0 = rows[0].sledai
    sledai_now = (
        at_review.sledai if at_review is not None and at_review is not rows[0].visit else None
    )
    stopped = course.stop_date is not None and course.stop_date <= today
    reviewed = stopped or any(a.timepoint == "M6" for a in records.adjudications)
    return Continuation(
        review_date=review_date,
        due=response.continuation_review_due(course.start_date, today, review_days, reviewed),
        met=response.continuation_met(sledai_m0, sledai_now, config("RESPONSE_SLEDAI_DROP")),
        sledai_m0=sledai_m0,
        sledai_now=sledai_now,
    )


def clinical_summary(*, records: PatientRecords, today: date) -> ClinicalSummary:
    """Time points M0/M6/M12, response at M6/M12, per-visit SRI-4/LLDAS/DORIS, NICE review."""
    summary = ClinicalSummary(records=records)
    course = records.course
    if course is None:
        summary.visits = _visit_rows(records, None)
        return summary
    summary.timepoints = _timepoint_rows(records, course)
    summary.visits = _visit_rows(records, summary.timepoints[0].visit)
    summary.statuses = _status_rows(records, course, summary.timepoints, today)
    summary.continuation = _continuation(records, course, summary.timepoints, today)
    return summary


# --- timeline ----------------------------------------------------------------------------------


@dataclass
class TreatmentRow:
    row: TreatmentDose
    label: str
    category: str
    prednisone: Decimal | None
    change: str


def treatment_rows(rows: Sequence[TreatmentDose]) -> list[TreatmentRow]:
    """Each dose change with its prednisone equivalent and kind (started, decreased...)."""
    result = []
    previous: dict[str, Decimal] = {}
    for row in sorted(rows, key=lambda r: (r.drug, r.start_date, r.pk or 0)):
        try:
            category = treatments.drug_category(row.drug)
        except ValueError:
            category = "other"
        prednisone = (
            treatments.prednisone_equivalent(row.drug, row.dose)
            if category == "corticosteroid"
            else None
        )
        kind = treatments.change_kind(previous.get(row.drug), row.dose)
        previous[row.drug] = row.dose
        result.append(
            TreatmentRow(
                row=row,
                label=L.label(L.DRUG_LABELS, row.drug),
                category=category,
                prednisone=prednisone,
                change=L.label(L.CHANGE_KIND_LABELS, kind),
            )
        )
    return result


def treatments_in_force(rows: Sequence[TreatmentDose], on: date) -> list[TreatmentRow]:
    """The last change of each drug on or before `on`, when its dose is above 0."""
    latest: dict[str, TreatmentRow] = {}
    for item in treatment_rows(rows):
        if item.row.start_date <= on:
            latest[item.row.drug] = item
    return [item for item in latest.values() if item.row.dose > 0]


def missed_cycles(records: PatientRecords, today: date) -> list[dict[str, Any]]:
    """Gaps between infusions with cycles missed, and the cycles missed since the last one."""
    found = []
    for course in records.courses:
        regimen = course.regimen.as_domain()
        given = [(i.date, i.pens) for i in records.infusions if i.course_id == course.pk]
        # SC: the weeks the dispensations cover, not the days they were dispensed
        for gap in schedule.gaps(regimen, pens.administration_dates(regimen, given)):
            if gap.missed_cycles > 0:
                found.append({"start": gap.start, "end": gap.end, "missed": gap.missed_cycles})
        status = None
        if course.stop_date is None or course.stop_date > today:
            done = pens.administration_dates(regimen, [g for g in given if g[0] <= today])
            status = schedule.status_on(
                schedule.course_snapshot(regimen, course.start_date, done), today
            )
        if status is not None and status.missed_cycles_now > 0:
            found.append(
                {"start": status.next_due, "end": today, "missed": status.missed_cycles_now}
            )
    return found


def adverse_event_text(event: AdverseEvent) -> str:
    """The event's term (in the user's language when it is a known term of the fixtures) with
    its grade and seriousness: "Pneumonia (grade 3, serious)"."""
    marks = []
    if event.severity_grade is not None:
        marks.append(_("grade %(grade)d") % {"grade": event.severity_grade})
    if event.serious:
        marks.append(_("serious"))
    term = term_label(event.term)
    return f"{term} ({', '.join(marks)})" if marks else term


def _administration_marks(records: PatientRecords) -> dict[str, list[Any]]:
    """IV infusions as dates; SC records as dispensations (date, pens), each pen one week."""
    sc = {c.pk for c in records.courses if c.regimen.route == Route.SC}
    return {
        "infusions": [i.date for i in records.infusions if i.course_id not in sc],
        "dispensations": [(i.date, i.pens) for i in records.infusions if i.course_id in sc],
    }


def timeline_chart_data(records: PatientRecords, today: date) -> dict[str, Any]:
    """Plain data for `belimumab.clinical.charts` (no ORM object, no label lookup left)."""
    changes = treatment_changes(records.treatments)
    steroid_dates = sorted(
        {when for drug, when, _ in changes if drug in treatments.CORTICOSTEROIDS}
    )
    prednisone = [(d, steroid_on(changes, d)) for d in steroid_dates]
    if prednisone and prednisone[-1][0] < today:
        prednisone.append((today, prednisone[-1][1]))
    specs = lab_specs()
    labs: dict[str, list[tuple[date, Decimal, Decimal | None, Decimal | None]]] = {}
    for lab in records.labs:
        if lab.test in SERUM_TESTS:
            value, lower, upper = lab_in_default_unit(lab, specs)
            if value is not None:
                labs.setdefault(lab.test, []).append((lab.date, value, lower, upper))
    events = [
        (
            ae.onset_date,
            adverse_event_text(ae),
            "serious" if ae.serious or ae.is_severe else "adverse_event",
        )
        for ae in records.adverse_events
    ]
    for course in records.courses:
        if course.stop_date:
            events.append(
                (
                    course.stop_date,
                    _("Belimumab stopped: %(reason)s")
                    % {"reason": course.get_stop_reason_display()},
                    "stop",
                )
            )
        if course.follow_up_end:
            events.append(
                (
                    course.follow_up_end,
                    _("End of follow-up: %(reason)s")
                    % {"reason": course.get_follow_up_end_reason_display()},
                    "follow_up_end",
                )
            )
    starts = [c.start_date for c in records.courses]
    return {
        "sledai": [
            (v.date, v.sledai, activity_class(v.sledai))
            for v in records.visits
            if v.sledai is not None
        ],
        "prednisone": [(d, dose) for d, dose in prednisone if dose is not None],
        **_administration_marks(records),
        "missed": missed_cycles(records, today),
        "events": sorted(events, key=lambda e: e[0]),
        "starts": starts,
        "labs": labs,
        "units": {test: unit_label(spec.unit) for test, spec in specs.items()},
        "today": today,
    }


# --- the lead's patient page -------------------------------------------------------------------


PANEL_VISITS = 5
PANEL_EVENTS = 5


def patient_clinical_panel(*, patient: Patient, today: date) -> dict[str, Any]:
    """Latest visits, the latest result of each test, latest adverse events, treatments in
    force: four queries."""
    visits = list(
        Visit.objects.filter(patient=patient, is_active=True).order_by("-date", "-pk")[
            :PANEL_VISITS
        ]
    )
    latest = (
        LabResult.objects.filter(patient=patient, is_active=True, test=OuterRef("test"))
        .order_by("-date", "-pk")
        .values("pk")[:1]
    )
    order = {code: i for i, code in enumerate(LabTest.values)}
    labs = sorted(
        (
            display_result(lab)
            for lab in LabResult.objects.filter(
                patient=patient, is_active=True, pk=Subquery(latest)
            )
        ),
        key=lambda lab: order.get(lab.test, len(order)),
    )
    doses = list(TreatmentDose.objects.filter(patient=patient, is_active=True))
    events = list(
        AdverseEvent.objects.filter(patient=patient, is_active=True)
        .select_related("infusion")
        .order_by("-onset_date", "-pk")[:PANEL_EVENTS]
    )
    return {
        "patient": patient,
        "visits": [(v, activity_class(v.sledai)) for v in visits],
        "labs": labs,
        "treatments": treatments_in_force(doses, today),
        "adverse_events": events,
    }


# --- audit history -----------------------------------------------------------------------------

# the records whose audit history a page shows: each belongs to a patient
HistoryRecord = Visit | LabResult | TreatmentDose | AdverseEvent | Adjudication | Infusion

HISTORY_MODELS: dict[str, type[HistoryRecord]] = {
    "visit": Visit,
    "lab": LabResult,
    "treatment": TreatmentDose,
    "adverse_event": AdverseEvent,
    "adjudication": Adjudication,
    # an infusion's history shows its corrections and the usual limits confirmed
    "infusion": Infusion,
}


def record_for_history(*, kind: str, pk: int) -> HistoryRecord:
    """The record of a history page (any state: deactivated records keep their history)."""
    model = HISTORY_MODELS[kind]
    return model.objects.select_related("patient").get(pk=pk)
