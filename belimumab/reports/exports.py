"""Exports of the cohort: the analysis dataset and the report, as CSV, XLSX or JSON bytes.

Pseudonymous codes only (the dataset never holds names nor birth dates). Text cells that a
spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) are
prefixed with an apostrophe in CSV and XLSX (`belimumab.core.exports.safe_cell`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import orjson
import pandas as pd

from belimumab.core.exports import safe_cell
from belimumab.reports.dataset import Dataset, analysis_table
from belimumab.reports.report import json_ready

FORMATS = ("csv", "xlsx", "json")
KINDS = ("dataset", "report")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
NA = "NA"  # R's missing value in CSV


def _plain(value: Any) -> Any:
    """A dataset cell as a plain Python value (None for missing, date for timestamps)."""
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dict | list | tuple):
        return json.dumps(json_ready(value), ensure_ascii=False)
    value = json_ready(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


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


def report_records(report: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    return ["path", "value"], ([path, value] for path, value in flatten(json_ready(report)))


def _csv_value(value: Any) -> Any:
    if value is None:
        return NA
    if isinstance(value, date | datetime):
        return value.isoformat()
    return safe_cell(value)


def to_csv(columns: list[str], rows: Iterator[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(sheets: list[tuple[str, list[str], Iterator[list[Any]]]]) -> bytes:
    from openpyxl import Workbook  # imported when needed: the JSON and CSV exports start faster

    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(columns)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
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
    """The export `kind` (dataset | report) in `fmt` (csv | xlsx | json)."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ValueError(f"unknown export {kind}.{fmt}")
    if fmt == "json":
        return dataset_json(ds) if kind == "dataset" else report_json(report)
    columns, rows = dataset_records(ds) if kind == "dataset" else report_records(report)
    if fmt == "csv":
        return to_csv(columns, rows)
    return to_xlsx([(kind, columns, rows)])


def filename(kind: str, fmt: str) -> str:
    return f"belimumab-cohort-{kind}.{fmt}"
