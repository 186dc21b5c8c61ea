"""The plausibility rules of the forms (`belimumab.domain.plausibility`) applied to the files.

A refusal is a problem of its cell. A warning is a problem too, unless the row's `confirmed`
column lists its check code (docs/data-format.md); the confirmed checks are then stored with the
record (`confirmed_checks`), as a form stores them. Infusions are compared with the previous
administration of their course, in the file or already in the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from belimumab.cohort_io.cells import Cells
from belimumab.cohort_io.context import ChildRow, Context, Parsed
from belimumab.cohort_io.formats import RawTable
from belimumab.cohort_io.results import Problem
from belimumab.core import plausibility
from belimumab.domain import plausibility as rules
from belimumab.domain.plausibility import Finding

CONFIRMED = "confirmed"


def confirmed_of(cells: Cells) -> list[str]:
    """The check codes of the row's `confirmed` column (separated by ;)."""
    if not cells.has(CONFIRMED):
        return []
    return cells.choice_list(CONFIRMED, rules.CONFIRMABLE)


def problem_text(finding: Finding, unit: str = "") -> str:
    """The form's message; for a warning, how the file confirms it."""
    text = plausibility.message(finding, unit, iso=True)
    if not finding.refused:
        text += " " + _("(to keep it, write %(check)s in the confirmed column)") % {
            "check": finding.check
        }
    return text


def report(
    cells: Cells,
    column: str,
    finding: Finding | None,
    confirmed: Collection[str],
    applied: list[str],
    unit: str = "",
) -> None:
    """A refusal or an unconfirmed warning becomes the cell's problem; a confirmed warning goes
    into `applied`."""
    if finding is None:
        return
    if not finding.refused and finding.check in confirmed:
        applied.append(finding.check)
        return
    cells.problem(column, problem_text(finding, unit))


def store(cells: Cells, fields: dict[str, Any], applied: list[str]) -> None:
    """The confirmed checks kept with the record, when the file has the column (a file without
    it leaves the stored confirmations as they are)."""
    if cells.has(CONFIRMED):
        fields["confirmed_checks"] = applied


def patient_dates(code: str, parsed: Parsed, context: Context) -> tuple[date | None, date | None]:
    """(birth date, D0) of a patient: the file's patients.csv row, else the database."""
    row = parsed.patients.get(code)
    birth = row.fields.get("birth_date") if row else context.births.get(code)
    starts = [c.start_date for c in context.courses.get(code, [])]
    if row is not None and row.course.get("start_date"):
        starts.append(row.course["start_date"])
    return birth, min(starts) if starts else None


def lab_finding(context: Context, test: str, value: Decimal, unit: str) -> Finding | None:
    """A result judged in the test's default unit; the mg/dL conversion is offered only for a
    value written in that unit."""
    spec = context.labs[test]
    finding = rules.lab_value(test, spec.to_default_unit(value, unit), context.limits)
    if finding is not None and finding.suggestion is not None and unit != spec.unit:
        return Finding("lab_range", rules.REFUSE, finding.params)
    return finding


def check_infusions(table: RawTable | None, parsed: Parsed, context: Context) -> None:
    """Interval since the previous administration of the course and weight change since the
    previous weight, for each infusion row, against the file's rows and the database's."""
    rows = parsed.children.get("infusions", [])
    if table is None or not rows:
        return
    by_course: dict[tuple[str, date], list[ChildRow]] = defaultdict(list)
    for row in rows:
        by_course[row.course_key()].append(row)
    for (code, start), course_rows in by_course.items():
        regimen = context.regimens[_regimen_of(code, start, parsed, context)]
        in_file = {row.key[0]: row for row in course_rows}
        stored = [
            (day, weight, pens)
            for day, weight, course_start, pens in context.infusions.get(code, [])
            if course_start == start and day not in in_file
        ]
        given = sorted(
            [
                (day, row.fields.get("weight_kg"), row.fields.get("pens", 1))
                for day, row in in_file.items()
            ]
            + stored
        )
        previous_weight: Decimal | None = None
        for index, (day, weight, _pens) in enumerate(given):
            own = in_file.get(day)
            if own is not None:
                _check_row(table, parsed, context, own, given, index, previous_weight, regimen)
            if weight is not None and rules.weight(weight, None, context.limits) is None:
                previous_weight = weight  # a refused weight is no reference for the next


def _regimen_of(code: str, start: date, parsed: Parsed, context: Context) -> str:
    row = parsed.patients.get(code)
    if row is not None and row.course["start_date"] == start:
        return str(row.course["regimen"])
    return next(c.regimen for c in context.courses[code] if c.start_date == start)


def _check_row(
    table: RawTable,
    parsed: Parsed,
    context: Context,
    row: ChildRow,
    given: list[tuple[date, Decimal | None, int]],
    index: int,
    previous_weight: Decimal | None,
    regimen: Any,
) -> None:
    applied: list[str] = []
    findings: list[tuple[str, Finding | None]] = [
        ("weight_kg", rules.weight(row.fields.get("weight_kg"), previous_weight, context.limits))
    ]
    if index > 0:
        interval = rules.interval(
            row.key[0],
            given[index - 1][0],
            # an SC dispensation of N pens schedules the next one N weeks later
            scheduled_days=regimen.interval_after(index - 1)
            * (given[index - 1][2] if regimen.route == "sc" else 1),
            route=regimen.route,
            limits=context.limits,
        )
        findings.append(("date", interval))
    for column, finding in findings:
        if finding is None:
            continue
        if not finding.refused and finding.check in row.confirmed:
            applied.append(finding.check)
        else:
            parsed.problems.append(Problem(table.label, row.line, column, problem_text(finding)))
    if CONFIRMED in table.columns:
        row.fields["confirmed_checks"] = applied
