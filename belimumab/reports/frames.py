"""Rows of the selectors -> typed pandas DataFrames (no ORM, no Django).

Each table gets a fixed set of columns and dtypes, whether it holds 0 or 100,000 rows, so that
the dataset builder and the statistics never guess: dates are `datetime64[s]`, doses and lab
values `float64` (read from Decimal), codes `str`, flags `bool`, nullable counts `Int64`.
Patient columns are renamed without the `patient__` prefix; the course id is `course_id`.

The selectors hand over `Rows` (column names and one tuple per row, as `values_list` reads them:
no dict per row, and each column typed in one numpy / pandas call); hand-built rows (dicts) are
read the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

DATE = "datetime64[s]"

# column -> dtype ("object" keeps Python lists / JSON as they are).
PATIENTS = {
    "patient_id": "int64",
    "code": "str",
    "birth_date": DATE,
    "sex": "str",
    "smoking": "str",
    "manifestations": "object",
    "previous_treatments": "object",
    "initiation_reasons": "object",
    "indication": "str",
    "prior_trial": "bool",
    "course_id": "int64",
    "d0": DATE,
    "stop_date": DATE,
    "stop_reason": "str",
    "follow_up_end": DATE,
    "follow_up_end_reason": "str",
    "regimen": "str",
    "route": "str",
    "mg_per_kg": "Int64",
    "fixed_dose_mg": "Int64",
    "loading_intervals_days": "object",
    "loading_doses_mg": "object",
    "interval_days": "int64",
}
INFUSIONS = {
    "id": "int64",
    "patient_id": "int64",
    "course_id": "int64",
    "date": DATE,
    "prescribed_dose_mg": "float64",
    "prepared_dose_mg": "float64",
    "vials_120": "int64",
    "vials_400": "int64",
    "pens": "Int64",  # SC: weeks covered; absent in hand-built frames: one pen
}
VISITS = {
    "id": "int64",
    "patient_id": "int64",
    "date": DATE,
    "sledai": "Int64",
    "pga": "float64",
    "flare": "str",
}
LABS = {
    "id": "int64",
    "patient_id": "int64",
    "date": DATE,
    "test": "str",
    "value": "float64",
    "lower_limit": "float64",
    "upper_limit": "float64",
}
TREATMENTS = {
    "id": "int64",
    "patient_id": "int64",
    "drug": "str",
    "start_date": DATE,
    "dose": "float64",
}
ADVERSE_EVENTS = {
    "id": "int64",
    "patient_id": "int64",
    "onset_date": DATE,
    "term": "str",
    "category": "str",
    "site": "str",
    "serious": "bool",
    "severity_grade": "Int64",
    "causality": "str",
    "action_taken": "str",
    "reported_to_pv": "bool",
    "pv_report_date": DATE,
}
ADJUDICATIONS = {
    "patient_id": "int64",
    "timepoint": "str",
    "status": "str",
    "reason": "str",
}

_PATIENT_RENAME = {
    "patient__code": "code",
    "patient__birth_date": "birth_date",
    "patient__sex": "sex",
    "patient__smoking": "smoking",
    "patient__manifestations": "manifestations",
    "patient__previous_treatments": "previous_treatments",
    "patient__initiation_reasons": "initiation_reasons",
    "patient__indication": "indication",
    "patient__prior_trial": "prior_trial",
    "id": "course_id",
    "start_date": "d0",
    "regimen__code": "regimen",
    "regimen__route": "route",
    "regimen__mg_per_kg": "mg_per_kg",
    "regimen__fixed_dose_mg": "fixed_dose_mg",
    "regimen__loading_intervals_days": "loading_intervals_days",
    "regimen__loading_doses_mg": "loading_doses_mg",
    "regimen__interval_days": "interval_days",
}


# Decimal columns the selectors read as floats under another name (a query alias cannot reuse
# the field's name).
ALIASES = {
    "prescribed": "prescribed_dose_mg",
    "prepared": "prepared_dose_mg",
    "pga_value": "pga",
    "result": "value",
    "lower": "lower_limit",
    "upper": "upper_limit",
    "amount": "dose",
}


def _floats(series: pd.Series) -> pd.Series:
    """Numbers (float, int, Decimal) or None -> float64 with NaN."""
    if series.dtype.kind in "fiu":
        return series.astype("float64")
    values = series.to_numpy(dtype=object)
    return pd.Series(
        [math.nan if v is None or v != v else float(v) for v in values],
        index=series.index,
        dtype="float64",
    )


@dataclass(frozen=True)
class Rows:
    """A table as `values_list` reads it: column names and one tuple per row."""

    columns: tuple[str, ...]
    tuples: list[tuple[Any, ...]]

    def __len__(self) -> int:
        return len(self.tuples)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The rows as dicts (column -> value)."""
        return (dict(zip(self.columns, row, strict=True)) for row in self.tuples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return dict(zip(self.columns, self.tuples[index], strict=True))

    def renamed(self, names: Mapping[str, str]) -> Rows:
        return Rows(tuple(names.get(c, c) for c in self.columns), self.tuples)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _typed_column(values: Sequence[Any], dtype: str) -> Any:
    """One column of `Rows` in its schema dtype, as `typed_frame` types a column of dicts."""
    if dtype == "int64":
        return np.array(values, dtype=np.int64)
    if dtype == "float64":
        return np.array(values, dtype=np.float64)  # None -> NaN, Decimal -> float
    if dtype == DATE and set(map(type, values)) == {date}:
        # dates only (no None, no time of day): day numbers, without to_datetime's parsing
        days = np.array(list(map(date.toordinal, values)), dtype=np.int64) - _EPOCH_ORDINAL
        return days.astype("datetime64[D]").astype(DATE)
    series = pd.Series(values, dtype=object)
    if dtype == DATE:
        return pd.to_datetime(series, errors="raise").astype(DATE)
    if dtype == "str":
        return series.where(series.notna(), "").astype(str)
    if dtype == "object":
        return series
    if dtype == "bool":
        return series.where(series.notna(), False).astype(bool)
    return pd.array(values, dtype=dtype)


def _numbers(column: Callable[[], Iterator[Any]], n: int, dtype: str) -> np.ndarray | None:
    """An int64 / float64 / date column straight from the tuples (`np.fromiter`, no list of
    values), or None when a value does not fit (None, a Decimal in an int column, a datetime):
    then `_typed_column` types it as before."""
    try:
        if dtype == DATE:
            if set(map(type, column())) != {date}:
                return None
            days = np.fromiter(map(date.toordinal, column()), dtype=np.int64, count=n)
            return (days - _EPOCH_ORDINAL).astype("datetime64[D]").astype(DATE)
        values = np.fromiter(column(), dtype=dtype, count=n)
    except (TypeError, ValueError):
        return None
    return values


def _typed_rows(rows: Rows, schema: Mapping[str, str]) -> pd.DataFrame:
    n = len(rows.tuples)
    position = {c: i for i, c in enumerate(rows.columns)}
    out = {}
    for column, dtype in schema.items():
        if column not in position:
            out[column] = _typed_column([None] * n, dtype)
            continue
        get = itemgetter(position[column])

        def values(get: Callable[[Any], Any] = get) -> Iterator[Any]:
            return map(get, rows.tuples)

        typed = _numbers(values, n, dtype) if dtype in ("int64", "float64", DATE) else None
        # one pass per column (transposing with zip(*tuples) costs 4 times more)
        out[column] = typed if typed is not None else _typed_column(list(values()), dtype)
    return pd.DataFrame(out, columns=list(schema), index=pd.RangeIndex(n))


def typed_frame(
    rows: Rows | Iterable[Mapping[str, Any]], schema: Mapping[str, str]
) -> pd.DataFrame:
    """A DataFrame with exactly the columns of `schema`, in its order and dtypes.

    Missing keys become missing values; text columns hold "" rather than missing; an empty input
    gives an empty frame with the same columns and dtypes.
    """
    if isinstance(rows, Rows) and len(rows):
        return _typed_rows(rows.renamed(ALIASES), schema)
    rows = list(rows)
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    frame = frame.rename(columns=ALIASES).reindex(columns=list(schema))
    out = {}
    for column, dtype in schema.items():
        series = frame[column]
        if dtype == DATE:
            out[column] = pd.to_datetime(series, errors="raise").astype(DATE)
        elif dtype == "str":
            out[column] = series.astype(object).where(series.notna(), "").astype(str)
        elif dtype == "float64":
            out[column] = _floats(series)
        elif dtype == "object":
            out[column] = series.astype(object)
        elif dtype == "bool":
            out[column] = series.astype(object).where(series.notna(), False).astype(bool)
        else:
            out[column] = series.astype(dtype)
    return pd.DataFrame(out, columns=list(schema), index=pd.RangeIndex(len(frame)))


@dataclass
class CohortFrames:
    """The cohort's tables as typed DataFrames (see the schemas above)."""

    patients: pd.DataFrame
    infusions: pd.DataFrame
    visits: pd.DataFrame
    labs: pd.DataFrame
    treatments: pd.DataFrame
    adverse_events: pd.DataFrame
    adjudications: pd.DataFrame

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return iter(getattr(self, f.name) for f in fields(self))


def _decoded(values: list[Any]) -> list[Any]:
    """JSON columns read as text (the selectors) decoded in one `json.loads` of the whole
    column; values already decoded (hand-built rows) are kept."""
    if not any(type(v) is str for v in values):
        return values
    texts = [v if type(v) is str else json.dumps(v) for v in values]
    return json.loads("[" + ",".join(texts) + "]")


def patients_frame(rows: Rows | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    if isinstance(rows, Rows):
        frame = typed_frame(rows.renamed(_PATIENT_RENAME), PATIENTS)
    else:
        rows = [{_PATIENT_RENAME.get(k, k): v for k, v in row.items()} for row in rows]
        frame = typed_frame(rows, PATIENTS)
    for column in ("manifestations", "previous_treatments", "initiation_reasons"):
        frame[column] = pd.Series(
            [
                list(v) if isinstance(v, list | tuple) else []
                for v in _decoded(frame[column].tolist())
            ],
            index=frame.index,
            dtype=object,
        )
    for column in ("loading_intervals_days", "loading_doses_mg"):
        frame[column] = pd.Series(
            [
                tuple(int(x) for x in v) if isinstance(v, list | tuple) else ()
                for v in _decoded(frame[column].tolist())
            ],
            index=frame.index,
            dtype=object,
        )
    return frame


def cohort_frames(rows: Mapping[str, Rows | Iterable[Mapping[str, Any]]]) -> CohortFrames:
    """Typed frames from `belimumab.reports.selectors.cohort_rows` (or hand-built rows)."""
    return CohortFrames(
        patients=patients_frame(rows.get("patients", [])),
        infusions=typed_frame(rows.get("infusions", []), INFUSIONS),
        visits=typed_frame(rows.get("visits", []), VISITS),
        labs=typed_frame(rows.get("labs", []), LABS),
        treatments=typed_frame(rows.get("treatments", []), TREATMENTS),
        adverse_events=typed_frame(rows.get("adverse_events", []), ADVERSE_EVENTS),
        adjudications=typed_frame(rows.get("adjudications", []), ADJUDICATIONS),
    )
