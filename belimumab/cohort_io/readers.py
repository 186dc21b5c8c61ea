"""Cohort files -> `RawTable`s: a folder of CSV files, a .zip of them, one CSV file or an .xlsx
workbook (one sheet per file). Cells stay text, with their line numbers, for the checks.

Files are streamed (CSV row by row, sheets with openpyxl's read-only reader) within the limits of
`limits.import_limits()`: sizes are checked before anything is read, rows and cells while
reading, and any failure to read (a damaged archive, a file that is not a workbook) is a problem
of its file, never an exception.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from belimumab.cohort_io.formats import FILES, RawTable, Tables
from belimumab.cohort_io.limits import RATIO_FLOOR_BYTES, ImportLimits, import_limits
from belimumab.cohort_io.results import Problem

# What reading a damaged file raises: zipfile's errors (bad CRC, truncated or encrypted member,
# unknown compression), the decompressors', the file system's.
READ_ERRORS = (
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    RuntimeError,
    NotImplementedError,
    UnicodeError,
)
# A physical line longer than csv's own field limit is refused before the csv module builds it.
MAX_LINE_CHARS = csv.field_size_limit()
CHUNK_BYTES = 2**20

Opener = Callable[[], IO[bytes]]


class FileRefused(Exception):
    """A file beyond a limit, or not a text file: refused at `line` with `message`."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@contextmanager
def _reading(
    label: str, problems: list[Problem], errors: tuple[type[Exception], ...] = READ_ERRORS
) -> Iterator[None]:
    """Any failure while reading one file becomes a problem of that file."""
    try:
        yield
    except FileRefused as exc:
        problems.append(Problem(label, exc.line, "-", exc.message))
    except csv.Error as exc:
        problems.append(Problem(label, 1, "-", _("unreadable CSV: %(error)s") % {"error": exc}))
    except errors as exc:
        problems.append(Problem(label, 1, "-", _("unreadable file: %(error)s") % {"error": exc}))


def _size_problem(label: str, size: int, limit: int, problems: list[Problem]) -> bool:
    """True (and a problem) when `size` bytes exceed `limit`."""
    if size <= limit:
        return False
    problems.append(
        Problem(
            label,
            1,
            "-",
            _("%(size)s, more than the %(max)s a file may hold: nothing was read")
            % {"size": filesizeformat(size), "max": filesizeformat(limit)},
        )
    )
    return True


def _bounded(
    cells: Iterable[tuple[int, list[str]]], limits: ImportLimits
) -> Iterator[tuple[int, list[str]]]:
    """The rows, stopped with FileRefused past the rows or cells a file may hold."""
    total = 0
    for count, (line, row) in enumerate(cells, start=1):
        total += len(row)
        if count > limits.rows + 1:  # the header is not a row of data
            raise FileRefused(
                line,
                _("more than %(max)s rows: a file may hold no more (docs/data-format.md)")
                % {"max": number_format(limits.rows, force_grouping=True)},
            )
        if total > limits.cells:
            raise FileRefused(
                line,
                _("more than %(max)s cells: a file may hold no more (docs/data-format.md)")
                % {"max": number_format(limits.cells, force_grouping=True)},
            )
        yield line, row


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


def _encoding(opener: Opener) -> str:
    """UTF-16 with its byte order mark (Excel's "Unicode text"), UTF-8 when every byte decodes
    (checked chunk by chunk, never the whole file at once), else Windows-1252: spreadsheets
    saved as "CSV" on French Windows."""
    with opener() as raw:
        head = raw.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            while chunk := raw.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _not_text() -> str:
    return _("not a text file (NUL bytes): save it as CSV UTF-8")


def _lines(text: IO[str]) -> Iterator[str]:
    """The physical lines, each refused past MAX_LINE_CHARS before it is built whole."""
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            if "\x00" in line:
                raise FileRefused(number, _not_text())
            raise FileRefused(
                number,
                _("a line of more than %(max)s characters: is this a CSV file?")
                % {"max": number_format(MAX_LINE_CHARS, force_grouping=True)},
            )
        yield line


def _csv_cells(opener: Opener) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV file (comma, semicolon or tab separated) as they are read."""
    encoding = _encoding(opener)
    with opener() as raw, io.TextIOWrapper(raw, encoding, errors="replace", newline="") as text:
        lines = _lines(text)
        first = next(lines, "")
        if "\x00" in first:
            # A NUL in the header: a binary file (an .xls or .numbers renamed), or UTF-16
            # without its byte order mark; one problem instead of one per cell.
            raise FileRefused(1, _not_text())
        reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
        line = 1
        for row in reader:
            yield line, row
            line = reader.line_num + 1


def _file_known(
    tables: Tables, name: str, label: str, problems: list[Problem], sheet: bool = False
) -> bool:
    if name not in FILES:
        expected = ", ".join(f"{n}.csv" for n in FILES) if not sheet else ", ".join(FILES)
        problems.append(
            Problem(
                label, 1, "-", _("unknown file (expected: %(expected)s)") % {"expected": expected}
            )
        )
        return False
    if name in tables:
        problems.append(Problem(label, 1, "-", _("this file is given twice")))
        return False
    return True


def _ignored(filename: str) -> bool:
    """Files of a folder or archive that are not data: README*, hidden files, macOS metadata."""
    base = filename.rsplit("/", 1)[-1]
    return not base or base.startswith((".", "README", "readme")) or filename.startswith("__MACOSX")


def _add_csv(
    tables: Tables,
    filename: str,
    size: int,
    opener: Opener,
    problems: list[Problem],
    limits: ImportLimits,
) -> None:
    """One CSV file of a folder or archive (or given alone), read if it is known and fits."""
    filename = filename.replace("\\", "/")
    if _ignored(filename):
        return
    base = filename.rsplit("/", 1)[-1]
    name = base.lower().removesuffix(".csv") if base.lower().endswith(".csv") else base
    if not _file_known(tables, name, base, problems):
        return
    if _size_problem(base, size, limits.file_bytes, problems):
        return
    with _reading(base, problems):
        table = _table_from_cells(name, base, _bounded(_csv_cells(opener), limits), problems)
        if table is not None:
            tables[name] = table


def _archive_fits(
    members: Sequence[zipfile.ZipInfo],
    label: str,
    problems: list[Problem],
    limits: ImportLimits,
) -> bool:
    """Check what a .zip or .xlsx declares before unpacking anything: each member's size and
    compression ratio, and their total. zipfile never unpacks more than a member declares."""
    before = len(problems)
    for info in members:
        base = info.filename.rsplit("/", 1)[-1] or info.filename
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.compression_ratio:
            problems.append(
                Problem(
                    base,
                    1,
                    "-",
                    _(
                        "%(size)s packed %(ratio)d times: more than %(max)d times is refused "
                        "(a zip bomb?)"
                    )
                    % {
                        "size": filesizeformat(info.file_size),
                        "ratio": ratio,
                        "max": limits.compression_ratio,
                    },
                )
            )
    size = sum(info.file_size for info in members)
    if size > limits.unpacked_bytes:
        problems.append(
            Problem(
                label,
                1,
                "-",
                _("the archive holds %(size)s once unpacked, more than %(max)s")
                % {"size": filesizeformat(size), "max": filesizeformat(limits.unpacked_bytes)},
            )
        )
    return len(problems) == before


def _open_archive(path: Path, label: str, problems: list[Problem]) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(path)
    except READ_ERRORS:
        if label == "workbook":
            problems.append(Problem(label, 1, "-", _("not an .xlsx workbook")))
        else:
            problems.append(Problem(label, 1, "-", _("not a valid .zip file")))
        return None


def read_zip(path: Path, problems: list[Problem], limits: ImportLimits) -> Tables:
    """A .zip of CSV files: sizes checked from its directory, then each member streamed."""
    tables: Tables = {}
    if _size_problem("archive", path.stat().st_size, limits.unpacked_bytes, problems):
        return tables
    archive = _open_archive(path, "archive", problems)
    if archive is None:
        return tables
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not _ignored(info.filename.replace("\\", "/"))
        ]
        before = len(problems)
        for info in members:
            base = info.filename.rsplit("/", 1)[-1]
            _size_problem(base, info.file_size, limits.file_bytes, problems)
        if not _archive_fits(members, "archive", problems, limits) or len(problems) > before:
            return tables
        for info in members:
            opener = _member_opener(archive, info)
            _add_csv(tables, info.filename, info.file_size, opener, problems, limits)
    return tables


def _member_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Opener:
    return lambda: archive.open(info)


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


def _read_sheet(tables: Tables, sheet: Any, problems: list[Problem], limits: ImportLimits) -> None:
    """One worksheet, streamed row by row; an empty sheet (Excel's "Sheet1") is not a file."""
    label = sheet.title
    name = label.strip().lower().removesuffix(".csv")
    # The dimension a sheet declares is not read: a stale one ("A1:O2" over 3 rows) cut the
    # rows, a huge one ("A1:XFD1048576") made openpyxl pad every row to 16,384 cells. Without
    # it, each row is as wide as its last cell and the rows end with the sheet's last row.
    sheet.reset_dimensions()
    rows = _bounded(
        (
            (index, [_cell_text(v) for v in row])
            for index, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ),
        limits,
    )
    first = next(rows, None)
    if first is None:
        return
    if not any(first[1]):
        filled = next((row for row in rows if any(row[1])), None)
        if filled is None:
            return
        rows = itertools.chain([filled], rows)
    if _file_known(tables, name, label, problems, sheet=True):
        table = _table_from_cells(name, label, itertools.chain([first], rows), problems)
        if table is not None:
            tables[name] = table


def read_xlsx(path: Path, problems: list[Problem], limits: ImportLimits) -> Tables:
    """An .xlsx workbook: one sheet per file, named like the file without ".csv"."""
    # A third-party import, not a project one: loading openpyxl costs about 0.3 s at every
    # start of the server and of the commands, most of which never read a workbook.
    from openpyxl import load_workbook

    tables: Tables = {}
    if _size_problem("workbook", path.stat().st_size, limits.file_bytes, problems):
        return tables
    archive = _open_archive(path, "workbook", problems)
    if archive is None:
        return tables
    with archive:  # openpyxl reads the shared strings whole: check the sizes first
        if not _archive_fits(archive.infolist(), "workbook", problems, limits):
            return tables
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        problems.append(
            Problem("workbook", 1, "-", _("unreadable workbook: %(error)s") % {"error": exc})
        )
        return tables
    try:
        for sheet in book.worksheets:
            with _reading(sheet.title, problems, errors=(Exception,)):
                _read_sheet(tables, sheet, problems, limits)
    finally:
        book.close()
    return tables


def _read_folder(path: Path, problems: list[Problem], limits: ImportLimits) -> Tables:
    tables: Tables = {}
    for file in sorted(path.iterdir()):
        if file.is_file():
            opener = _path_opener(file)
            _add_csv(tables, file.name, file.stat().st_size, opener, problems, limits)
    return tables


def _path_opener(path: Path) -> Opener:
    return lambda: path.open("rb")


def read_source(
    source: str | Path | Mapping[str, RawTable], limits: ImportLimits | None = None
) -> tuple[Tables, list[Problem]]:
    """Read a folder of CSV files, a .zip of them, one .csv file or an .xlsx workbook.

    Already-read tables (a mapping name -> RawTable, e.g. from the generator) pass through.
    """
    problems: list[Problem] = []
    if isinstance(source, Mapping):
        return dict(source), problems
    limits = limits or import_limits()
    path = Path(source)
    tables: Tables = {}
    with _reading(path.name or str(path), problems):
        if path.is_dir():
            tables = _read_folder(path, problems, limits)
        elif not path.is_file():
            problems.append(Problem(str(path), 1, "-", _("no such file or folder")))
        elif path.suffix.lower() == ".xlsx":
            tables = read_xlsx(path, problems, limits)
        elif path.suffix.lower() == ".zip":
            tables = read_zip(path, problems, limits)
        else:
            _add_csv(tables, path.name, path.stat().st_size, _path_opener(path), problems, limits)
    return tables, problems


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
