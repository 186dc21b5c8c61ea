"""What the checks know beforehand (`Context`) and the typed rows they produce."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from belimumab.clinical.labs import TestSpec, lab_specs, plausibility_limits
from belimumab.cohort_io.batches import QUERY_CHUNK, chunks
from belimumab.cohort_io.formats import Tables
from belimumab.cohort_io.results import Problem
from belimumab.domain.defaults import MAX_PENS_PER_DISPENSATION
from belimumab.domain.plausibility import Limits
from belimumab.domain.schedule import Regimen as DomainRegimen
from belimumab.patients.models import Course, Patient, Regimen
from belimumab.pharmacy.models import Infusion


@dataclass(frozen=True)
class ExistingCourse:
    start_date: date
    stop_date: date | None
    regimen: str


@dataclass
class Context:
    """What validation needs to know from the database and the settings."""

    today: date
    known_codes: set[str] = field(default_factory=set)
    inactive_codes: set[str] = field(default_factory=set)
    # hospital identifier -> code of the patient holding it, for the identifiers of the file
    hospital_ids: dict[str, str] = field(default_factory=dict)
    courses: dict[str, list[ExistingCourse]] = field(default_factory=dict)
    regimens: dict[str, DomainRegimen] = field(default_factory=dict)
    vial_sizes: tuple[int, ...] = (120, 400)
    max_weight_kg: Decimal = Decimal(250)
    max_pens: int = MAX_PENS_PER_DISPENSATION
    labs: dict[str, TestSpec] = field(default_factory=dict)
    # Default range of each (test, unit): computed once, not for every row of labs.csv.
    lab_ranges: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = field(
        default_factory=dict
    )
    # Plausibility: the department's limits, birth dates of the known patients, and the
    # (date, weight, course start, pens) of their active infusions when the files hold infusions.
    limits: Limits = field(default_factory=Limits)
    births: dict[str, date] = field(default_factory=dict)
    infusions: dict[str, list[tuple[date, Decimal | None, date, int]]] = field(default_factory=dict)

    @property
    def lab_tests(self) -> tuple[str, ...]:
        return tuple(self.labs)

    def lab_range(self, test: str, unit: str) -> tuple[Decimal | None, Decimal | None]:
        found = self.lab_ranges.get((test, unit))
        if found is None:
            found = self.lab_ranges[(test, unit)] = self.labs[test].range_in(unit)
        return found


@dataclass
class PatientRow:
    line: int
    code: str
    fields: dict[str, Any]
    course: dict[str, Any]  # start_date, regimen (code), plan.COURSE_FIELDS when given


@dataclass
class ChildRow:
    table: str
    line: int
    code: str
    key: tuple[Any, ...]
    fields: dict[str, Any]
    course_start: date | None = None  # infusions: start date of the course they belong to
    confirmed: tuple[str, ...] = ()  # the row's `confirmed` column (plausibility checks)
    lots: tuple[Any, ...] = ()  # infusions: the structured lots (cohort_io.infusion_lots.LotCell)

    def course_key(self) -> tuple[str, date]:
        """(patient code, course start) of an infusion row, the key of its course's id."""
        if self.course_start is None:
            raise ValueError(
                f"{self.table} line {self.line}: no course (resolve_infusions sets the course "
                "of every infusion row it keeps)"
            )
        return (self.code, self.course_start)


@dataclass
class Parsed:
    patients: dict[str, PatientRow] = field(default_factory=dict)
    children: dict[str, list[ChildRow]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)


def _load_hospital_ids(tables: Tables, context: Context) -> None:
    """Who holds the hospital identifiers of patients.csv (no query when it has none)."""
    table = tables.get("patients")
    given = sorted(
        {v["hospital_id"] for _line, v in table.rows if v.get("hospital_id")} if table else set()
    )
    for chunk in chunks([g for g in given if "\x00" not in g], QUERY_CHUNK):
        found = Patient.objects.filter(hospital_id__in=chunk).values_list("hospital_id", "code")
        context.hospital_ids.update(found)


def load_context(tables: Tables, today: date | None = None) -> Context:
    """The database facts validation needs: known patient codes, their courses, the regimens."""
    config = settings.BELIMUMAB
    context = Context(
        today=today or timezone.localdate(),
        vial_sizes=tuple(config["VIAL_SIZES_MG"]),
        max_weight_kg=Decimal(str(config["MAX_WEIGHT_KG"])),
        max_pens=int(config.get("MAX_PENS_PER_DISPENSATION", MAX_PENS_PER_DISPENSATION)),
        regimens={r.code: r.as_domain() for r in Regimen.objects.all()},
        labs=lab_specs(),
        limits=plausibility_limits(),
    )
    codes: set[str] = set()
    for name, table in tables.items():
        column = "code" if name == "patients" else "patient"
        # a code with a NUL is refused by its row's checks; PostgreSQL cannot even compare it
        codes.update(
            v[column] for _line, v in table.rows if v.get(column) and "\x00" not in v[column]
        )
    _load_hospital_ids(tables, context)
    ordered = sorted(codes)
    for chunk in chunks(ordered, QUERY_CHUNK):
        for code, active, birth in Patient.objects.filter(code__in=chunk).values_list(
            "code", "is_active", "birth_date"
        ):
            context.known_codes.add(code)
            context.births[code] = birth
            if not active:
                context.inactive_codes.add(code)
        for code, start, stop, regimen in (
            Course.objects.filter(patient__code__in=chunk, is_active=True)
            .values_list("patient__code", "start_date", "stop_date", "regimen__code")
            .order_by("start_date")
        ):
            context.courses.setdefault(code, []).append(ExistingCourse(start, stop, regimen))
        if "infusions" in tables:
            for code, day, weight, start, pens in Infusion.objects.filter(
                patient__code__in=chunk, is_active=True
            ).values_list("patient__code", "date", "weight_kg", "course__start_date", "pens"):
                context.infusions.setdefault(code, []).append((day, weight, start, pens))
    return context
