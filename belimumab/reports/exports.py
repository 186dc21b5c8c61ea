"""Exports of the cohort: the analysis dataset and the report, as CSV, XLSX or JSON bytes.

Pseudonymous codes only (the dataset never holds names nor birth dates). Text cells that a
spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) are
prefixed with an apostrophe in CSV and XLSX (`belimumab.core.exports.safe_cell`).

One marker for a missing value, whatever the column's type (number, date, text, flag): an empty
cell in CSV and XLSX, null in JSON (R's `read.csv` and pandas read an empty cell as NA; NA, NaT
and empty text are never mixed). Two CSV styles: the standard one (comma, decimal point, ISO
dates, UTF-8: for R and Python) and the French spreadsheet's (`csv_fr`: semicolon, decimal
comma, dd/mm/yyyy dates, UTF-8 with a byte-order mark so that Excel reads the accents). The
report's XLSX is one sheet per table (`reports.paper_tables`); its CSV and JSON keep every
figure of the report, the CSV as dotted paths.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
import pandas as pd

from belimumab.core.exports import safe_cell
from belimumab.reports.dataset import Dataset, analysis_table
from belimumab.reports.paper_tables import Sheet, report_sheets
from belimumab.reports.report import json_ready

FORMATS = ("csv", "csv_fr", "xlsx", "json")
KINDS = ("dataset", "report")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv_fr": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
MISSING = ""  # the one marker of a missing value in CSV (XLSX: an empty cell, JSON: null)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
XLSX_TITLE_LENGTH = 31  # Excel refuses longer sheet names


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str
    decimal: str
    date_format: str
    bom: bool
    line_end: str


STANDARD = CsvStyle(",", ".", "%Y-%m-%d", False, "\n")
FRENCH = CsvStyle(";", ",", "%d/%m/%Y", True, "\r\n")
CSV_STYLES = {"csv": STANDARD, "csv_fr": FRENCH}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or (isinstance(value, str) and value == ""):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, dicts: not scalars
        return False


def _plain(value: Any) -> Any:
    """A dataset cell as a plain Python value: None for every kind of missing value (None, NaN,
    NaT, pd.NA, empty text), a date for a timestamp."""
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dict | list | tuple):
        return json.dumps(json_ready(value), ensure_ascii=False)
    value = json_ready(value)
    return None if _missing(value) else value


def dataset_records(ds: Dataset) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of the long analysis dataset, plain values."""
    table = analysis_table(ds)
    columns = list(table.columns)
    rows = ([_plain(v) for v in record] for record in table.astype(object).itertuples(index=False))
    return columns, rows


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, leaf value) pairs of a nested report dict; list items by index."""
    if isinstance(value, dict):
        if not value and prefix:
            yield prefix, None
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        if not value and prefix:
            yield prefix, None
        for i, item in enumerate(value):
            yield from flatten(item, f"{prefix}.{i}")
    else:
        yield prefix, value


def _report_value(value: Any) -> Any:
    """A leaf of the JSON-ready report: its ISO dates back to dates (each CSV style writes them
    its way), empty text as missing."""
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return None if value == "" else value


def report_records(report: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    return ["path", "value"], (
        [path, _report_value(value)] for path, value in flatten(json_ready(report))
    )


def _number(value: float | Decimal, style: CsvStyle) -> str:
    # repr: the shortest text that reads back as the same float (no digit lost, none invented)
    text = repr(value) if isinstance(value, float) else str(value)
    return text.replace(".", style.decimal)


def _csv_value(value: Any, style: CsvStyle = STANDARD) -> Any:
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return value.date().strftime(style.date_format)
    if isinstance(value, date):
        return value.strftime(style.date_format)
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return _number(value, style)
    return safe_cell(value)


def to_csv(columns: list[str], rows: Iterator[list[Any]], style: CsvStyle = STANDARD) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator=style.line_end)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(v, style) for v in row])
    return buffer.getvalue().encode("utf-8-sig" if style.bom else "utf-8")


def to_xlsx(sheets: list[Sheet]) -> bytes:
    """One worksheet per sheet: a bold header row, then the rows, each column shown with its
    number format (the cell keeps the exact value)."""
    from openpyxl import Workbook  # imported when needed: the JSON and CSV exports start faster
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title[:XLSX_TITLE_LENGTH])
        header = []
        for title, _fmt in sheet.columns:
            cell = WriteOnlyCell(worksheet, value=safe_cell(title))
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        formats = [fmt for _title, fmt in sheet.columns]
        for row in sheet.rows:
            # a styled cell only where a number gets a format: plain values are written several
            # times faster (the 10,000-patient dataset is 1.4 million cells)
            cells: list[Any] = []
            for value, fmt in zip(row, formats, strict=True):
                if fmt is not None and isinstance(value, int | float):
                    cell = WriteOnlyCell(worksheet, value=value)
                    cell.number_format = fmt
                    cells.append(cell)
                else:
                    cells.append(safe_cell(value))
            worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME


def json_text(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """`json.dumps(json_ready(value), ensure_ascii=False, indent=2, default=default)`, written by
    orjson (C: the standard library indents in pure Python, value by value, which is slow on a
    10,000-patient report).

    The same JSON values and layout; small and large floats may be written in another form
    (3.9e-9 where json.dumps writes 3.9e-09, 0.0000147 for 1.47e-05): the same numbers. Values
    orjson does not take (integers beyond 64 bits, non-text dict keys, which json_ready turns
    into text and merges) go through json.dumps itself.
    """

    def fallback(item: Any) -> Any:
        plain = json_ready(item)  # numpy scalars, dates, pandas timestamps...
        if type(plain) is not type(item):
            return plain
        if default is not None:
            return default(item)
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    try:
        return orjson.dumps(value, default=fallback, option=_ORJSON_OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError:
        # the reference itself (it raises TypeError for a value neither it nor `default` takes)
        return json.dumps(json_ready(value), ensure_ascii=False, indent=2, default=default)


def report_json(report: dict[str, Any]) -> bytes:
    return json_text(report).encode("utf-8")


def dataset_json(ds: Dataset) -> bytes:
    columns, rows = dataset_records(ds)
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    return json_text(
        {"schema": "belimumab.cohort_dataset/1", "as_of": ds.as_of.isoformat(), "rows": records},
        default=str,
    ).encode("utf-8")


def export_bytes(kind: str, fmt: str, ds: Dataset, report: dict[str, Any]) -> bytes:
    """The export `kind` (dataset | report) in `fmt` (csv | csv_fr | xlsx | json)."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ValueError(f"unknown export {kind}.{fmt}")
    if fmt == "json":
        return dataset_json(ds) if kind == "dataset" else report_json(report)
    if fmt == "xlsx":
        if kind == "report":
            return to_xlsx(report_sheets(report))
        columns, rows = dataset_records(ds)
        return to_xlsx([Sheet("dataset", [(c, None) for c in columns], list(rows))])
    columns, rows = dataset_records(ds) if kind == "dataset" else report_records(report)
    return to_csv(columns, rows, CSV_STYLES[fmt])


def filename(kind: str, fmt: str) -> str:
    if fmt == "csv_fr":
        return f"belimumab-cohort-{kind}-fr.csv"
    return f"belimumab-cohort-{kind}.{fmt}"
