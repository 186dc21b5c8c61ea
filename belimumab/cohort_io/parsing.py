"""Checks of every cell of the tables against the format and the rules of the domain.

`parse_steps` turns `RawTable`s into typed rows (`PatientRow`, `ChildRow`) and `Problem`s
("FILE:LINE: COLUMN: message"). It reads the database only through a `Context` (the patients,
courses and regimens the files refer to), loaded beforehand by `load_context`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from belimumab.clinical.models import AEOutcome
from belimumab.clinical.services import (
    CORTICOSTEROID_UNIT,
    PV_PROBLEMS,
    TREATMENT_UNITS,
    AdverseEventInput,
    pharmacovigilance_problems,
)
from belimumab.cohort_io import infusion_lots, plausible
from belimumab.cohort_io.cells import Cells
from belimumab.cohort_io.context import ChildRow, Context, Parsed, PatientRow
from belimumab.cohort_io.formats import (
    AE_ACTIONS,
    AE_CATEGORIES,
    AE_CAUSALITIES,
    AE_OUTCOMES,
    CHILD_TABLES,
    DESCRIPTOR_COLUMNS,
    FILES,
    FLARES,
    FOLLOW_UP_END_REASONS,
    INDICATIONS,
    INITIATION_REASONS,
    MANIFESTATIONS,
    PREVIOUS_TREATMENTS,
    REACTIONS,
    REQUIRED_FILES,
    ROUTE_REGIMENS,
    ROUTES,
    SEX,
    SMOKING,
    STOP_REASONS,
    RawTable,
    Tables,
)
from belimumab.cohort_io.infusion_doses import resolve_infusions
from belimumab.cohort_io.results import Problem, Progress
from belimumab.domain import pharmacovigilance as pv
from belimumab.domain import plausibility as rules
from belimumab.domain import sledai, treatments
from belimumab.patients.models import Indication, Smoking
from belimumab.pharmacy.models import Reaction


def _check_headers(tables: Tables, problems: list[Problem]) -> None:
    for name in REQUIRED_FILES:
        if name not in tables:
            problems.append(Problem(f"{name}.csv", 1, "-", _("required file is missing")))
    for name, table in tables.items():
        spec = FILES[name]
        for column in table.columns:
            if column not in spec.columns:
                problems.append(Problem(table.label, 1, column, _("unknown column")))
        for column in spec.required:
            if column not in table.columns:
                problems.append(Problem(table.label, 1, column, _("required column is missing")))
        if name == "visits":
            given = [c for c in DESCRIPTOR_COLUMNS if c in table.columns]
            if given:
                for column in DESCRIPTOR_COLUMNS:
                    if column not in table.columns:
                        problems.append(
                            Problem(
                                table.label,
                                1,
                                column,
                                _("missing: the 24 descriptor columns come all together"),
                            )
                        )


def parse_steps(tables: Tables, context: Context) -> Iterator[Progress | Parsed]:
    """Validate every cell of `tables`; yields Progress, then the Parsed rows and problems.

    A file with a header problem (unknown or missing column) has only its header reported; the
    other files are still checked, so one run lists every problem.
    """
    parsed = Parsed()
    problems = parsed.problems
    _check_headers(tables, problems)
    bad_files = {p.file for p in problems}
    total = sum(len(t.rows) for t in tables.values())
    done = 0
    patients = tables.get("patients")
    raw_codes: set[str] = set()
    if patients is not None:
        raw_codes = {v["code"] for _line, v in patients.rows if v.get("code")}
        if patients.label not in bad_files:
            _parse_patients(patients, context, parsed)
        done += len(patients.rows)
        yield Progress("validate", done, total)
    # Codes of patients.csv count as known even when their row is wrong: their other rows are
    # still checked, and the row's own problem is not repeated as "unknown patient".
    known = raw_codes | (context.known_codes - context.inactive_codes)
    for name in CHILD_TABLES:
        table = tables.get(name)
        if table is None or table.label in bad_files:
            continue
        parser = _CHILD_PARSERS[name]
        seen: dict[tuple[Any, ...], int] = {}
        units: dict[tuple[str, str], tuple[str, int]] = {}
        for line, values in table.rows:
            cells = Cells(table, line, values, problems, context.today)
            row = parser(cells, known, context)
            if row is not None and cells.ok and name == "treatments":
                _check_unit(cells, row, units)
            if row is not None and cells.ok:
                full_key = (row.code, *row.key)
                if full_key in seen:
                    cells.problem(
                        "-",
                        _("duplicate row: same %(key)s as line %(line)d")
                        % {"key": ", ".join(("patient", *FILES[name].key)), "line": seen[full_key]},
                    )
                else:
                    seen[full_key] = line
                    parsed.children[name].append(row)
            done += 1
            if done % 5000 == 0:
                yield Progress("validate", done, total)
    skip = raw_codes - set(parsed.patients) - context.known_codes
    resolve_infusions(tables.get("infusions"), parsed, context, skip)
    plausible.check_infusions(tables.get("infusions"), parsed, context)
    infusion_lots.check_lots(tables.get("infusions"), parsed)
    _check_visit_dates(tables.get("visits"), parsed, context)
    yield Progress("validate", total, total)
    yield parsed


def _date(cells: Cells, column: str, required: bool = False) -> Any:
    """A date of the file, refused before 1900 as in the forms."""
    day = cells.date(column, required=required)
    finding = rules.clinical_date(day)
    if finding is not None:
        plausible.report(cells, column, finding, (), [])
        return None
    return day


def _check_visit_dates(table: RawTable | None, parsed: Parsed, context: Context) -> None:
    """Visit dates against the patient's birth and D0 (patients.csv or the database): refused
    before birth, confirmed when more than a year before D0. (A second visit on the same day
    cannot come from a file: the date is a visit's key, so that row updates the visit.)"""
    if table is None:
        return
    for row in parsed.children.get("visits", []):
        birth, d0 = plausible.patient_dates(row.code, parsed, context)
        finding = rules.visit_date(
            row.key[0], birth=birth, today=context.today, d0=d0, limits=context.limits
        )
        applied: list[str] = []
        if finding is not None and not finding.refused and finding.check in row.confirmed:
            applied.append(finding.check)
        elif finding is not None:
            text = plausible.problem_text(finding)
            parsed.problems.append(Problem(table.label, row.line, "date", text))
        if plausible.CONFIRMED in table.columns:
            row.fields["confirmed_checks"] = applied


def _check_unit(cells: Cells, row: ChildRow, units: dict[tuple[str, str], tuple[str, int]]) -> None:
    """The doses of one drug of one patient share one unit (the dose changes compare)."""
    unit = row.fields["unit"]
    first = units.setdefault((row.code, row.key[0]), (unit, cells.line))
    if first[0] != unit:
        cells.problem(
            "unit",
            _("line %(line)d gives this drug in %(unit)s: use the same unit")
            % {"line": first[1], "unit": first[0]},
        )


def _parse_patients(table: RawTable, context: Context, parsed: Parsed) -> None:
    seen: dict[str, int] = {}
    hospital_ids: dict[str, int] = {}
    for line, values in table.rows:
        cells = Cells(table, line, values, parsed.problems, context.today)
        code = cells.required("code")
        if code is not None:
            if _repeated_code(cells, code, context, seen):
                continue
            seen[code] = line
        fields = _patient_fields(cells)
        _check_hospital_id(cells, code, context, hospital_ids)
        course = _patient_course(cells, context)
        birth, start = fields["birth_date"], course["start_date"]
        if birth is not None and start is not None and birth >= start:
            cells.problem("birth_date", _("not before the start date %(start)s") % {"start": start})
        if cells.ok and code is not None:
            parsed.patients[code] = PatientRow(line, code, fields, course)


def _repeated_code(cells: Cells, code: str, context: Context, seen: dict[str, int]) -> bool:
    """Record the problem of a patient code; True when an earlier row has it (row skipped)."""
    if rules.patient_code(code, context.limits) is not None:
        cells.problem(
            "code",
            _(
                "%(code)r: a code is 1-32 letters, digits or . _ / - (starting with a letter "
                "or digit)"
            )
            % {"code": code[:40]},
        )
    elif code in context.inactive_codes:
        cells.problem("code", _("patient %(code)s is deactivated in the database") % {"code": code})
    elif code in seen:
        cells.problem("code", _("duplicate row: same code as line %(line)d") % {"line": seen[code]})
        return True
    return False


def _patient_fields(cells: Cells) -> dict[str, Any]:
    """The patient's own fields (the columns the file has; the others keep their value)."""
    fields: dict[str, Any] = {
        "sex": cells.choice("sex", SEX),
        "birth_date": _date(cells, "birth_date", required=True),
    }
    if cells.has("smoking"):
        fields["smoking"] = cells.choice("smoking", SMOKING, Smoking.UNKNOWN.value)
    for column, choices in (
        ("manifestations", MANIFESTATIONS),
        ("previous_treatments", PREVIOUS_TREATMENTS),
        ("initiation_reasons", INITIATION_REASONS),
    ):
        if cells.has(column):
            fields[column] = cells.choice_list(column, choices)
    if cells.has("indication"):
        fields["indication"] = cells.choice("indication", INDICATIONS, Indication.SLE.value)
    if cells.has("prior_trial"):
        fields["prior_trial"] = cells.boolean("prior_trial")
    for column in ("last_name", "first_name"):
        if cells.has(column):
            fields[column] = cells.text(column, max_length=100)
    if cells.has("hospital_id"):
        fields["hospital_id"] = cells.text("hospital_id", max_length=32)
    return fields


def _check_hospital_id(
    cells: Cells, code: str | None, context: Context, seen: dict[str, int]
) -> None:
    """A hospital identifier belongs to one patient: in the file and in the database."""
    value = cells.raw("hospital_id")
    if not value:
        return
    holder = context.hospital_ids.get(value)
    if value in seen:
        cells.problem(
            "hospital_id",
            _("duplicate hospital identifier: same as line %(line)d") % {"line": seen[value]},
        )
    elif holder is not None and holder != code:
        cells.problem(
            "hospital_id",
            _("hospital identifier %(id)s is already patient %(code)s's")
            % {"id": value, "code": holder},
        )
    seen[value] = cells.line


def _patient_course(cells: Cells, context: Context) -> dict[str, Any]:
    """The patient's belimumab course: start_date, regimen (code), stop_date, stop_reason; a
    start more than a year ahead is confirmed in the `confirmed` column."""
    start = cells.date("start_date", required=True, future_ok=True)
    route = cells.choice("route", ROUTES)
    course: dict[str, Any] = {"start_date": start, "regimen": ROUTE_REGIMENS.get(route or "")}
    applied: list[str] = []
    finding = rules.course_start(start, context.today, context.limits)
    plausible.report(cells, "start_date", finding, plausible.confirmed_of(cells), applied)
    plausible.store(cells, course, applied)
    if route is not None and course["regimen"] not in context.regimens:
        cells.problem(
            "route", _("regimen %(code)s is not in the database") % {"code": course["regimen"]}
        )
    course.update(
        _dated_with_reason(
            cells,
            ("stop_date", "stop_reason"),
            STOP_REASONS,
            start,
            needs=(
                _("required when there is a stop date"),
                _("required when there is a stop reason"),
                _("a stop reason needs the stop_date column"),
            ),
        )
    )
    course.update(_follow_up_end(cells, start))
    return course


def _follow_up_end(cells: Cells, start: Any) -> dict[str, Any]:
    """The end of follow-up (not a stop): date and reason together, the note optional.

    Only the columns the file has: a file without them keeps what the database holds.
    """
    found = _dated_with_reason(
        cells,
        ("follow_up_end", "follow_up_end_reason"),
        FOLLOW_UP_END_REASONS,
        start,
        needs=(
            _("required when there is an end of follow-up"),
            _("required when there is a reason for the end of follow-up"),
            _("a reason for the end of follow-up needs the follow_up_end column"),
        ),
    )
    if cells.has("follow_up_end_note"):
        found["follow_up_end_note"] = cells.text("follow_up_end_note", max_length=300)
    elif cells.has("follow_up_end") and not cells.raw("follow_up_end"):
        found["follow_up_end_note"] = ""  # a cleared end keeps no note of it
    return found


def _dated_with_reason(
    cells: Cells,
    columns: tuple[str, str],
    reasons: Sequence[str],
    start: Any,
    needs: tuple[str, str, str],
) -> dict[str, Any]:
    """A date and its reason that go together (a stop, an end of follow-up): not before the
    course start, neither without the other. Only the columns the file has: a file without the
    date column keeps what the database holds. `needs`: the problems of a date without its
    reason, a reason without its date, a reason without the date column."""
    day_column, reason_column = columns
    found: dict[str, Any] = {}
    if cells.has(day_column):
        day = cells.date(day_column)
        reason = ""
        if cells.has(reason_column):
            reason = cells.choice(reason_column, reasons, "") or ""
        if day is not None and start is not None and day < start:
            cells.problem(day_column, _("before the start date %(start)s") % {"start": start})
        if cells.raw(day_column) and not cells.raw(reason_column):
            cells.problem(reason_column, needs[0])
        if cells.raw(reason_column) and not cells.raw(day_column):
            cells.problem(day_column, needs[1])
        found[day_column] = day
        found[reason_column] = reason
    elif cells.has(reason_column) and cells.raw(reason_column):
        cells.problem(reason_column, needs[2])
    return found


def _parse_treatment(cells: Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    drug = cells.choice("drug", treatments.ALL_DRUGS)
    start = _date(cells, "start_date", required=True)
    dose = cells.decimal("dose", max_digits=8, places=2, required=True)
    unit = CORTICOSTEROID_UNIT
    if cells.raw("unit"):
        unit = cells.choice("unit", TREATMENT_UNITS) or unit
    applied: list[str] = []
    if drug in treatments.CORTICOSTEROIDS and unit != CORTICOSTEROID_UNIT:
        cells.problem(
            "unit", _("corticosteroid doses are in %(unit)s") % {"unit": CORTICOSTEROID_UNIT}
        )
    elif drug in treatments.CORTICOSTEROIDS and dose is not None:
        equivalent = treatments.prednisone_equivalent(drug, dose)
        finding = rules.corticosteroid(equivalent, context.limits)
        plausible.report(cells, "dose", finding, plausible.confirmed_of(cells), applied)
    if not cells.ok or code is None:
        return None
    fields = {"dose": dose, "unit": unit}
    plausible.store(cells, fields, applied)
    return ChildRow("treatments", cells.line, code, (drug, start), fields)


def _parse_infusion(cells: Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = _date(cells, "date", required=True)
    weight = cells.decimal("weight_kg", max_digits=5, places=1, positive=True)
    confirmed = tuple(plausible.confirmed_of(cells))
    dose = cells.decimal("dose_mg", max_digits=7, places=1, positive=True)
    vials_120 = cells.integer("vials_120", 0, 100)
    vials_400 = cells.integer("vials_400", 0, 100)
    fields: dict[str, Any] = {
        "weight_kg": weight,
        "dose_mg": dose,
        "vials": None
        if not cells.raw("vials_120") and not cells.raw("vials_400")
        else (vials_120 or 0, vials_400 or 0),
    }
    if cells.has("lot"):
        fields["lots_as_recorded"] = cells.text("lot", max_length=200)
    if cells.has("reaction"):
        fields["reaction"] = cells.choice("reaction", REACTIONS, Reaction.NONE.value)
    if cells.has("pens"):  # SC: pens dispensed, one week each; empty: one pen (issue 16)
        fields["pens"] = cells.integer("pens", 1, context.max_pens) or 1
    lots = infusion_lots.parse_lots(cells)
    if not cells.ok or code is None:
        return None
    return ChildRow("infusions", cells.line, code, (day,), fields, confirmed=confirmed, lots=lots)


def _parse_visit(cells: Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = _date(cells, "date", required=True)
    confirmed = tuple(plausible.confirmed_of(cells))
    total = cells.integer("sledai_total", 0, sledai.MAX_SCORE)
    descriptors: list[str] | None = None
    if cells.has(DESCRIPTOR_COLUMNS[0]) and any(cells.raw(c) for c in DESCRIPTOR_COLUMNS):
        descriptors = []
        for column in DESCRIPTOR_COLUMNS:
            text = cells.raw(column)
            if text == "1":
                descriptors.append(column)
            elif text == "":
                cells.problem(column, _("empty while other descriptors are given: write 1 or 0"))
            elif text != "0":
                cells.problem(
                    column, _("%(value)r: write 1 (present) or 0 (absent)") % {"value": text[:40]}
                )
    score: int | None = total
    if descriptors is not None and cells.ok:
        try:
            score = sledai.visit_score(descriptors, total)
        except sledai.SledaiMismatch:
            cells.problem(
                "sledai_total",
                _("total %(total)d differs from the weighted sum of the descriptors, %(sum)d")
                % {"total": total, "sum": sledai.score(descriptors)},
            )
    fields: dict[str, Any] = {
        "descriptors_recorded": descriptors is not None,
        "descriptors": descriptors or [],
        "recorded_total": total,
        "sledai": score,
    }
    if cells.has("pga"):
        fields["pga"] = cells.decimal("pga", max_digits=2, places=1, maximum=Decimal(3))
    if cells.has("flare"):
        fields["flare"] = cells.choice("flare", FLARES, "")
    if cells.has("notes"):
        fields["notes"] = cells.text("notes", max_length=10_000)
    if not cells.ok or code is None:
        return None
    return ChildRow("visits", cells.line, code, (day,), fields, confirmed=confirmed)


def _parse_lab(cells: Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = _date(cells, "date", required=True)
    test = cells.choice("test", context.lab_tests)
    value = cells.decimal("value", max_digits=10, places=3, required=True)
    lower = cells.decimal("lower_limit", max_digits=10, places=3)
    upper = cells.decimal("upper_limit", max_digits=10, places=3)
    unit = ""
    if test is not None:
        spec = context.labs[test]
        unit = spec.unit
        if cells.raw("unit"):
            unit = cells.choice("unit", tuple(spec.units)) or unit
        default_lower, default_upper = context.lab_range(test, unit)
        if not cells.raw("lower_limit"):
            lower = default_lower
        if not cells.raw("upper_limit"):
            upper = default_upper
        if lower is not None and upper is not None and lower > upper:
            cells.problem("upper_limit", _("below the lower limit %(lower)s") % {"lower": lower})
        if value is not None and cells.ok:
            finding = plausible.lab_finding(context, test, value, unit)
            plausible.report(cells, "value", finding, (), [], unit)
    if not cells.ok or code is None:
        return None
    return ChildRow(
        "labs",
        cells.line,
        code,
        (day, test),
        {"value": value, "unit": unit, "lower_limit": lower, "upper_limit": upper},
    )


def _parse_adverse_event(cells: Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = _date(cells, "onset_date", required=True)
    term = cells.text("term", max_length=200, required=True)
    fields: dict[str, Any] = {"category": cells.choice("category", AE_CATEGORIES)}
    if cells.has("serious"):
        fields["serious"] = cells.boolean("serious")
    if cells.has("outcome"):
        fields["outcome"] = cells.choice("outcome", AE_OUTCOMES, AEOutcome.UNKNOWN.value)
    _pharmacovigilance_cells(cells, fields, day)
    if not cells.ok or code is None:
        return None
    return ChildRow("adverse_events", cells.line, code, (day, term), fields)


def _pharmacovigilance_cells(cells: Cells, fields: dict[str, Any], onset: Any) -> None:
    """The optional pharmacovigilance columns, each one only when the file has it (an event
    imported without them keeps what the application recorded), then the entry form's rules."""
    if cells.has("severity_grade"):
        fields["severity_grade"] = cells.integer("severity_grade", pv.GRADES[0], pv.GRADES[-1])
    if cells.has("causality"):
        fields["causality"] = cells.choice("causality", AE_CAUSALITIES, "")
    if cells.has("action_taken"):
        fields["action_taken"] = cells.choice("action_taken", AE_ACTIONS, "")
    if cells.has("reported_to_pv"):
        fields["reported_to_pv"] = cells.boolean("reported_to_pv")
    if cells.has("pv_report_date"):
        fields["pv_report_date"] = cells.date("pv_report_date")
    if not cells.ok:  # one problem per cell: a bad date is not also "required"
        return
    item = AdverseEventInput(
        term="",
        category="",
        onset_date=onset,
        outcome=fields.get("outcome", ""),
        severity_grade=fields.get("severity_grade"),
        reported_to_pv=fields.get("reported_to_pv", False),
        pv_report_date=fields.get("pv_report_date"),
    )
    for problem in pharmacovigilance_problems(item, cells.today):
        column, message = PV_PROBLEMS[problem]
        cells.problem(column, str(message))


_CHILD_PARSERS: dict[str, Callable[[Cells, set[str], Context], ChildRow | None]] = {
    "treatments": _parse_treatment,
    "infusions": _parse_infusion,
    "visits": _parse_visit,
    "labs": _parse_lab,
    "adverse_events": _parse_adverse_event,
}
