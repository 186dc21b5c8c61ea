"""Cohort import: CSV files or an .xlsx workbook -> validated typed rows -> one bulk transaction.

The file format is declared in `formats` and described in docs/data-format.md. Four stages:

1. `readers.read_source` turns a folder of CSV files, a .zip of CSV files, an .xlsx workbook
   (one sheet per file) or already-read tables into `RawTable`s (text cells with their lines);
2. `parsing.parse_steps` checks every cell against the format and the rules of the domain and
   produces typed rows plus a list of `Problem`s ("FILE:LINE: COLUMN: message");
3. `plan.plan_import` compares the rows with the database by natural keys;
4. when there is no problem and it is not a dry run, `writer.BulkWriter` writes the creations
   and changes in bulk inside one `transaction.atomic`, with their audit history (the importing
   user, change reason "import"). Nothing is ever deactivated.

`cohort_import_steps` is the same service as a generator yielding `Progress` before the final
`ImportResult`, for progress bars (the command's terminal bar, the streamed browser page).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from belimumab.cohort_io.context import Parsed, load_context
from belimumab.cohort_io.formats import RawTable, Tables
from belimumab.cohort_io.infusion_lots import write_lots
from belimumab.cohort_io.parsing import parse_steps
from belimumab.cohort_io.plan import ImportPlan, plan_import
from belimumab.cohort_io.readers import read_source
from belimumab.cohort_io.results import Counts, ImportResult, Problem, Progress
from belimumab.cohort_io.shifting import existing_shift, shift_dates, shift_to
from belimumab.cohort_io.writer import BulkWriter, analyze_written
from belimumab.core.collector import cycle_collector_paused
from belimumab.pharmacy.schedules import refresh_course_schedules

Source = str | Path | Mapping[str, RawTable]


def cohort_import(
    *,
    source: Source,
    user: Any = None,
    dry_run: bool = False,
    today: date | None = None,
    shift_to_today: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> ImportResult:
    """Import a cohort (folder of CSV files, .zip, .xlsx or tables): all or nothing.

    On any problem nothing is written and `result.problems` lists them all. A dry run validates
    and counts what would be created / updated without writing. `shift_to_today` moves every
    date so that the files' latest care date is `today` (demo data); when these patients are
    already in the database, the shift of that first import is reused (`existing_shift`), so the
    import stays idempotent. `user` is the audit history's user (None for the command line
    without --user); the change reason is "import".
    """
    result: ImportResult | None = None
    for step in cohort_import_steps(
        source=source, user=user, dry_run=dry_run, today=today, shift_to_today=shift_to_today
    ):
        if isinstance(step, ImportResult):
            result = step
        elif progress is not None:
            progress(step)
    if result is None:
        raise RuntimeError("cohort_import_steps ended without its result")
    return result


def cohort_import_steps(
    *,
    source: Source,
    user: Any = None,
    dry_run: bool = False,
    today: date | None = None,
    shift_to_today: bool = False,
) -> Iterator[Progress | ImportResult]:
    """`cohort_import` as a generator: yields Progress steps, then the ImportResult last.

    Closing the generator before the end rolls the transaction back.
    """
    with cycle_collector_paused():
        yield from _import_steps(
            source=source, user=user, dry_run=dry_run, today=today, shift_to_today=shift_to_today
        )


def _import_steps(
    *,
    source: Source,
    user: Any,
    dry_run: bool,
    today: date | None,
    shift_to_today: bool,
) -> Iterator[Progress | ImportResult]:
    today = today or timezone.localdate()
    result = ImportResult(dry_run=dry_run)
    yield Progress("read", 0, 1)
    tables, problems = read_source(source)
    result.problems.extend(problems)
    yield Progress("read", 1, 1)
    if problems and not tables:  # nothing readable: the reading problem says it all
        yield result
        return
    if shift_to_today:
        tables = _shifted(tables, today)
    parsed = yield from _parse(tables, today)
    result.problems.extend(parsed.problems)
    if result.problems:
        yield result
        return
    yield Progress("compare", 0, 1)
    labels = {name: table.label for name, table in tables.items()}
    plan = plan_import(parsed, labels, result.problems)
    for table_plan in plan.tables:
        result.counts[table_plan.name] = Counts(
            len(table_plan.creates), len(table_plan.updates), table_plan.unchanged
        )
    yield Progress("compare", 1, 1)
    if result.problems or dry_run:
        yield result
        return
    yield from _write(plan, parsed, user, result)
    yield result


def _shifted(tables: Tables, today: date) -> Tables:
    """The tables shifted to `today`, or by the shift of their first import if there was one."""
    days = existing_shift(tables)
    if days is None:
        shifted, _days = shift_to(tables, today)
        return shifted
    return shift_dates(tables, days)


def _parse(tables: Tables, today: date) -> Generator[Progress, None, Parsed]:
    """Yield the checks' progress; return (to `yield from`) the Parsed rows."""
    parsed: Parsed | None = None
    for step in parse_steps(tables, load_context(tables, today)):
        if isinstance(step, Parsed):
            parsed = step
        else:
            yield step
    if parsed is None:
        raise RuntimeError("parse_steps ended without the parsed rows")
    return parsed


def _write(plan: ImportPlan, parsed: Parsed, user: Any, result: ImportResult) -> Iterator[Progress]:
    """Write the plan in one transaction; on a refusal of the database, a problem instead."""
    total = sum(len(p.creates) + len(p.updates) for p in plan.tables)
    writer = BulkWriter(
        user=user, total=total, patient_ids=plan.patient_ids, course_ids=plan.course_ids
    )
    try:
        with transaction.atomic():
            for table_plan in plan.tables:
                yield from writer.write(table_plan)
            # the infusions' structured lots, once the infusions have their ids (issue 14)
            write_lots(parsed, writer.patient_ids, user)
            # Bulk inserts send no signal: the pharmacy's stored schedules of the courses
            # follow here, inside the transaction (writer.course_ids holds every course's id).
            touched = {p.name for p in plan.tables if p.creates or p.updates}
            if touched & {"patients", "courses", "infusions"}:
                refresh_course_schedules(writer.course_ids.values())
    except IntegrityError as exc:
        result.problems.append(
            Problem("-", 1, "-", _("the database refused the import: %(error)s") % {"error": exc})
        )
        return
    result.written = True
    analyze_written({p.model: len(p.creates) + len(p.updates) for p in plan.tables})
