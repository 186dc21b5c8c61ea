"""Reads of the cohort report: one narrow `values_list` query per table, whatever the cohort size.

Each function returns plain rows (`frames.Rows`: column names and one tuple per row, no dict per
row) for `belimumab.reports.frames`; nothing here computes a clinical rule. The cohort is every
active patient's first active belimumab course (the initiation, D0), optionally narrowed by the
dashboard's filters; the other tables are read for those patients only, through a sub-query
(still one query each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, FloatField, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from belimumab.clinical.labs import lab_specs
from belimumab.clinical.models import (
    Adjudication,
    AdverseEvent,
    AECategory,
    LabResult,
    TreatmentDose,
    Visit,
)
from belimumab.core.collector import cycle_collector_paused
from belimumab.department.selectors import belimumab
from belimumab.patients.models import (
    BIOLOGICS,
    Course,
    InitiationReason,
    Manifestation,
    PreviousTreatment,
    Sex,
    Smoking,
)
from belimumab.pharmacy.models import Infusion
from belimumab.reports.dataset import LAB_TESTS, Dataset, Params, build_dataset
from belimumab.reports.frames import Rows, cohort_frames
from belimumab.reports.report import Vocabulary, build_report


class _RawCast(Cast):
    """A cast whose value is kept as the database returns it, without Django's per-value
    conversion: a float (PostgreSQL double precision, SQLite REAL), a text, or NULL."""

    @property
    def convert_value(self) -> Callable[..., Any]:
        # Django skips a converter only when this is its own `_convert_value_noop` (an identity
        # test in get_db_converters); the stubs leave that private method out.
        return self._convert_value_noop  # type: ignore[attr-defined]


def _float(field: str) -> Cast:
    """A decimal column read as a float by the database: the frames compute in floats, so
    Django's Decimal conversion of every value would be work thrown away."""
    return _RawCast(field, FloatField())


def _json_text(field: str) -> Cast:
    """A JSON column read as its text: the frames decode a whole column in one `json.loads`
    instead of Django decoding the values one by one."""
    return _RawCast(field, TextField())


def _rows(queryset: QuerySet, **columns: Any) -> Rows:
    """`values_list` of the columns (name -> field path or expression), in that order."""
    return Rows(tuple(columns), list(queryset.values_list(*columns.values())))


@dataclass(frozen=True)
class CohortFilters:
    """The dashboard's filters: initiation (D0) period, route of the first course, indication."""

    start_from: date | None = None
    start_to: date | None = None
    route: str = ""
    indication: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "start_from": self.start_from.isoformat() if self.start_from else None,
            "start_to": self.start_to.isoformat() if self.start_to else None,
            "route": self.route or None,
            "indication": self.indication or None,
        }


def first_courses(
    filters: CohortFilters | None = None, as_of: date | None = None
) -> QuerySet[Course]:
    """Each active patient's first active course (earliest start, then lowest id), filtered;
    with `as_of`, only when it started on or before the cut-off (a later course is not in the
    cohort yet)."""
    filters = filters or CohortFilters()
    earlier = Course.objects.filter(patient=OuterRef("patient"), is_active=True).filter(
        Q(start_date__lt=OuterRef("start_date"))
        | Q(start_date=OuterRef("start_date"), pk__lt=OuterRef("pk"))
    )
    courses = Course.objects.filter(is_active=True, patient__is_active=True).filter(
        ~Exists(earlier)
    )
    if filters.start_from:
        courses = courses.filter(start_date__gte=filters.start_from)
    if filters.start_to:
        courses = courses.filter(start_date__lte=filters.start_to)
    if filters.route:
        courses = courses.filter(regimen__route=filters.route)
    if filters.indication:
        courses = courses.filter(patient__indication=filters.indication)
    if as_of is not None:
        courses = courses.filter(start_date__lte=as_of)
    return courses


def patient_rows(courses: QuerySet[Course]) -> Rows:
    """Patients with their first course and its regimen (one query).

    The birth date is read to derive the age at D0; it never leaves the dataset builder.
    """
    fields = (
        "patient_id",
        "patient__code",
        "patient__birth_date",
        "patient__sex",
        "patient__smoking",
        "patient__manifestations",
        "patient__previous_treatments",
        "patient__initiation_reasons",
        "patient__indication",
        "patient__prior_trial",
        "id",
        "start_date",
        "stop_date",
        "stop_reason",
        "follow_up_end",
        "follow_up_end_reason",
        "regimen__code",
        "regimen__route",
        "regimen__mg_per_kg",
        "regimen__fixed_dose_mg",
        "regimen__loading_intervals_days",
        "regimen__loading_doses_mg",
        "regimen__interval_days",
    )
    json = {
        "patient__manifestations",
        "patient__previous_treatments",
        "patient__initiation_reasons",
        "regimen__loading_intervals_days",
        "regimen__loading_doses_mg",
    }
    return _rows(
        courses.order_by("patient__code"),
        **{f: _json_text(f) if f in json else f for f in fields},
    )


def _until(queryset: QuerySet, field: str, as_of: date | None) -> QuerySet:
    """Rows dated on or before the cut-off (all without one): later ones do not exist yet."""
    return queryset if as_of is None else queryset.filter(**{f"{field}__lte": as_of})


def infusion_rows(courses: QuerySet[Course], as_of: date | None = None) -> Rows:
    """Active administrations of the selected courses (one query)."""
    infusions = Infusion.objects.filter(is_active=True, course__in=courses.values("pk"))
    return _rows(
        _until(infusions, "date", as_of).order_by("patient_id", "date", "pk"),
        id="id",
        patient_id="patient_id",
        course_id="course_id",
        date="date",
        vials_120="vials_120",
        vials_400="vials_400",
        prescribed_dose_mg=_float("prescribed_dose_mg"),
        prepared_dose_mg=_float("prepared_dose_mg"),
        pens="pens",
    )


def visit_rows(courses: QuerySet[Course], as_of: date | None = None) -> Rows:
    visits = Visit.objects.filter(is_active=True, patient__in=courses.values("patient_id"))
    return _rows(
        _until(visits, "date", as_of).order_by("patient_id", "date", "pk"),
        id="id",
        patient_id="patient_id",
        date="date",
        sledai="sledai",
        flare="flare",
        pga=_float("pga"),
    )


def lab_rows(courses: QuerySet[Course], as_of: date | None = None) -> Rows:
    labs = LabResult.objects.filter(
        is_active=True, patient__in=courses.values("patient_id"), test__in=LAB_TESTS
    )
    return _rows(
        _until(labs, "date", as_of).order_by("patient_id", "test", "date", "pk"),
        id="id",
        patient_id="patient_id",
        date="date",
        test="test",
        value=_float("value"),
        lower_limit=_float("lower_limit"),
        upper_limit=_float("upper_limit"),
    )


def treatment_rows(courses: QuerySet[Course], as_of: date | None = None) -> Rows:
    doses = TreatmentDose.objects.filter(is_active=True, patient__in=courses.values("patient_id"))
    return _rows(
        _until(doses, "start_date", as_of).order_by("patient_id", "drug", "start_date", "pk"),
        id="id",
        patient_id="patient_id",
        drug="drug",
        start_date="start_date",
        dose=_float("dose"),
    )


def adverse_event_rows(courses: QuerySet[Course], as_of: date | None = None) -> Rows:
    fields: tuple[str, ...] = ("id", "patient_id", "onset_date", "term", "category", "site")
    fields += ("serious", "severity_grade", "causality", "action_taken", "reported_to_pv")
    fields += ("pv_report_date",)
    events = AdverseEvent.objects.filter(is_active=True, patient__in=courses.values("patient_id"))
    return _rows(
        _until(events, "onset_date", as_of).order_by("patient_id", "onset_date", "pk"),
        **{f: f for f in fields},
    )


def adjudication_rows(courses: QuerySet[Course]) -> Rows:
    fields = ("patient_id", "timepoint", "status", "reason")
    return _rows(
        Adjudication.objects.filter(
            is_active=True, patient__in=courses.values("patient_id")
        ).order_by("patient_id", "timepoint"),
        **{f: f for f in fields},
    )


def cohort_rows(filters: CohortFilters | None = None, as_of: date | None = None) -> dict[str, Rows]:
    """Every table the report needs, as rows: seven queries whatever the number of patients.

    With `as_of`, what is dated after the cut-off is not read (courses started later,
    administrations, visits, labs, dose changes and adverse events); a stop or an end of
    follow-up after it is read and ignored by the dataset builder."""
    courses = first_courses(filters, as_of)
    return {
        "patients": patient_rows(courses),
        "infusions": infusion_rows(courses, as_of),
        "visits": visit_rows(courses, as_of),
        "labs": lab_rows(courses, as_of),
        "treatments": treatment_rows(courses, as_of),
        "adverse_events": adverse_event_rows(courses, as_of),
        "adjudications": adjudication_rows(courses),
    }


def _optional_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def report_params() -> Params:
    """The report's numbers: settings.BELIMUMAB with the department's settings over them (its
    price history included) and the laboratory's default ranges."""
    specs = lab_specs()
    ranges = {
        test: (_optional_float(specs[test].lower), _optional_float(specs[test].upper))
        for test in LAB_TESTS
        if test in specs
    }
    return Params.from_settings(belimumab(), lab_ranges=ranges)


def report_vocabulary() -> Vocabulary:
    """The codes Table 1 and the adverse events table always list (the models' choices)."""
    return Vocabulary(
        sexes=tuple(Sex.values),
        smoking=tuple(Smoking.values),
        manifestations=tuple(Manifestation.values),
        previous_treatments=tuple(PreviousTreatment.values),
        biologics=tuple(BIOLOGICS),
        initiation_reasons=tuple(InitiationReason.values),
        ae_categories=tuple(AECategory.values),
    )


def cohort_report(
    filters: CohortFilters | None = None, as_of: date | None = None
) -> tuple[Dataset, dict[str, Any]]:
    """The analysis dataset and the report of the (filtered) cohort as of `as_of` (default:
    today, local date): seven queries."""
    filters = filters or CohortFilters()
    as_of = as_of or timezone.localdate()
    params = report_params()
    with cycle_collector_paused():
        ds = build_dataset(cohort_frames(cohort_rows(filters, as_of)), params, as_of=as_of)
        report = build_report(ds, params, report_vocabulary(), filters=filters.as_dict())
    return ds, report
