"""Cohort import: CSV files or an .xlsx workbook -> validated typed rows -> one bulk transaction.

The file format is described in docs/data-format.md. Three stages:

1. `read_source` turns a folder of CSV files, a .zip of CSV files, an .xlsx workbook (one sheet
   per file) or uploaded files into `RawTable`s (text cells with their line numbers);
2. `parse` checks every cell against the format and the rules of the domain and produces typed
   rows plus a list of `Problem`s ("FILE:LINE: COLUMN: message"); it reads the database only
   through a `Context` (the patients, courses and regimens the files refer to), built beforehand;
3. `cohort_import` compares the rows with the database by natural keys (patient code; patient +
   date for infusions and visits; + test for labs; + drug + start date for treatments; + onset
   date + term for adverse events) and, when there is no problem and it is not a dry run, writes
   the creations and changes in bulk inside one `transaction.atomic`, with their audit history
   (the importing user, change reason "import"). Identical rows are left untouched, so importing
   the same files twice writes nothing the second time. Nothing is ever deactivated.

`cohort_import_steps` is the same service as a generator yielding `Progress` before the final
`ImportResult`, for progress bars (the command's terminal bar, the streamed browser page).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from belimumab.clinical.labs import TestSpec, lab_specs
from belimumab.clinical.models import (
    AdverseEvent,
    AECategory,
    AEOutcome,
    Flare,
    LabResult,
    TreatmentDose,
    Visit,
)
from belimumab.clinical.services import CORTICOSTEROID_UNIT, TREATMENT_UNITS
from belimumab.core.collector import cycle_collector_paused
from belimumab.domain import dosing, sledai, treatments
from belimumab.domain.schedule import Regimen as DomainRegimen
from belimumab.patients.models import (
    Course,
    Indication,
    InitiationReason,
    Manifestation,
    Patient,
    PreviousTreatment,
    Regimen,
    Route,
    Sex,
    Smoking,
    StopReason,
)
from belimumab.pharmacy.models import Infusion, Reaction
from belimumab.pharmacy.schedules import refresh_course_schedules

IMPORT_REASON = "import"
# Route of patients.csv -> regimen code of the course.
ROUTE_REGIMENS = {Route.IV.value: "iv_standard", Route.SC.value: "sc_standard"}
# Rows written per bulk call (a progress step).
WRITE_CHUNK = 5000
# Unpacked size a .zip may hold (a zip bomb is refused before anything is read).
MAX_ARCHIVE_BYTES = 1024 * 2**20
# Parameters per query when filtering on a list (below SQLite's historical limit of 999).
QUERY_CHUNK = 900


# --------------------------------------------------------------------------- format


@dataclass(frozen=True)
class FileSpec:
    """Columns of one import file: required ones must be in the header, optional ones may."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


DESCRIPTOR_COLUMNS: tuple[str, ...] = sledai.DESCRIPTOR_CODES

FILES: dict[str, FileSpec] = {
    "patients": FileSpec(
        required=("code", "sex", "birth_date", "start_date", "route"),
        optional=(
            "smoking",
            "manifestations",
            "previous_treatments",
            "initiation_reasons",
            "indication",
            "prior_trial",
            "stop_date",
            "stop_reason",
            "last_name",
            "first_name",
        ),
    ),
    "treatments": FileSpec(("patient", "drug", "start_date", "dose"), ("unit",)),
    "infusions": FileSpec(
        ("patient", "date"),
        ("weight_kg", "dose_mg", "vials_120", "vials_400", "lot", "reaction"),
    ),
    "visits": FileSpec(
        ("patient", "date"), ("sledai_total", *DESCRIPTOR_COLUMNS, "pga", "flare", "notes")
    ),
    "labs": FileSpec(("patient", "date", "test", "value"), ("unit", "lower_limit", "upper_limit")),
    "adverse_events": FileSpec(
        ("patient", "onset_date", "term", "category"), ("serious", "outcome")
    ),
}
REQUIRED_FILES = ("patients",)
CHILD_TABLES = ("treatments", "infusions", "visits", "labs", "adverse_events")
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("birth_date", "start_date", "stop_date"),
    "treatments": ("start_date",),
    "infusions": ("date",),
    "visits": ("date",),
    "labs": ("date",),
    "adverse_events": ("onset_date",),
}
# Natural key of each child table (after the patient) and its model.
KEYS: dict[str, tuple[str, ...]] = {
    "treatments": ("drug", "start_date"),
    "infusions": ("date",),
    "visits": ("date",),
    "labs": ("date", "test"),
    "adverse_events": ("onset_date", "term"),
}
MODELS: dict[str, type[models.Model]] = {
    "patients": Patient,
    "courses": Course,
    "treatments": TreatmentDose,
    "infusions": Infusion,
    "visits": Visit,
    "labs": LabResult,
    "adverse_events": AdverseEvent,
}
# Accepted spellings (lowercase) -> stored value, for each list of choices.
_CHOICE_MAPS: dict[tuple[str, ...], dict[str, str]] = {}


def _choice_map(choices: Sequence[str]) -> dict[str, str]:
    key = tuple(choices)
    found = _CHOICE_MAPS.get(key)
    if found is None:
        found = _CHOICE_MAPS[key] = {c.lower(): c for c in key}
    return found


SEX = tuple(Sex.values)
SMOKING = tuple(Smoking.values)
MANIFESTATIONS = tuple(Manifestation.values)
PREVIOUS_TREATMENTS = tuple(PreviousTreatment.values)
INITIATION_REASONS = tuple(InitiationReason.values)
INDICATIONS = tuple(Indication.values)
ROUTES = tuple(Route.values)
STOP_REASONS = tuple(StopReason.values)
REACTIONS = tuple(Reaction.values)
FLARES = tuple(Flare.values)
AE_CATEGORIES = tuple(AECategory.values)
AE_OUTCOMES = tuple(AEOutcome.values)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Problem:
    """One problem of the files, printed as `FILE:LINE: COLUMN: message`.

    LINE is the CSV line (header = 1) or the worksheet row; problems of a whole file use line 1
    and column "-".
    """

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


@dataclass
class RawTable:
    """One import file as read: `name` ("patients"), `label` shown in problems ("patients.csv"
    or the sheet name), header `columns` and rows as (line number, {column: text})."""

    name: str
    label: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


Tables = dict[str, RawTable]


@dataclass(frozen=True)
class Progress:
    """A step of a long import: `phase` ("read", "validate", "compare", "write"), rows done of
    `total`."""

    phase: str
    done: int
    total: int


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import found and did (or would do, for a dry run)."""

    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def summary_lines(self) -> list[str]:
        """One line per table: created / updated / unchanged (or what a dry run would do)."""
        lines = []
        for name, c in self.counts.items():
            if self.dry_run:
                text = _(
                    "%(table)s: %(created)d to create, %(updated)d to update, "
                    "%(unchanged)d unchanged"
                )
            else:
                text = _(
                    "%(table)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged"
                )
            lines.append(
                text
                % {
                    "table": name,
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                }
            )
        return lines


# --------------------------------------------------------------------------- reading


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets saved as "CSV" on French Windows use Windows-1252.
        return data.decode("cp1252", errors="replace")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _table_from_cells(
    name: str, label: str, cells: Iterable[tuple[int, list[str]]], problems: list[Problem]
) -> RawTable | None:
    """Build a RawTable from (line, cells) with the header first; blank rows are skipped."""
    iterator = iter(cells)
    header_line, header = next(iterator, (1, []))
    columns = [h.strip().lower() for h in header]
    if not any(columns):
        problems.append(Problem(label, 1, "-", _("empty file: the first line must be the header")))
        return None
    table = RawTable(name, label, [c for c in columns if c])
    seen: set[str] = set()
    for column in columns:
        if column and column in seen:
            problems.append(Problem(label, header_line, column, _("column given twice")))
        seen.add(column)
    width = len(columns)
    simple = all(columns)
    for line, row in iterator:
        stripped = list(map(str.strip, row))
        if not any(stripped):
            continue
        if simple and len(row) == width:
            table.rows.append((line, dict(zip(columns, stripped, strict=True))))
            continue
        values: dict[str, str] = {}
        for index, cell in enumerate(row):
            cell = cell.strip()
            if index >= width or not columns[index]:
                if cell:
                    problems.append(
                        Problem(
                            label,
                            line,
                            "-",
                            _("value %(value)r in a column without header") % {"value": cell[:40]},
                        )
                    )
                continue
            values[columns[index]] = cell
        table.rows.append((line, values))
    return table


def _csv_cells(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    line = 1
    for row in reader:
        yield line, row
        line = reader.line_num + 1


def read_csv(name: str, label: str, data: bytes, problems: list[Problem]) -> RawTable | None:
    """One CSV file (UTF-8, or Windows-1252; comma, semicolon or tab separated)."""
    try:
        return _table_from_cells(name, label, _csv_cells(_decode(data)), problems)
    except csv.Error as exc:
        problems.append(Problem(label, 1, "-", _("unreadable CSV: %(error)s") % {"error": exc}))
        return None


def _cell_text(value: Any) -> str:
    """Text of a worksheet cell as the CSV would hold it (formulas stay text: "=A1+1")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_xlsx(data: bytes, problems: list[Problem]) -> Tables:
    """An .xlsx workbook: one sheet per file, named like the file without ".csv"."""
    from openpyxl import load_workbook  # only needed for workbooks

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        problems.append(
            Problem("workbook", 1, "-", _("unreadable workbook: %(error)s") % {"error": exc})
        )
        return {}
    tables: Tables = {}
    try:
        for sheet in book.worksheets:
            label = sheet.title
            name = label.strip().lower().removesuffix(".csv")
            rows = [
                (index, [_cell_text(v) for v in row])
                for index, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            if not any(any(c for c in cells) for _, cells in rows):
                continue  # an empty sheet (Excel's default "Sheet1") is not a file
            _add_table(tables, name, label, rows, problems, sheet=True)
    finally:
        book.close()
    return tables


def _add_table(
    tables: Tables,
    name: str,
    label: str,
    cells: Iterable[tuple[int, list[str]]] | bytes,
    problems: list[Problem],
    sheet: bool = False,
) -> None:
    if name not in FILES:
        expected = ", ".join(f"{n}.csv" for n in FILES) if not sheet else ", ".join(FILES)
        problems.append(
            Problem(
                label, 1, "-", _("unknown file (expected: %(expected)s)") % {"expected": expected}
            )
        )
        return
    if name in tables:
        problems.append(Problem(label, 1, "-", _("this file is given twice")))
        return
    if isinstance(cells, bytes):
        table = read_csv(name, label, cells, problems)
    else:
        table = _table_from_cells(name, label, cells, problems)
    if table is not None:
        tables[name] = table


def _ignored(filename: str) -> bool:
    """Files of a folder or archive that are not data: README*, hidden files, macOS metadata."""
    base = filename.rsplit("/", 1)[-1]
    return not base or base.startswith((".", "README", "readme")) or filename.startswith("__MACOSX")


def read_files(files: Sequence[tuple[str, bytes]], problems: list[Problem]) -> Tables:
    """Named CSV files (name, content): a folder's files, a zip's members, uploaded files."""
    tables: Tables = {}
    for filename, data in files:
        base = filename.replace("\\", "/").rsplit("/", 1)[-1]
        if _ignored(filename.replace("\\", "/")):
            continue
        name = base.lower().removesuffix(".csv") if base.lower().endswith(".csv") else base
        _add_table(tables, name, base, data, problems)
    return tables


def read_zip(data: bytes, problems: list[Problem]) -> Tables:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        problems.append(Problem("archive", 1, "-", _("not a valid .zip file")))
        return {}
    files = []
    with archive:
        size = sum(info.file_size for info in archive.infolist())
        if size > MAX_ARCHIVE_BYTES:
            problems.append(
                Problem(
                    "archive",
                    1,
                    "-",
                    _("the archive holds %(size)s once unpacked, more than %(max)s")
                    % {"size": filesizeformat(size), "max": filesizeformat(MAX_ARCHIVE_BYTES)},
                )
            )
            return {}
        for info in archive.infolist():
            if not info.is_dir():
                files.append((info.filename, archive.read(info)))
    return read_files(files, problems)


def read_uploads(files: Sequence[tuple[str, bytes]], problems: list[Problem]) -> Tables:
    """Files uploaded in the browser: one .xlsx, one .zip of CSV files, or CSV files."""
    lower = [name.lower() for name, _data in files]
    if len(files) == 1 and lower[0].endswith(".xlsx"):
        return read_xlsx(files[0][1], problems)
    if len(files) == 1 and lower[0].endswith(".zip"):
        return read_zip(files[0][1], problems)
    if any(name.endswith((".xlsx", ".zip")) for name in lower):
        problems.append(
            Problem(
                "-", 1, "-", _("upload one .xlsx workbook, one .zip file or CSV files, not a mix")
            )
        )
        return {}
    return read_files(files, problems)


def read_source(source: str | Path | Mapping[str, RawTable]) -> tuple[Tables, list[Problem]]:
    """Read a folder of CSV files, a .zip of them, one .csv file or an .xlsx workbook.

    Already-read tables (a mapping name -> RawTable, e.g. from the generator) pass through.
    """
    problems: list[Problem] = []
    if isinstance(source, Mapping):
        return dict(source), problems
    path = Path(source)
    if path.is_dir():
        files = [(p.name, p.read_bytes()) for p in sorted(path.iterdir()) if p.is_file()]
        return read_files(files, problems), problems
    if not path.is_file():
        problems.append(Problem(str(path), 1, "-", _("no such file or folder")))
        return {}, problems
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path.read_bytes(), problems), problems
    if suffix == ".zip":
        return read_zip(path.read_bytes(), problems), problems
    return read_files([(path.name, path.read_bytes())], problems), problems


def tables_from_rows(
    data: Mapping[str, tuple[Sequence[str], Sequence[Mapping[str, str]]]],
) -> Tables:
    """RawTables from (columns, rows as dicts) per file name, lines numbered as in a CSV file."""
    return {
        name: RawTable(
            name,
            f"{name}.csv",
            list(columns),
            [(index, dict(row)) for index, row in enumerate(rows, start=2)],
        )
        for name, (columns, rows) in data.items()
    }


# --------------------------------------------------------------------------- date shifting


def shift_dates(tables: Mapping[str, RawTable], days: int) -> Tables:
    """Copy of `tables` with every date moved by `days` days (birth dates too, so ages stay).

    Cells that are not ISO dates are left as they are (validation reports them).
    """
    shifted: Tables = {}
    delta = timedelta(days=days)
    for name, table in tables.items():
        columns = [c for c in DATE_COLUMNS.get(name, ()) if c in table.columns]
        rows = []
        for line, values in table.rows:
            values = dict(values)
            for column in columns:
                text = values.get(column, "")
                if DATE_RE.match(text):
                    with contextlib.suppress(ValueError):
                        values[column] = (date.fromisoformat(text) + delta).isoformat()
            rows.append((line, values))
        shifted[name] = RawTable(table.name, table.label, list(table.columns), rows)
    return shifted


def latest_date(tables: Mapping[str, RawTable]) -> date | None:
    """The latest care date of the files (birth dates aside): the day the data was taken."""
    latest: date | None = None
    for name, table in tables.items():
        for column in DATE_COLUMNS.get(name, ()):
            if column == "birth_date" or column not in table.columns:
                continue
            for _line, values in table.rows:
                text = values.get(column, "")
                if DATE_RE.match(text):
                    try:
                        day = date.fromisoformat(text)
                    except ValueError:
                        continue
                    if latest is None or day > latest:
                        latest = day
    return latest


def shift_to(tables: Mapping[str, RawTable], today: date) -> tuple[Tables, int]:
    """Shift every date so that the latest care date of the files becomes `today`.

    Keeps a demo cohort current: the files keep the dates of the day they were generated.
    Returns the shifted tables and the shift in days.
    """
    latest = latest_date(tables)
    days = 0 if latest is None else (today - latest).days
    return shift_dates(tables, days), days


def existing_shift(tables: Mapping[str, RawTable]) -> int | None:
    """The shift already applied to these files in the database, or None if never imported.

    A shifted demo is imported again on a later day (`make run`): shifting it to the new today
    would create a second copy one day later. The first import decides the shift; later ones
    reuse it (days between the stored start date and the file's, for the first patient found).
    """
    table = tables.get("patients")
    if table is None:
        return None
    starts: dict[str, date] = {}
    for _line, values in table.rows:
        text = values.get("start_date", "")
        if values.get("code") and DATE_RE.match(text):
            with contextlib.suppress(ValueError):
                starts[values["code"]] = date.fromisoformat(text)
    codes = sorted(starts)
    for chunk in _chunks(codes, QUERY_CHUNK):
        stored = dict(
            Course.objects.filter(patient__code__in=chunk, is_active=True)
            .order_by("-start_date")
            .values_list("patient__code", "start_date")
        )
        for code in chunk:
            if code in stored:
                return (stored[code] - starts[code]).days
    return None


# --------------------------------------------------------------------------- validation


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
    courses: dict[str, list[ExistingCourse]] = field(default_factory=dict)
    regimens: dict[str, DomainRegimen] = field(default_factory=dict)
    vial_sizes: tuple[int, ...] = (120, 400)
    max_weight_kg: Decimal = Decimal(250)
    labs: dict[str, TestSpec] = field(default_factory=dict)
    # Default range of each (test, unit): computed once, not for every row of labs.csv.
    lab_ranges: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = field(
        default_factory=dict
    )

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
    course: dict[str, Any]  # start_date, regimen (code), stop_date, stop_reason


@dataclass
class ChildRow:
    table: str
    line: int
    code: str
    key: tuple[Any, ...]
    fields: dict[str, Any]
    course_start: date | None = None  # infusions: start date of the course they belong to


@dataclass
class Parsed:
    patients: dict[str, PatientRow] = field(default_factory=dict)
    children: dict[str, list[ChildRow]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)


_DECIMALS: dict[tuple[Any, ...], Decimal] = {}


class _Cells:
    """Reads the cells of one row, recording a Problem for each bad value."""

    __slots__ = ("columns", "label", "line", "ok", "problems", "today", "values")

    _dates: dict[str, date] = {}

    def __init__(self, table: RawTable, line: int, values: dict[str, str], problems, today):
        self.label = table.label
        self.columns = table.columns
        self.line = line
        self.values = values
        self.problems = problems
        self.today = today
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.label, self.line, column, message))

    def has(self, column: str) -> bool:
        return column in self.columns

    def raw(self, column: str) -> str:
        return self.values.get(column, "")

    # The readers below read `self.values.get(column, "")` themselves: they run for every cell.

    def required(self, column: str) -> str | None:
        text = self.values.get(column, "")
        if not text:
            self.problem(column, _("required"))
            return None
        return text

    def text(self, column: str, max_length: int | None = None, required: bool = False) -> str:
        text = self.values.get(column, "")
        if required and not text:
            self.problem(column, _("required"))
        if max_length is not None and len(text) > max_length:
            self.problem(
                column,
                _("too long: %(length)d characters, at most %(max)d")
                % {"length": len(text), "max": max_length},
            )
        return text

    def date(self, column: str, required: bool = False, future_ok: bool = False) -> date | None:
        text = self.values.get(column, "")
        if not text:
            if required:
                self.problem(column, _("required"))
            return None
        day = self._dates.get(text)
        if day is None:
            try:
                if not DATE_RE.match(text):
                    raise ValueError
                day = date.fromisoformat(text)
            except ValueError:
                self.problem(
                    column, _("%(value)r is not a date: write YYYY-MM-DD") % {"value": text[:40]}
                )
                return None
            if len(self._dates) < 100_000:
                self._dates[text] = day
        if not future_ok and day > self.today:
            self.problem(column, _("%(date)s is in the future") % {"date": text})
            return None
        return day

    def choice(self, column: str, choices: Sequence[str], default: str | None = None) -> str | None:
        text = self.values.get(column, "")
        if not text:
            if default is None:
                self.problem(column, _("required"))
            return default
        found = _choice_map(choices).get(text.lower())
        if found is None:
            self.problem(
                column,
                _("%(value)r is not one of: %(allowed)s")
                % {"value": text[:40], "allowed": ", ".join(choices)},
            )
        return found

    def choice_list(self, column: str, choices: Sequence[str]) -> list[str]:
        text = self.values.get(column, "")
        if not text:
            return []
        found: set[str] = set()
        for item in text.split(";"):
            item = item.strip().lower()
            if not item:
                continue
            if item in choices:
                found.add(item)
            else:
                hint = _(" (separate items with ;)") if "," in item else ""
                self.problem(
                    column,
                    _("%(value)r is not one of: %(allowed)s")
                    % {"value": item[:40], "allowed": ", ".join(choices)}
                    + hint,
                )
        return [c for c in choices if c in found]

    def boolean(self, column: str, default: bool = False) -> bool:
        text = self.values.get(column, "").lower()
        if not text:
            return default
        if text in ("yes", "no"):
            return text == "yes"
        self.problem(column, _("%(value)r: write yes or no") % {"value": text[:40]})
        return default

    def decimal(
        self,
        column: str,
        *,
        max_digits: int,
        places: int,
        required: bool = False,
        positive: bool = False,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        text = self.values.get(column, "")
        if not text:
            if required:
                self.problem(column, _("required"))
            return None
        spec = (text, max_digits, places, positive, maximum)
        cached = _DECIMALS.get(spec)
        if cached is not None:
            return cached
        candidate = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
        try:
            value = Decimal(candidate)
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.problem(column, _("%(value)r is not a number") % {"value": text[:40]})
            return None
        if value < 0 or (positive and value == 0):
            message = _("must be above 0") if positive else _("must not be negative")
            self.problem(column, f"{message} ({text})")
            return None
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            if value != value.quantize(Decimal(1).scaleb(-places)):
                self.problem(
                    column,
                    _("%(value)s: at most %(places)d decimals") % {"value": text, "places": places},
                )
                return None
            value = value.quantize(Decimal(1).scaleb(-places))
        limit = Decimal(10) ** (max_digits - places)
        if value >= limit or (maximum is not None and value > maximum):
            shown = maximum if maximum is not None else limit
            self.problem(
                column,
                _("%(value)s is too large (limit %(limit)s)") % {"value": text, "limit": shown},
            )
            return None
        if len(_DECIMALS) < 200_000:
            _DECIMALS[spec] = value
        return value

    def integer(self, column: str, minimum: int, maximum: int) -> int | None:
        text = self.values.get(column, "")
        if not text:
            return None
        if not re.fullmatch(r"-?\d+", text):
            self.problem(column, _("%(value)r is not a whole number") % {"value": text[:40]})
            return None
        value = int(text)
        if not minimum <= value <= maximum:
            self.problem(
                column,
                _("%(value)d is outside %(min)d..%(max)d")
                % {"value": value, "min": minimum, "max": maximum},
            )
            return None
        return value

    def patient(self, known: set[str]) -> str | None:
        code = self.required("patient")
        if code is not None and code not in known:
            self.problem("patient", _("unknown patient %(code)r") % {"code": code[:40]})
            return None
        return code


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


def parse(tables: Tables, context: Context) -> Parsed:
    """Validate the tables; see `parse_steps`."""
    result: Parsed | None = None
    for step in parse_steps(tables, context):
        if isinstance(step, Parsed):
            result = step
    assert result is not None
    return result


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
            cells = _Cells(table, line, values, problems, context.today)
            row = parser(cells, known, context)
            if row is not None and cells.ok and name == "treatments":
                _check_unit(cells, row, units)
            if row is not None and cells.ok:
                full_key = (row.code, *row.key)
                if full_key in seen:
                    cells.problem(
                        "-",
                        _("duplicate row: same %(key)s as line %(line)d")
                        % {"key": ", ".join(("patient", *KEYS[name])), "line": seen[full_key]},
                    )
                else:
                    seen[full_key] = line
                    parsed.children[name].append(row)
            done += 1
            if done % 5000 == 0:
                yield Progress("validate", done, total)
    skip = raw_codes - set(parsed.patients) - context.known_codes
    _resolve_infusions(tables.get("infusions"), parsed, context, skip)
    yield Progress("validate", total, total)
    yield parsed


def _check_unit(
    cells: _Cells, row: ChildRow, units: dict[tuple[str, str], tuple[str, int]]
) -> None:
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
    for line, values in table.rows:
        cells = _Cells(table, line, values, parsed.problems, context.today)
        code = cells.required("code")
        if code is not None and not CODE_RE.match(code):
            cells.problem(
                "code",
                _(
                    "%(code)r: a code is 1-32 letters, digits or . _ / - (starting with a letter "
                    "or digit)"
                )
                % {"code": code[:40]},
            )
        elif code is not None and code in context.inactive_codes:
            cells.problem(
                "code", _("patient %(code)s is deactivated in the database") % {"code": code}
            )
        elif code is not None and code in seen:
            cells.problem(
                "code", _("duplicate row: same code as line %(line)d") % {"line": seen[code]}
            )
            continue
        if code is not None:
            seen[code] = line
        fields: dict[str, Any] = {
            "sex": cells.choice("sex", SEX),
            "birth_date": cells.date("birth_date", required=True),
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
        start = cells.date("start_date", required=True)
        route = cells.choice("route", ROUTES)
        course: dict[str, Any] = {"start_date": start, "regimen": ROUTE_REGIMENS.get(route or "")}
        if route is not None and course["regimen"] not in context.regimens:
            cells.problem(
                "route", _("regimen %(code)s is not in the database") % {"code": course["regimen"]}
            )
        if cells.has("stop_date"):
            stop = cells.date("stop_date")
            reason = ""
            if cells.has("stop_reason"):
                reason = cells.choice("stop_reason", STOP_REASONS, "") or ""
            if stop is not None and start is not None and stop < start:
                cells.problem("stop_date", _("before the start date %(start)s") % {"start": start})
            if cells.raw("stop_date") and not cells.raw("stop_reason"):
                cells.problem("stop_reason", _("required when there is a stop date"))
            if cells.raw("stop_reason") and not cells.raw("stop_date"):
                cells.problem("stop_date", _("required when there is a stop reason"))
            course["stop_date"] = stop
            course["stop_reason"] = reason
        elif cells.has("stop_reason") and cells.raw("stop_reason"):
            cells.problem("stop_reason", _("a stop reason needs the stop_date column"))
        birth = fields["birth_date"]
        if birth is not None and birth.year < 1900:  # the patient form's rule too
            cells.problem("birth_date", _("Enter a birth date after 1900."))
        if birth is not None and start is not None and birth >= start:
            cells.problem("birth_date", _("not before the start date %(start)s") % {"start": start})
        if cells.ok and code is not None:
            parsed.patients[code] = PatientRow(line, code, fields, course)


def _parse_treatment(cells: _Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    drug = cells.choice("drug", treatments.ALL_DRUGS)
    start = cells.date("start_date", required=True)
    dose = cells.decimal("dose", max_digits=8, places=2, required=True)
    unit = CORTICOSTEROID_UNIT
    if cells.raw("unit"):
        unit = cells.choice("unit", TREATMENT_UNITS) or unit
    if drug in treatments.CORTICOSTEROIDS and unit != CORTICOSTEROID_UNIT:
        cells.problem(
            "unit", _("corticosteroid doses are in %(unit)s") % {"unit": CORTICOSTEROID_UNIT}
        )
    if not cells.ok or code is None:
        return None
    return ChildRow("treatments", cells.line, code, (drug, start), {"dose": dose, "unit": unit})


def _parse_infusion(cells: _Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = cells.date("date", required=True)
    weight = cells.decimal("weight_kg", max_digits=5, places=1, positive=True)
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
        fields["lots"] = cells.text("lot", max_length=200)
    if cells.has("reaction"):
        fields["reaction"] = cells.choice("reaction", REACTIONS, Reaction.NONE.value)
    if not cells.ok or code is None:
        return None
    return ChildRow("infusions", cells.line, code, (day,), fields)


def _parse_visit(cells: _Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = cells.date("date", required=True)
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
    return ChildRow("visits", cells.line, code, (day,), fields)


def _parse_lab(cells: _Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = cells.date("date", required=True)
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
    if not cells.ok or code is None:
        return None
    return ChildRow(
        "labs",
        cells.line,
        code,
        (day, test),
        {"value": value, "unit": unit, "lower_limit": lower, "upper_limit": upper},
    )


def _parse_adverse_event(cells: _Cells, known: set[str], context: Context) -> ChildRow | None:
    code = cells.patient(known)
    day = cells.date("onset_date", required=True)
    term = cells.text("term", max_length=200, required=True)
    fields: dict[str, Any] = {"category": cells.choice("category", AE_CATEGORIES)}
    if cells.has("serious"):
        fields["serious"] = cells.boolean("serious")
    if cells.has("outcome"):
        fields["outcome"] = cells.choice("outcome", AE_OUTCOMES, AEOutcome.UNKNOWN.value)
    if not cells.ok or code is None:
        return None
    return ChildRow("adverse_events", cells.line, code, (day, term), fields)


_CHILD_PARSERS: dict[str, Callable[[_Cells, set[str], Context], ChildRow | None]] = {
    "treatments": _parse_treatment,
    "infusions": _parse_infusion,
    "visits": _parse_visit,
    "labs": _parse_lab,
    "adverse_events": _parse_adverse_event,
}


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


def _resolve_infusions(
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


# --------------------------------------------------------------------------- the service


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_context(tables: Tables, today: date | None = None) -> Context:
    """The database facts validation needs: known patient codes, their courses, the regimens."""
    config = settings.BELIMUMAB
    context = Context(
        today=today or timezone.localdate(),
        vial_sizes=tuple(config["VIAL_SIZES_MG"]),
        max_weight_kg=Decimal(str(config["MAX_WEIGHT_KG"])),
        regimens={r.code: r.as_domain() for r in Regimen.objects.all()},
        labs=lab_specs(),
    )
    codes: set[str] = set()
    for name, table in tables.items():
        column = "code" if name == "patients" else "patient"
        codes.update(v[column] for _line, v in table.rows if v.get(column))
    ordered = sorted(codes)
    for chunk in _chunks(ordered, QUERY_CHUNK):
        for code, active in Patient.objects.filter(code__in=chunk).values_list("code", "is_active"):
            context.known_codes.add(code)
            if not active:
                context.inactive_codes.add(code)
        for code, start, stop, regimen in (
            Course.objects.filter(patient__code__in=chunk, is_active=True)
            .values_list("patient__code", "start_date", "stop_date", "regimen__code")
            .order_by("start_date")
        ):
            context.courses.setdefault(code, []).append(ExistingCourse(start, stop, regimen))
    return context


@dataclass
class _Plan:
    """Rows to create and to update for one model."""

    name: str
    model: type[models.Model]
    creates: list[Any] = field(default_factory=list)  # PatientRow / ChildRow / course tuples
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # pk, changed fields
    unchanged: int = 0


def _plan_patients(parsed: Parsed) -> tuple[_Plan, dict[str, int]]:
    plan = _Plan("patients", Patient)
    ids: dict[str, int] = {}
    rows = list(parsed.patients.values())
    fields = sorted({f for row in rows for f in row.fields})
    for chunk in _chunks([r.code for r in rows], QUERY_CHUNK):
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
    for chunk in _chunks(others, QUERY_CHUNK):
        ids.update(Patient.objects.filter(code__in=chunk).values_list("code", "pk"))
    return plan, ids


def _plan_courses(parsed: Parsed, patient_ids: dict[str, int], regimen_ids: dict[str, int]):
    plan = _Plan("courses", Course)
    course_ids: dict[tuple[str, date], int] = {}
    existing: dict[tuple[int, date], dict[str, Any]] = {}
    for chunk in _chunks(sorted(patient_ids.values()), QUERY_CHUNK):
        for course in Course.objects.filter(patient_id__in=chunk, is_active=True).values(
            "pk", "patient_id", "start_date", "regimen_id", "stop_date", "stop_reason"
        ):
            existing[(course["patient_id"], course["start_date"])] = course
    code_of = {pk: code for code, pk in patient_ids.items()}
    for (patient_id, start), course in existing.items():
        course_ids[(code_of[patient_id], start)] = course["pk"]
    for row in parsed.patients.values():
        wanted = {"regimen_id": regimen_ids[row.course["regimen"]]}
        for f in ("stop_date", "stop_reason"):
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


def _plan_children(
    name: str,
    rows: list[ChildRow],
    patient_ids: dict[str, int],
    course_ids: dict[tuple[str, date], int],
    problems: list[Problem],
    label: str,
) -> _Plan:
    model = MODELS[name]
    plan = _Plan(name, model)
    keys = KEYS[name]
    fields = sorted({f for row in rows for f in row.fields})
    if name == "infusions":
        fields.append("course_id")
    wanted_ids = sorted({patient_ids[r.code] for r in rows if r.code in patient_ids})
    existing: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(wanted_ids, QUERY_CHUNK):
        for values in model.objects.filter(patient_id__in=chunk, is_active=True).values(
            "pk", "patient_id", *keys, *fields
        ):
            existing[(values["patient_id"], *(values[k] for k in keys))].append(values)
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
        if not matches:
            plan.creates.append(row)
            continue
        old = matches[0]
        wanted = dict(row.fields)
        if name == "infusions":
            wanted["course_id"] = course_ids.get((row.code, row.course_start))
        changed = {f: v for f, v in wanted.items() if old[f] != v}
        if changed:
            plan.updates.append((old["pk"], changed))
        else:
            plan.unchanged += 1
    return plan


def cohort_import(
    *,
    source: str | Path | Mapping[str, RawTable],
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
    import stays idempotent. `user` is the audit
    history's user (None for the command line without --user); the change reason is "import".
    """
    result: ImportResult | None = None
    for step in cohort_import_steps(
        source=source, user=user, dry_run=dry_run, today=today, shift_to_today=shift_to_today
    ):
        if isinstance(step, ImportResult):
            result = step
        elif progress is not None:
            progress(step)
    assert result is not None
    return result


def cohort_import_steps(
    *,
    source: str | Path | Mapping[str, RawTable],
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
    source: str | Path | Mapping[str, RawTable],
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
        days = existing_shift(tables)
        if days is None:
            tables, _days = shift_to(tables, today)
        else:
            tables = shift_dates(tables, days)
    context = load_context(tables, today)
    parsed: Parsed | None = None
    for step in parse_steps(tables, context):
        if isinstance(step, Parsed):
            parsed = step
        else:
            yield step
    assert parsed is not None
    result.problems.extend(parsed.problems)
    if result.problems:
        yield result
        return

    yield Progress("compare", 0, 1)
    labels = {name: table.label for name, table in tables.items()}
    patients_plan, patient_ids = _plan_patients(parsed)
    regimen_ids = dict(Regimen.objects.values_list("code", "pk"))
    courses_plan, course_ids = _plan_courses(parsed, patient_ids, regimen_ids)
    plans = [patients_plan, courses_plan]
    for name in CHILD_TABLES:
        if name in parsed.children:
            plans.append(
                _plan_children(
                    name,
                    parsed.children[name],
                    patient_ids,
                    course_ids,
                    result.problems,
                    labels.get(name, f"{name}.csv"),
                )
            )
    for plan in plans:
        result.counts[plan.name] = Counts(len(plan.creates), len(plan.updates), plan.unchanged)
    yield Progress("compare", 1, 1)
    if result.problems or dry_run:
        yield result
        return

    total = sum(len(p.creates) + len(p.updates) for p in plans)
    writer = _Writer(user=user, total=total, patient_ids=patient_ids, course_ids=course_ids)
    try:
        with transaction.atomic():
            for plan in plans:
                yield from writer.write(plan)
            # Here every row is written (patients, courses, infusions...), in the transaction:
            # the ids of the files' courses are in writer.course_ids.
            # courses and infusions written: the pharmacy's stored schedules follow (bulk
            # inserts send no signal)
            touched = {p.name for p in plans if p.creates or p.updates}
            if touched & {"patients", "courses", "infusions"}:
                refresh_course_schedules(writer.course_ids.values())
    except IntegrityError as exc:
        result.problems.append(
            Problem("-", 1, "-", _("the database refused the import: %(error)s") % {"error": exc})
        )
        yield result
        return
    result.written = True
    _analyze({plan.model: len(plan.creates) + len(plan.updates) for plan in plans})
    yield result


# An import that writes at least this share of a table's rows refreshes the planner's
# statistics itself (autovacuum's own analyze threshold is 10 % plus 50 rows, but comes later).
ANALYZE_SHARE = 0.1


def _analyze(written: Mapping[type[models.Model], int]) -> None:
    """PostgreSQL: refresh the planner's statistics of the tables an import wrote (one query,
    sampled: about 2 s at 10,000 patients), so that the next pages do not plan for the empty
    tables (the worklist was seen sorting every row instead of reading its index before
    autovacuum came by). Only when the import changed a tenth of a table or more (or a table
    never analysed): a few rows into a large database leave the statistics true and the ANALYZE
    to autovacuum. SQLite: nothing to do."""
    connection = transaction.get_connection()
    written = {model: n for model, n in written.items() if n}
    if connection.vendor != "postgresql" or not written:
        return
    from belimumab.pharmacy.models import CourseSchedule

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[m._meta.db_table for m in written]],
        )
        estimated = dict(cursor.fetchall())
        if not any(
            n >= ANALYZE_SHARE * estimated.get(model._meta.db_table, 0)
            for model, n in written.items()
        ):
            return
        tables = {m._meta.db_table for m in written} | {CourseSchedule._meta.db_table}
        tables |= {m.history.model._meta.db_table for m in written if hasattr(m, "history")}
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in sorted(tables)))


def _isoformat(value: date) -> str:
    return value.isoformat()


def _memoized(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`adapt` remembering its results, for values of one type that repeat."""
    memo: dict[Any, Any] = {}

    def memoized(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            result = memo[value] = adapt(value)
            return result

    return memoized


class _Writer:
    """Creations and updates in bulk, each with its audit history row, in WRITE_CHUNK steps.

    Django's bulk_create prepares every value through the ORM (about 10 us per value): too slow
    for 10,000 patients. Rows and their simple-history rows (the same columns that
    `simple_history.utils.bulk_create_with_history` writes: the record's fields, history_date,
    history_user, history_change_reason "import", history_type "+" or "~") are written by the
    driver, values adapted by the backend's own adapters:

    - PostgreSQL: the ids of the new rows are drawn from the table's sequence first (one query),
      then rows and history rows are streamed with `COPY ... FROM STDIN` (one statement per table
      and chunk; an INSERT per row, even pipelined, cost 0.3 ms a row: 4 minutes for 10,000
      patients);
    - other backends (SQLite): `cursor.executemany` of one INSERT (SQLite runs in process), the
      ids of the new rows read back by natural key (unique among active rows, checked before).
    """

    def __init__(self, *, user, total, patient_ids, course_ids) -> None:
        self.user_id = user.pk if getattr(user, "pk", None) else None
        self.now = timezone.now()
        self.total = total
        self.done = 0
        self.patient_ids: dict[str, int] = patient_ids
        self.course_ids: dict[tuple[str, date], int] = course_ids
        self.connection = transaction.get_connection()
        self.use_copy = self.connection.vendor == "postgresql"

    def _adapter(self, f: models.Field) -> Callable[[Any], Any] | None:
        """The backend's adaptation of a field's value, memoized (dates and doses repeat)."""
        ops = self.connection.ops
        adapt: Callable[[Any], Any]
        if self.use_copy:
            # COPY's text format: the server reads every value from its text. psycopg's own
            # dumpers cost 3.5 us a datetime, 1.1 us a date, 0.4 us a decimal; the text of
            # these repeated values is made once. JSON: the text Django's Jsonb would send.
            if isinstance(f, models.JSONField):
                return partial(json.dumps, cls=f.encoder)
            if isinstance(f, models.DateField):  # and DateTimeField
                adapt = _isoformat
            elif isinstance(f, models.DecimalField):
                adapt = str
            else:
                return None
            return _memoized(adapt)
        if isinstance(f, models.JSONField):
            return lambda v: f.get_db_prep_save(v, self.connection)
        if isinstance(f, models.DateTimeField):
            adapt = ops.adapt_datetimefield_value
        elif isinstance(f, models.DateField):
            adapt = ops.adapt_datefield_value
        elif isinstance(f, models.DecimalField):

            def adapt(v: Any) -> Any:
                return ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)

        else:
            return None
        return _memoized(adapt)

    def _values(self, fields: list[models.Field], states: Iterable[dict[str, Any]]) -> list[list]:
        """Rows of adapted values, in the order of `fields`."""
        adapters = [(f.attname, self._adapter(f)) for f in fields]
        if not any(a for _name, a in adapters):
            names = [f.attname for f in fields]
            return [[state[name] for name in names] for state in states]
        return [
            [
                a(state[name]) if a and state[name] is not None else state[name]
                for name, a in adapters
            ]
            for state in states
        ]

    def _write_rows(self, table: str, columns: list[str], rows: list[list]) -> None:
        """Insert `rows` (values of `columns`) into `table`."""
        quote = self.connection.ops.quote_name
        table = quote(table)
        names = ", ".join(quote(c) for c in columns)
        with self.connection.cursor() as cursor:
            if self.use_copy:
                # Errors raised while copying become Django's (IntegrityError...), as execute's.
                with (
                    self.connection.wrap_database_errors,
                    cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def _history_extra(self, kind: str) -> tuple[list[str], list[Any]]:
        """Columns and values a history row adds to the record's own."""
        if self.use_copy:
            history_date = _isoformat(self.now)
        else:
            history_date = self.connection.ops.adapt_datetimefield_value(self.now)
        values = {
            "history_date": history_date,
            "history_change_reason": IMPORT_REASON,
            "history_type": kind,
            "history_user_id": self.user_id,
        }
        return list(values), list(values.values())

    def _insert_history(
        self, model: type[models.Model], fields: list[models.Field], rows: list[list], kind: str
    ) -> None:
        """History rows of records whose adapted values (in the order of `fields`) are `rows`."""
        columns, extra = self._history_extra(kind)
        self._write_rows(
            model.history.model._meta.db_table,  # type: ignore[attr-defined]
            [f.column for f in fields] + columns,
            [row + extra for row in rows],
        )

    def _defaults(self, model: type[models.Model]) -> dict[str, Any]:
        """Values of the columns a row does not give (its states share them: only read)."""
        defaults = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
        defaults["created_at"] = defaults["updated_at"] = self.now
        return defaults

    def _state(self, plan: _Plan, row: Any, defaults: dict[str, Any]) -> dict[str, Any]:
        if plan.name == "patients":
            state = {**defaults, **row.fields, "code": row.code}
        elif plan.name == "courses":
            code, start, wanted = row
            state = {
                **defaults,
                **wanted,
                "patient_id": self.patient_ids[code],
                "start_date": start,
            }
        else:
            state = {**defaults, **row.fields, "patient_id": self.patient_ids[row.code]}
            state.update(zip(KEYS[plan.name], row.key, strict=True))
            if plan.name == "infusions":
                state["course_id"] = self.course_ids[(row.code, row.course_start)]
        return state

    def _new_ids(self, model: type[models.Model], count: int) -> list[int]:
        """`count` ids drawn from the table's sequence (PostgreSQL), as its inserts would."""
        meta = model._meta
        with self.connection.cursor() as cursor:
            # The sequence's name first: resolved on each row, it would cost 10 us a row.
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [self.connection.ops.quote_name(meta.db_table), meta.pk.column],
            )
            (sequence,) = cursor.fetchone()
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _remember_ids(self, plan: _Plan, states: list[dict[str, Any]]) -> None:
        """Ids of new patients and courses, for the rows of the next tables."""
        if plan.name == "patients":
            for state in states:
                self.patient_ids[state["code"]] = state["id"]
        elif plan.name == "courses":
            code_of = {pk: code for code, pk in self.patient_ids.items()}
            for state in states:
                self.course_ids[(code_of[state["patient_id"]], state["start_date"])] = state["id"]

    def _read_ids(self, plan: _Plan, states: list[dict[str, Any]]) -> None:
        """Set state["id"] of freshly inserted rows, read back by natural key."""
        model = plan.model
        if plan.name == "patients":
            found: dict[tuple[Any, ...], int] = {}
            for chunk in _chunks([s["code"] for s in states], QUERY_CHUNK):
                for code, pk in model.objects.filter(code__in=chunk).values_list("code", "pk"):
                    found[(code,)] = pk
            for state in states:
                state["id"] = found[(state["code"],)]
        else:
            keys = ("start_date",) if plan.name == "courses" else KEYS[plan.name]
            found = {}
            patient_ids = sorted({s["patient_id"] for s in states})
            for chunk in _chunks(patient_ids, QUERY_CHUNK):
                for pk, *key in (
                    model.objects.filter(patient_id__in=chunk, is_active=True)
                    .values_list("pk", "patient_id", *keys)
                    .iterator(chunk_size=5000)
                ):
                    found[tuple(key)] = pk
            for state in states:
                state["id"] = found[(state["patient_id"], *(state[k] for k in keys))]
        self._remember_ids(plan, states)

    def write(self, plan: _Plan) -> Iterator[Progress]:
        if plan.creates:
            yield from self._create(plan)
        for chunk in _chunks(plan.updates, WRITE_CHUNK):
            self._update(plan, dict(chunk))
            self.done += len(chunk)
            yield Progress("write", self.done, self.total)

    def _create(self, plan: _Plan) -> Iterator[Progress]:
        model = plan.model
        defaults = self._defaults(model)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if self.use_copy:
            fields = [model._meta.pk, *fields]
            columns = [f.column for f in fields]
            for chunk in _chunks(plan.creates, WRITE_CHUNK):
                states = [self._state(plan, row, defaults) for row in chunk]
                for state, pk in zip(states, self._new_ids(model, len(states)), strict=True):
                    state["id"] = pk
                self._remember_ids(plan, states)
                rows = self._values(fields, states)
                self._write_rows(model._meta.db_table, columns, rows)
                self._insert_history(model, fields, rows, "+")
                self.done += len(chunk)
                yield Progress("write", self.done, self.total)
            return
        states = []
        for chunk in _chunks(plan.creates, WRITE_CHUNK):
            batch = [self._state(plan, row, defaults) for row in chunk]
            self._write_rows(
                model._meta.db_table, [f.column for f in fields], self._values(fields, batch)
            )
            states.extend(batch)
            self.done += len(chunk)
            yield Progress("write", self.done, self.total)
        self._read_ids(plan, states)
        fields = [model._meta.pk, *fields]
        for chunk in _chunks(states, WRITE_CHUNK):
            self._insert_history(model, fields, self._values(fields, chunk), "+")

    def _update(self, plan: _Plan, changes: dict[int, dict[str, Any]]) -> None:
        model = plan.model
        fields = [f for f in model._meta.concrete_fields]
        names = [f.attname for f in fields]
        states = {
            state["id"]: state
            for state in model.objects.filter(pk__in=list(changes)).values(*names)
        }
        changed = sorted({name for change in changes.values() for name in change})
        by_name = {f.attname: f for f in fields}
        columns = [model._meta.pk] + [by_name[n] for n in (*changed, "version", "updated_at")]
        for change_pk, change in changes.items():
            state = states[change_pk]
            state.update(change)
            state["version"] += 1
            state["updated_at"] = self.now
        rows = self._values(columns, (states[pk] for pk in changes))
        quote = self.connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        names = [quote(f.column) for f in columns[1:]]
        with self.connection.cursor() as cursor:
            if self.use_copy:
                # The new values copied into a temporary table, then one UPDATE joining it (an
                # UPDATE per row, pipelined, costs 0.2 ms a row).
                temp_table = f"import_{model._meta.db_table}"
                temp = quote(temp_table)
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
                    f"SELECT {pk}, {', '.join(names)} FROM {table} WITH NO DATA"
                )
                self._write_rows(temp_table, [f.column for f in columns], rows)
                cursor.execute(
                    f"UPDATE {table} SET {', '.join(f'{n} = u.{n}' for n in names)} "
                    f"FROM {temp} u WHERE {table}.{pk} = u.{pk}"
                )
                cursor.execute(f"DROP TABLE {temp}")
            else:
                sql = f"UPDATE {table} SET {', '.join(f'{n} = %s' for n in names)} WHERE {pk} = %s"
                cursor.executemany(sql, [[*row[1:], row[0]] for row in rows])
        self._insert_history(model, fields, self._values(fields, states.values()), "~")
