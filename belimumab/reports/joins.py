"""Vectorised joins of the cohort frames (no ORM, no Django): the domain's per-patient rules
applied to whole columns at once.

Each join states the domain function it vectorises (`nearest_in_window`, `dose_in_force`,
`steroid_dose_in_force`, `schedule.gaps`, `schedule._missed_from`, `cohort.reached`,
`pens.covered_dates`); tests/reports/test_dataset.py and test_pens.py check them against those
functions on random cohorts. Also here: the column conversions the dataset and the report
share (plain Python values, Decimals, dates).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import pandas as pd

from belimumab.domain import dosing
from belimumab.domain.response import TIMEPOINTS
from belimumab.domain.treatments import PREDNISONE_PER_MG


class TimepointSettings(Protocol):
    """What `timepoint_frame` reads of the report's settings (`dataset.Params`)."""

    @property
    def timepoint_days(self) -> Mapping[str, int]: ...

    def window(self, tp: str) -> tuple[int, int]: ...


def lookup(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """values[key] for each key (missing: NA), whatever the dtypes, empty inputs included."""
    return values[~values.index.duplicated()].reindex(keys.to_numpy()).to_numpy()


def days(n: Any) -> pd.Series | pd.Timedelta:
    """`n` days as a timedelta (or a column of them)."""
    return pd.to_timedelta(n, unit="D")


@functools.lru_cache(maxsize=65536)
def _float_decimal(value: float) -> Decimal:
    return Decimal(repr(round(value, 6)))


def to_decimal(value: Any) -> Decimal | None:
    """A float dose as the Decimal it was entered as (doses have at most 4 decimals).

    Converted once per distinct value: a cohort has a few hundred distinct doses for tens of
    thousands of patients and time points."""
    if type(value) is float:
        return None if value != value else _float_decimal(value)
    if value is None or pd.isna(value):
        return None
    return _float_decimal(float(value))


@functools.lru_cache(maxsize=16384)
def _float_plan(dose: float, vial_sizes: tuple[int, ...]) -> dosing.VialPlan:
    amount = to_decimal(dose)
    if amount is None:
        raise ValueError("an infusion without a dose has no vial plan")
    return dosing.vial_plan(amount, vial_sizes)


def float_vial_plan(dose: float, vial_sizes: tuple[int, ...]) -> dosing.VialPlan:
    """`dosing.vial_plan` of a float dose (`to_decimal`), kept for the process: the plan is a
    pure function of the dose, and every report, dashboard and export asks again for the same
    few thousand distinct doses (an exhaustive search each)."""
    return _float_plan(float(dose), tuple(vial_sizes))


def py_dates(values: pd.Series) -> list[date | None]:
    """A datetime column as `datetime.date` objects (None for NaT), in one numpy pass."""
    return values.to_numpy().astype("datetime64[D]").tolist()


def py_ints(values: pd.Series) -> list[int | None]:
    """A (nullable) integer column as Python ints, None where missing."""
    missing = values.isna().to_numpy()
    return [
        None if m else int(v) for v, m in zip(values.to_numpy(dtype=object), missing, strict=True)
    ]


def plain(value: Any) -> Any:
    """NaN / NA / NaT -> None; numpy scalars -> Python ones."""
    if value is None:
        return None
    if isinstance(value, list | tuple | dict | str):
        return value
    if pd.isna(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def plain_list(values: pd.Series) -> list[Any]:
    """The column as plain Python values, None where missing (`plain` of each value)."""
    missing = values.isna().to_numpy()
    return [
        None if m else v.item() if isinstance(v, np.generic) else v
        for v, m in zip(values.astype(object).tolist(), missing, strict=True)
    ]


def drug_doses(doses: pd.DataFrame, keys: Sequence[str]) -> dict[Any, dict[str, float]]:
    """{key (or key tuple): {drug: dose}} from a `doses_in_force` frame, in one pass."""
    out: dict[Any, dict[str, float]] = {}
    key_values = (
        doses[keys[0]].tolist()
        if len(keys) == 1
        else list(zip(*(doses[k].tolist() for k in keys), strict=True))
    )
    for key, drug, dose in zip(
        key_values, doses["drug"].tolist(), doses["dose"].tolist(), strict=True
    ):
        out.setdefault(key, {})[drug] = dose
    return out


def scheduled_interval(index: np.ndarray, loading: pd.Series, interval: np.ndarray) -> np.ndarray:
    """Days from administration `index` to the next by the regimen (loading, then interval)."""
    out = interval.astype(np.int64).copy()
    # rows numbered by their loading intervals (tuples, a handful of distinct ones) in one pass
    number, distinct = pd.factorize(loading.map(tuple).to_numpy())
    for k, intervals in enumerate(distinct):
        if not intervals:
            continue
        mask = (number == k) & (index < len(intervals))
        out[mask] = np.asarray(intervals, dtype=np.int64)[index[mask]]
    return out


def missed_cycles(
    index: np.ndarray, elapsed: np.ndarray, loading: pd.Series, interval: np.ndarray
) -> np.ndarray:
    """Administrations missed `elapsed` days after administration `index` fell due
    (`schedule._missed_from`, vectorised): how many partial sums of the intervals from `index`
    on (the loading intervals left, then `interval` each) are <= `elapsed`."""
    index = np.asarray(index, dtype=np.int64)
    elapsed = np.asarray(elapsed, dtype=np.int64)
    interval = np.asarray(interval, dtype=np.int64)
    out = np.where(elapsed >= 0, elapsed // interval, 0)  # past the loading intervals
    number, distinct = pd.factorize(loading.map(tuple).to_numpy())
    for k, intervals in enumerate(distinct):
        for start in range(len(intervals)):
            rows = np.flatnonzero((number == k) & (index == start))
            if not len(rows):
                continue
            sums = np.cumsum(np.asarray(intervals[start:], dtype=np.int64))
            inside = np.searchsorted(sums, elapsed[rows], side="right")  # loading sums <= elapsed
            beyond = (elapsed[rows] - sums[-1]) // interval[rows]  # then one per interval
            out[rows] = np.where(elapsed[rows] >= sums[-1], len(sums) + beyond, inside)
    return out


def completed_years(born: pd.Series, on: pd.Series) -> pd.Series:
    before_birthday = (on.dt.month < born.dt.month) | (
        (on.dt.month == born.dt.month) & (on.dt.day < born.dt.day)
    )
    return (on.dt.year - born.dt.year - before_birthday.astype(int)).astype("Int64")


def reached_at(patients: pd.DataFrame, nominal: pd.Series, after: int, as_of: date) -> np.ndarray:
    """Whether each patient has reached the time point of `nominal` as of `as_of`
    (`cohort.reached`, vectorised; stops and ends of follow-up after `as_of` already blanked):
    the window closed (nominal + `after` days <= as_of), and follow-up did not end before the
    nominal date unless belimumab was stopped on or before it."""
    closed = (nominal + days(after)) <= pd.Timestamp(as_of)
    stopped = patients["stop_date"].notna() & (patients["stop_date"] <= nominal)
    ended = patients["follow_up_end"].notna() & (patients["follow_up_end"] < nominal)
    return (closed & (stopped | ~ended)).to_numpy(dtype=bool)


def timepoint_frame(patients: pd.DataFrame, params: TimepointSettings, as_of: date) -> pd.DataFrame:
    """One row per patient and time point: nominal date, window bounds, reached as of `as_of`,
    on belimumab at T."""
    parts = []
    for idx, tp in enumerate(TIMEPOINTS, start=1):
        before, after = params.window(tp)
        nominal = patients["d0"] + days(params.timepoint_days[tp])
        parts.append(
            pd.DataFrame(
                {
                    "patient_id": patients["patient_id"].to_numpy(),
                    "timepoint": tp,
                    "idx": idx,
                    "nominal": nominal.to_numpy(),
                    "lo": (nominal + days(before)).to_numpy(),
                    "hi": (nominal + days(after)).to_numpy(),
                    "reached": reached_at(patients, nominal, after, as_of),
                    "on_treatment": (
                        (patients["d0"] <= nominal)
                        & (patients["stop_date"].isna() | (patients["stop_date"] > nominal))
                    ).to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            columns=["patient_id", "timepoint", "idx", "nominal", "lo", "hi", "reached"]
        )
    return pd.concat(parts, ignore_index=True)


def nearest_in_windows(
    tps: pd.DataFrame, events: pd.DataFrame, by: Sequence[str] = ()
) -> pd.DataFrame:
    """For each (patient, time point[, by...]) the event row nearest to the nominal date within
    [lo, hi], ties to the earlier date then to the lower id (`nearest_in_window` of the domain,
    vectorised). `events` has patient_id, date, id and the `by` columns.

    Pairs and order are computed on numpy arrays (integer codes for the text keys, in their own
    sort order) rather than with pandas' merge, sort and drop_duplicates, which are slow on text
    columns."""
    # every event against each time point of its patient: (time point row, event row) pairs
    tp_patient = tps["patient_id"].to_numpy()
    order = np.argsort(tp_patient, kind="stable")
    sorted_patient = tp_patient[order]
    ev_patient = events["patient_id"].to_numpy()
    first = np.searchsorted(sorted_patient, ev_patient, "left")
    counts = np.searchsorted(sorted_patient, ev_patient, "right") - first
    ev_row = np.repeat(np.arange(len(events)), counts)
    offset = np.arange(len(ev_row)) - np.repeat(np.cumsum(counts) - counts, counts)
    tp_row = order[np.repeat(first, counts) + offset]
    date = events["date"].to_numpy()[ev_row]
    inside = (date >= tps["lo"].to_numpy()[tp_row]) & (date <= tps["hi"].to_numpy()[tp_row])
    ev_row, tp_row, date = ev_row[inside], tp_row[inside], date[inside]
    distance = np.abs(date - tps["nominal"].to_numpy()[tp_row])
    # sorted as the keys sort (text in its own order), then distance, date, id; first per key
    tp_code = pd.factorize(tps["timepoint"], sort=True)[0][tp_row]
    by_codes = [pd.factorize(events[b], sort=True)[0][ev_row] for b in by]
    group = [tp_patient[tp_row], tp_code, *by_codes]
    ids = events["id"].to_numpy()[ev_row]
    rank = np.lexsort((ids, date, distance, *reversed(group)))
    sorted_group = [g[rank] for g in group]
    new = np.ones(len(rank), dtype=bool)
    if len(rank):
        new[1:] = np.logical_or.reduce([g[1:] != g[:-1] for g in sorted_group])
    chosen = rank[new]
    out = events.iloc[ev_row[chosen]].reset_index(drop=True).drop(columns="patient_id")
    out.insert(0, "patient_id", tp_patient[tp_row[chosen]])
    out.insert(1, "timepoint", tps["timepoint"].to_numpy()[tp_row[chosen]])
    out["distance"] = distance[chosen]
    return out


def doses_in_force(
    treatments: pd.DataFrame, refs: pd.DataFrame, keys: Sequence[str]
) -> pd.DataFrame:
    """Dose of each drug in force on each reference date (`ref_date` of `refs`): the last change
    dated on or before it (`dose_in_force` of the domain, vectorised). Drugs never started by
    then give no row. Returns keys + drug + dose."""
    columns = list(dict.fromkeys([*keys, "patient_id", "ref_date"]))
    merged = refs[columns].merge(
        treatments[["patient_id", "drug", "start_date", "dose", "id"]], on="patient_id"
    )
    merged = merged[merged["start_date"] <= merged["ref_date"]]
    merged = merged.sort_values([*keys, "drug", "start_date", "id"], kind="stable")
    last = merged.drop_duplicates([*keys, "drug"], keep="last")
    return last[[*keys, "drug", "dose"]].reset_index(drop=True)


def steroid_totals(doses: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """mg/day prednisone equivalent summed over corticosteroids, indexed by `keys`; absent
    (not NaN) where no corticosteroid was in force (`steroid_dose_in_force`, vectorised)."""
    factors = {drug: float(f) for drug, f in PREDNISONE_PER_MG.items()}
    steroids = doses[doses["drug"].isin(list(factors))]
    equivalent = steroids["dose"] * steroids["drug"].map(factors).astype(float)
    total = equivalent.groupby([steroids[k] for k in keys]).sum()
    return total.round(6)


def administrations(patients: pd.DataFrame, infusions: pd.DataFrame) -> pd.DataFrame:
    """Dates given per course (one per day, in order) with their 0-based index.

    An SC record is a dispensation whose `pens` cover as many weeks (`pens.administration_dates`):
    the rules that count administrations (interruptions, exposure, missed cycles) count the
    weeks covered. Only the SC courses with a dispensation of more than one pen are expanded,
    course by course; every other record is one administration on its date, as before."""
    given = infusions.drop_duplicates(["course_id", "date"]).sort_values(["course_id", "date"])
    given = _weeks_covered(patients, infusions, given)
    given = given[["course_id", "date"]].merge(
        patients[["course_id", "d0", "loading_intervals_days", "interval_days"]], on="course_id"
    )
    given["index"] = given.groupby("course_id").cumcount()
    return given


def _weeks_covered(
    patients: pd.DataFrame, infusions: pd.DataFrame, given: pd.DataFrame
) -> pd.DataFrame:
    """`given` with the SC courses that dispensed several pens at once replaced by the weeks
    their dispensations cover (a frame without a `pens` column: one pen each)."""
    if "pens" not in infusions or not len(infusions):
        return given
    count = infusions["pens"].fillna(1).astype("int64")
    sc_courses = patients.loc[patients["route"] == "sc", ["course_id", "interval_days"]]
    several = infusions.loc[count.to_numpy() > 1, "course_id"]
    expand = sc_courses[sc_courses["course_id"].isin(several)]
    if expand.empty:
        return given
    chosen = infusions["course_id"].isin(expand["course_id"]).to_numpy()
    # pens of the same day add up (`pens.covered_dates`)
    records = (
        pd.DataFrame(
            {
                "course_id": infusions["course_id"].to_numpy()[chosen],
                "day": infusions["date"].to_numpy()[chosen].astype("datetime64[D]").astype("int64"),
                "pens": count.to_numpy()[chosen],
            }
        )
        .groupby(["course_id", "day"], as_index=False, sort=True)["pens"]
        .sum()
    )
    interval = lookup(records["course_id"], expand.set_index("course_id")["interval_days"])
    course_ids, days_ = covered_days(
        records["course_id"].to_numpy(),
        records["day"].to_numpy(),
        records["pens"].to_numpy(),
        interval.astype(np.int64),
    )
    weeks = pd.DataFrame(
        {
            "course_id": course_ids.astype(given["course_id"].dtype),
            "date": days_.astype("datetime64[D]").astype(given["date"].dtype),
        }
    )
    kept = given[~given["course_id"].isin(expand["course_id"])]
    return pd.concat([kept, weeks], ignore_index=True).sort_values(
        ["course_id", "date"], kind="stable"
    )


def covered_days(
    course: np.ndarray, day: np.ndarray, count: np.ndarray, interval: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`pens.covered_dates` for many courses at once, on day numbers: the records sorted by
    course then day, one per day (pens summed), with each course's interval. Returns the
    course and the day of every week covered.

    Each dispensation covers weeks from its day until the next dispensation, as many as the
    pens left (its own and those not used before it): min(left, ceil(days to the next / interval)).
    Only that carry is sequential, a loop over plain ints; the weeks are laid out in numpy."""
    courses, days_, pens_, steps = (a.tolist() for a in (course, day, count, interval))
    last = len(courses) - 1
    weeks = [0] * len(courses)
    left = 0
    for k, (c, d, n, step) in enumerate(zip(courses, days_, pens_, steps, strict=True)):
        if k and courses[k - 1] != c:
            left = 0  # a new course
        left += n
        if k < last and courses[k + 1] == c:  # weeks until the next dispensation, at most
            weeks[k] = min(left, -(-(days_[k + 1] - d) // step))
        else:
            weeks[k] = left
        left -= weeks[k]
    counts = np.asarray(weeks, dtype=np.int64)
    first = np.repeat(np.asarray(day, dtype=np.int64), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    step = np.repeat(np.asarray(interval, dtype=np.int64), counts)
    return np.repeat(np.asarray(course), counts), first + offset * step


def interruption_gaps(given: pd.DataFrame) -> pd.DataFrame:
    """Consecutive administrations (from `administrations`): earlier date, next date,
    scheduled interval (days) and interruption = days between - scheduled (`schedule.gaps`,
    vectorised)."""
    given = given.assign(next=given.groupby("course_id")["date"].shift(-1))
    gaps = given[given["next"].notna()].copy()
    gaps["scheduled"] = scheduled_interval(
        gaps["index"].to_numpy(),
        gaps["loading_intervals_days"].reset_index(drop=True),
        gaps["interval_days"].to_numpy(),
    )
    gaps["interruption"] = (gaps["next"] - gaps["date"]).dt.days - gaps["scheduled"]
    return gaps
