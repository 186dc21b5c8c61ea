"""Infusions attached to their course, with the doses and vials the files leave empty."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from belimumab.cohort_io.context import ChildRow, Context, ExistingCourse, Parsed
from belimumab.cohort_io.formats import RawTable
from belimumab.cohort_io.results import Problem
from belimumab.domain import dosing
from belimumab.domain.schedule import Regimen as DomainRegimen
from belimumab.patients.models import Route


def _courses_of(code: str, parsed: Parsed, context: Context) -> list[ExistingCourse]:
    """The patient's courses after the import: the database's, the file's replacing its match."""
    courses = list(context.courses.get(code, []))
    row = parsed.patients.get(code)
    if row is not None:
        start = row.course["start_date"]
        old = next((c for c in courses if c.start_date == start), None)
        stop = row.course.get("stop_date", old.stop_date if old else None)
        courses = [c for c in courses if c.start_date != start]
        courses.append(ExistingCourse(start, stop, row.course["regimen"]))
    return sorted(courses, key=lambda c: c.start_date)


def resolve_infusions(
    table: RawTable | None, parsed: Parsed, context: Context, skip: set[str]
) -> None:
    """Attach each infusion to its course and compute the doses and vials left empty.

    Patients in `skip` (their patients.csv row is wrong) are left out: no course to check.
    """
    rows = parsed.children.get("infusions", [])
    if table is None or not rows:
        return
    kept: list[ChildRow] = []
    by_course: dict[tuple[str, date], list[ChildRow]] = defaultdict(list)
    courses_of: dict[str, list[ExistingCourse]] = {}
    for row in rows:
        if row.code in skip:
            continue
        day = row.key[0]
        courses = courses_of.get(row.code)
        if courses is None:
            courses = courses_of[row.code] = _courses_of(row.code, parsed, context)
        course = next((c for c in reversed(courses) if c.start_date <= day), None)
        if course is None:
            first = courses[0].start_date.isoformat() if courses else "-"
            parsed.problems.append(
                Problem(
                    table.label,
                    row.line,
                    "date",
                    _("before the start of the patient's belimumab course (%(start)s)")
                    % {"start": first},
                )
            )
            continue
        if course.stop_date is not None and day > course.stop_date:
            parsed.problems.append(
                Problem(
                    table.label,
                    row.line,
                    "date",
                    _("after the course stop date %(stop)s") % {"stop": course.stop_date},
                )
            )
            continue
        row.course_start = course.start_date
        by_course[(row.code, course.start_date)].append(row)
        kept.append(row)
    plans: dict[Decimal, tuple[int, int]] = {}
    wrong: set[int] = set()
    for (code, start), course_rows in by_course.items():
        regimen_code = next(c.regimen for c in courses_of[code] if c.start_date == start)
        regimen = context.regimens[regimen_code]
        for index, row in enumerate(sorted(course_rows, key=lambda r: r.key[0])):
            problem = _infusion_doses(row, regimen, index, context, plans)
            if problem:
                parsed.problems.append(Problem(table.label, row.line, problem[0], problem[1]))
                wrong.add(id(row))
    parsed.children["infusions"] = [row for row in kept if id(row) not in wrong]


def _infusion_doses(
    row: ChildRow,
    regimen: DomainRegimen,
    index: int,
    context: Context,
    plans: dict[Decimal, tuple[int, int]],
) -> tuple[str, str] | None:
    """Fill prescribed/prepared doses and vials of an infusion row; a (column, message) problem.

    Prescribed: the regimen's dose (10 mg/kg x the weight, or the fixed SC dose), else the dose
    given; prepared: the dose given, else the prescribed one; vials (both empty): the least-waste
    combination of the prepared dose for IV, none for SC. `plans` caches vial plans by dose.
    """
    weight = row.fields.pop("weight_kg")
    given = row.fields.pop("dose_mg")
    vials = row.fields.pop("vials")
    if regimen.route == Route.IV and row.fields.get("pens", 1) != 1:
        return "pens", _("pens are dispensed for a subcutaneous course only: leave it empty or 1")
    if weight is not None and weight > context.max_weight_kg:
        return "weight_kg", _("%(weight)s kg is above %(max)s kg") % {
            "weight": weight,
            "max": context.max_weight_kg,
        }
    try:
        prescribed: Decimal | None = regimen.dose_mg(weight, index)
    except ValueError:
        prescribed = given
    if prescribed is None:
        return "weight_kg", _("the weight or the dose is needed for a weight-based dose")
    prescribed = prescribed.quantize(Decimal("0.1"))
    prepared = given if given is not None else prescribed
    if vials is None:
        if regimen.route == Route.IV:
            vials = plans.get(prepared)
            if vials is None:
                plan = dosing.vial_plan(prepared, context.vial_sizes)
                vials = plans[prepared] = (plan.count(120), plan.count(400))
        else:
            vials = (0, 0)
    row.fields.update(
        weight_kg=weight,
        prescribed_dose_mg=prescribed,
        prepared_dose_mg=prepared,
        vials_120=vials[0],
        vials_400=vials[1],
    )
    return None
