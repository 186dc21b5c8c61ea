"""Cohort files -> `RawTable`s: a folder of CSV files, a .zip of them, one CSV file or an .xlsx
workbook (one sheet per file). Cells stay text, with their line numbers, for the checks."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from belimumab.cohort_io.formats import FILES, RawTable, Tables
from belimumab.cohort_io.results import Problem

# Unpacked size a .zip may hold (a zip bomb is refused before anything is read).
MAX_ARCHIVE_BYTES = 1024 * 2**20


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
    # A third-party import, not a project one: loading openpyxl costs about 0.3 s at every
    # start of the server and of the commands, most of which never read a workbook.
    from openpyxl import load_workbook

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
