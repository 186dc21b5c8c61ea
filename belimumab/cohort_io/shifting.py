"""Date shifts of cohort files: a demo cohort kept current by moving all its dates together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from belimumab.cohort_io.batches import QUERY_CHUNK, chunks
from belimumab.cohort_io.formats import FILES, RawTable, Tables, parse_date
from belimumab.patients.models import Course


def _date_columns(name: str) -> tuple[str, ...]:
    return FILES[name].dates if name in FILES else ()


def shift_dates(tables: Mapping[str, RawTable], days: int) -> Tables:
    """Copy of `tables` with every date moved by `days` days (birth dates too, so ages stay).

    Cells that are not dates are left as they are (validation reports them); a shifted
    day-first date is written back in ISO.
    """
    shifted: Tables = {}
    delta = timedelta(days=days)
    for name, table in tables.items():
        columns = [c for c in _date_columns(name) if c in table.columns]
        rows = []
        for line, values in table.rows:
            values = dict(values)
            for column in columns:
                day = parse_date(values.get(column, ""))
                if day is not None:
                    values[column] = (day + delta).isoformat()
            rows.append((line, values))
        shifted[name] = RawTable(table.name, table.label, list(table.columns), rows)
    return shifted


def latest_date(tables: Mapping[str, RawTable]) -> date | None:
    """The latest care date of the files (birth dates aside): the day the data was taken."""
    latest: date | None = None
    for name, table in tables.items():
        for column in _date_columns(name):
            if column == "birth_date" or column not in table.columns:
                continue
            for _line, values in table.rows:
                day = parse_date(values.get(column, ""))
                if day is not None and (latest is None or day > latest):
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
        day = parse_date(values.get("start_date", ""))
        if values.get("code") and day is not None:
            starts[values["code"]] = day
    codes = sorted(starts)
    for chunk in chunks(codes, QUERY_CHUNK):
        stored = dict(
            Course.objects.filter(patient__code__in=chunk, is_active=True)
            .order_by("-start_date")
            .values_list("patient__code", "start_date")
        )
        for code in chunk:
            if code in stored:
                return (stored[code] - starts[code]).days
    return None
