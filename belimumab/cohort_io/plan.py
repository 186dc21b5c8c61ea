"""The import plan: the checked rows compared with the database by natural key.

Keys: patient code; patient + start date for courses; patient + the file's key for the child
tables (`formats.FILES[name].key`). A row with no active match is created, one whose fields
differ is updated, an identical one is left untouched (importing the same files twice writes
nothing the second time). Nothing is ever deactivated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit
from belimumab.cohort_io.batches import QUERY_CHUNK, chunks
from belimumab.cohort_io.context import ChildRow, Parsed
from belimumab.cohort_io.formats import CHILD_TABLES, FILES
from belimumab.cohort_io.results import Problem
from belimumab.patients.models import Course, Patient, Regimen
from belimumab.pharmacy.models import Infusion

# Run-time choices: generic code reaches their manager as `_default_manager` (Django's way for
# a model not known statically; each of these has the one manager `objects`).
MODELS: dict[str, type[models.Model]] = {
    "patients": Patient,
    "courses": Course,
    "treatments": TreatmentDose,
    "infusions": Infusion,
    "visits": Visit,
    "labs": LabResult,
    "adverse_events": AdverseEvent,
}

# The fields of a course a patients.csv row may set (when the file has their columns).
COURSE_FIELDS = (
    "stop_date",
    "stop_reason",
    "follow_up_end",
    "follow_up_end_reason",
    "follow_up_end_note",
    "confirmed_checks",
)


@dataclass
class TablePlan:
    """Rows to create and to update for one model."""

    name: str
    model: type[models.Model]
    creates: list[Any] = field(default_factory=list)  # PatientRow / ChildRow / course tuples
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # pk, changed fields
    unchanged: int = 0


def plan_patients(parsed: Parsed) -> tuple[TablePlan, dict[str, int]]:
    """The patients of patients.csv; also the ids of every patient the files name."""
    plan = TablePlan("patients", Patient)
    ids: dict[str, int] = {}
    rows = list(parsed.patients.values())
    fields = sorted({f for row in rows for f in row.fields})
    for chunk in chunks([r.code for r in rows], QUERY_CHUNK):
        for existing in Patient.objects.filter(code__in=chunk).values("pk", "code", *fields):
            ids[existing["code"]] = existing["pk"]
            row = parsed.patients[existing["code"]]
            changed = {f: v for f, v in row.fields.items() if existing[f] != v}
            if changed:
                plan.updates.append((existing["pk"], changed))
            else:
                plan.unchanged += 1
    plan.creates = [row for row in rows if row.code not in ids]
    # Patients the other files refer to without a row in patients.csv are in the database.
    others = sorted(
        {r.code for rows in parsed.children.values() for r in rows} - set(parsed.patients)
    )
    for chunk in chunks(others, QUERY_CHUNK):
        ids.update(Patient.objects.filter(code__in=chunk).values_list("code", "pk"))
    return plan, ids


def plan_courses(
    parsed: Parsed, patient_ids: dict[str, int], regimen_ids: dict[str, int]
) -> tuple[TablePlan, dict[tuple[str, date], int]]:
    """The course of each patients.csv row; also the ids of the patients' active courses."""
    plan = TablePlan("courses", Course)
    course_ids: dict[tuple[str, date], int] = {}
    existing: dict[tuple[int, date], Mapping[str, Any]] = {}
    for chunk in chunks(sorted(patient_ids.values()), QUERY_CHUNK):
        for course in Course.objects.filter(patient_id__in=chunk, is_active=True).values(
            "pk", "patient_id", "start_date", "regimen_id", *COURSE_FIELDS
        ):
            existing[(course["patient_id"], course["start_date"])] = course
    code_of = {pk: code for code, pk in patient_ids.items()}
    for (course_patient_id, start), values in existing.items():
        course_ids[(code_of[course_patient_id], start)] = values["pk"]
    for row in parsed.patients.values():
        wanted = {"regimen_id": regimen_ids[row.course["regimen"]]}
        for f in COURSE_FIELDS:
            if f in row.course:
                wanted[f] = row.course[f]
        patient_id = patient_ids.get(row.code)
        old = existing.get((patient_id, row.course["start_date"])) if patient_id else None
        if old is None:
            plan.creates.append((row.code, row.course["start_date"], wanted))
            continue
        changed = {f: v for f, v in wanted.items() if old[f] != v}
        if changed:
            plan.updates.append((old["pk"], changed))
        else:
            plan.unchanged += 1
    return plan, course_ids


def plan_children(
    name: str,
    rows: list[ChildRow],
    patient_ids: dict[str, int],
    course_ids: dict[tuple[str, date], int],
    problems: list[Problem],
    label: str,
) -> TablePlan:
    """Creations and updates of one child table; a row the database contradicts is a problem."""
    plan = TablePlan(name, MODELS[name])
    keys = FILES[name].key
    existing = _existing_children(name, rows, patient_ids)
    units: dict[tuple[int, str], set[tuple[int, str]]] = defaultdict(set)
    if name == "treatments":
        for (patient_id, drug, _start), values in existing.items():
            units[(patient_id, drug)].update((v["pk"], v["unit"]) for v in values)
    for row in rows:
        patient_id = patient_ids.get(row.code)
        matches = existing.get((patient_id, *row.key), []) if patient_id else []
        if name == "treatments" and patient_id:
            own = {m["pk"] for m in matches}
            other = {u for pk, u in units[(patient_id, row.key[0])] if pk not in own}
            if other and row.fields["unit"] not in other:
                problems.append(
                    Problem(
                        label,
                        row.line,
                        "unit",
                        _("the database holds this drug in %(unit)s: use the same unit")
                        % {"unit": ", ".join(sorted(other))},
                    )
                )
                continue
        if len(matches) > 1:
            problems.append(
                Problem(
                    label,
                    row.line,
                    "-",
                    _("the database holds %(n)d active rows with this %(key)s: correct them first")
                    % {"n": len(matches), "key": ", ".join(("patient", *keys))},
                )
            )
            continue
        _plan_row(plan, row, matches, course_ids)
    return plan


def _existing_children(
    name: str, rows: list[ChildRow], patient_ids: dict[str, int]
) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """The active rows of the files' patients, by (patient id, *key), with the files' fields."""
    keys = FILES[name].key
    fields = sorted({f for row in rows for f in row.fields})
    if name == "infusions":
        fields.append("course_id")
    wanted_ids = sorted({patient_ids[r.code] for r in rows if r.code in patient_ids})
    existing: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for chunk in chunks(wanted_ids, QUERY_CHUNK):
        for values in (
            MODELS[name]
            ._default_manager.filter(patient_id__in=chunk, is_active=True)
            .values("pk", "patient_id", *keys, *fields)
        ):
            existing[(values["patient_id"], *(values[k] for k in keys))].append(values)
    return existing


def _plan_row(
    plan: TablePlan,
    row: ChildRow,
    matches: list[dict[str, Any]],
    course_ids: dict[tuple[str, date], int],
) -> None:
    """A row with no active match is created; with one, updated if a field differs."""
    if not matches:
        plan.creates.append(row)
        return
    old = matches[0]
    wanted = dict(row.fields)
    if plan.name == "infusions":
        wanted["course_id"] = course_ids.get(row.course_key())
    changed = {f: v for f, v in wanted.items() if old[f] != v}
    if changed:
        plan.updates.append((old["pk"], changed))
    else:
        plan.unchanged += 1


@dataclass
class ImportPlan:
    """The plans of every table, in writing order, and the ids of the patients and courses
    already in the database (the writer adds those it creates)."""

    tables: list[TablePlan]
    patient_ids: dict[str, int]
    course_ids: dict[tuple[str, date], int]


def plan_import(parsed: Parsed, labels: dict[str, str], problems: list[Problem]) -> ImportPlan:
    """Compare every checked row with the database; `problems` gets what the database
    contradicts (`labels`: the file label of each table, for the problems)."""
    patients_plan, patient_ids = plan_patients(parsed)
    regimen_ids = dict(Regimen.objects.values_list("code", "pk"))
    courses_plan, course_ids = plan_courses(parsed, patient_ids, regimen_ids)
    tables = [patients_plan, courses_plan]
    for name in CHILD_TABLES:
        if name in parsed.children:
            tables.append(
                plan_children(
                    name,
                    parsed.children[name],
                    patient_ids,
                    course_ids,
                    problems,
                    labels.get(name, f"{name}.csv"),
                )
            )
    return ImportPlan(tables, patient_ids, course_ids)
