"""The cohort analysis dataset and the cohort report, from typed DataFrames (no ORM, no Django).

`build_dataset(frames, params)` applies DOMAIN.md ("Patients and inclusion", "Time points",
"Response", "Precise readings") to every initiated patient:

- exclusion with its reasons (prior trial, first-year interruption > 61 days, indication);
- per time point M0 / M6 / M12: the nominal date (D0 + 0 / 182 / 365), the visit and each lab
  nearest to it within the window (ties to the earlier date), on belimumab at T
  (start <= nominal < stop), the corticosteroid dose in force (mg/day prednisone equivalent) on
  the time point's visit date (or the nominal date without a visit), None without any
  corticosteroid, the immunosuppressant doses in force at D0 and at T, and at M6 / M12 the
  response by `belimumab.domain.response.response_at`.

The joins (nearest in window, dose in force, interruptions) are vectorised; the rules that
decide (exclusion, activity class, response, missed cycles, vial plans) are the pure domain
functions, called once per patient or per distinct value. `build_report(dataset, params)` then
gives the report dict (schema `belimumab.cohort_report/1`) that the command line, the
dashboard and the exports share.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from belimumab.domain import defaults, dosing, schedule
from belimumab.domain.response import (
    TIMEPOINTS,
    PatientCourse,
    exclusion_reasons,
    response_at,
)
from belimumab.domain.sledai import activity_class
from belimumab.domain.treatments import IMMUNOSUPPRESSANTS, PREDNISONE_PER_MG
from belimumab.reports import stats
from belimumab.reports.frames import CohortFrames

SCHEMA = "belimumab.cohort_report/1"
FOLLOW_UP = ("M6", "M12")
LAB_TESTS = ("anti_dsdna", "ch50", "c3", "c4")
MODEL_VARIABLES = ("sledai", "steroid_mg_day", "steroid_mg_day_all", *LAB_TESTS)
ACTIVITY_MISSING = "missing"
SMOKING = ("current", "former", "never", "unknown")
SEXES = ("F", "M")
# Numbers at risk of the retention curve, in months after D0.
RETENTION_MONTHS = (0, 3, 6, 9, 12)
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Params:
    """The department's numbers the report uses (settings.BELIMUMAB, defaults of domain/)."""

    timepoint_days: Mapping[str, int] = field(default_factory=lambda: dict(defaults.TIMEPOINT_DAYS))
    baseline_window: tuple[int, int] = defaults.BASELINE_WINDOW
    timepoint_window: tuple[int, int] = defaults.TIMEPOINT_WINDOW
    activity_bands: tuple[tuple[int, str], ...] = defaults.ACTIVITY_BANDS
    max_interruption_days: int = defaults.MAX_INTERRUPTION_DAYS
    first_year_days: int = defaults.FIRST_YEAR_DAYS
    response_drop: int = defaults.RESPONSE_SLEDAI_DROP
    vial_sizes: tuple[int, ...] = defaults.VIAL_SIZES_MG
    vial_prices: Mapping[int, float] = field(default_factory=lambda: dict(defaults.VIAL_PRICES))
    currency: str = defaults.CURRENCY
    # test -> (lower, upper) of the laboratory's default normal range: fills a range a result
    # was stored without, and draws the normal band of Figure 1.
    lab_ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)

    @classmethod
    def from_settings(
        cls,
        values: Mapping[str, Any],
        lab_ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    ) -> Params:
        """From the `BELIMUMAB` settings dict (missing keys keep the domain defaults)."""
        base = cls()
        return cls(
            timepoint_days=dict(values.get("TIMEPOINT_DAYS", base.timepoint_days)),
            baseline_window=tuple(values.get("BASELINE_WINDOW", base.baseline_window)),
            timepoint_window=tuple(values.get("TIMEPOINT_WINDOW", base.timepoint_window)),
            activity_bands=tuple(
                tuple(b) for b in values.get("ACTIVITY_BANDS", base.activity_bands)
            ),
            max_interruption_days=values.get("MAX_INTERRUPTION_DAYS", base.max_interruption_days),
            first_year_days=values.get("FIRST_YEAR_DAYS", base.first_year_days),
            response_drop=values.get("RESPONSE_SLEDAI_DROP", base.response_drop),
            vial_sizes=tuple(values.get("VIAL_SIZES_MG", base.vial_sizes)),
            vial_prices=dict(values.get("VIAL_PRICES", base.vial_prices)),
            currency=values.get("CURRENCY", base.currency),
            lab_ranges=dict(lab_ranges or {}),
        )

    def window(self, tp: str) -> tuple[int, int]:
        return self.baseline_window if tp == "M0" else self.timepoint_window

    @property
    def activity_classes(self) -> tuple[str, ...]:
        return tuple(code for _, code in sorted(self.activity_bands))


@dataclass
class Dataset:
    """The analysis dataset.

    patients: one row per initiated patient (first course): exclusion, age, first dose,
      treatments at D0, last news; `analysed` is False for an excluded patient.
    rows: one row per patient and time point (long format, the export for R).
    events: stops, flares and missed cycles with their date (Table 2).
    infusions: the first courses' administrations with their vials and cost.
    adverse_events: every adverse event of the initiated patients, with `first_year`.
    """

    patients: pd.DataFrame
    rows: pd.DataFrame
    events: pd.DataFrame
    infusions: pd.DataFrame
    adverse_events: pd.DataFrame
    adjudications: pd.DataFrame


# --------------------------------------------------------------------------- helpers


def lookup(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """values[key] for each key (missing: NA), whatever the dtypes, empty inputs included."""
    return values[~values.index.duplicated()].reindex(keys.to_numpy()).to_numpy()


def _days(n: Any) -> pd.Series | pd.Timedelta:
    return pd.to_timedelta(n, unit="D")


@functools.lru_cache(maxsize=65536)
def _float_decimal(value: float) -> Decimal:
    return Decimal(repr(round(value, 6)))


def _decimal(value: Any) -> Decimal | None:
    """A float dose as the Decimal it was entered as (doses have at most 4 decimals).

    Converted once per distinct value: a cohort has a few hundred distinct doses for tens of
    thousands of patients and time points."""
    if type(value) is float:
        return None if value != value else _float_decimal(value)
    if value is None or pd.isna(value):
        return None
    return _float_decimal(float(value))


def _py_dates(values: pd.Series) -> list[date | None]:
    """A datetime column as `datetime.date` objects (None for NaT), in one numpy pass."""
    return values.to_numpy().astype("datetime64[D]").tolist()


def _py_ints(values: pd.Series) -> list[int | None]:
    """A (nullable) integer column as Python ints, None where missing."""
    missing = values.isna().to_numpy()
    return [
        None if m else int(v) for v, m in zip(values.to_numpy(dtype=object), missing, strict=True)
    ]


def _none(value: Any) -> Any:
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


def _plain(values: pd.Series) -> list[Any]:
    """The column as plain Python values, None where missing (`_none` of each value)."""
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


def domain_regimen(row: Any) -> schedule.Regimen:
    """The domain regimen of a patients-frame row."""
    return schedule.Regimen(
        code=row.regimen,
        route=row.route,
        mg_per_kg=None if pd.isna(row.mg_per_kg) else int(row.mg_per_kg),
        fixed_dose_mg=None if pd.isna(row.fixed_dose_mg) else int(row.fixed_dose_mg),
        loading_intervals_days=tuple(row.loading_intervals_days),
        interval_days=int(row.interval_days),
        loading_doses_mg=tuple(row.loading_doses_mg),
    )


def _scheduled_interval(index: np.ndarray, loading: pd.Series, interval: np.ndarray) -> np.ndarray:
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


def _completed_years(born: pd.Series, on: pd.Series) -> pd.Series:
    before_birthday = (on.dt.month < born.dt.month) | (
        (on.dt.month == born.dt.month) & (on.dt.day < born.dt.day)
    )
    return (on.dt.year - born.dt.year - before_birthday.astype(int)).astype("Int64")


def timepoint_frame(patients: pd.DataFrame, params: Params) -> pd.DataFrame:
    """One row per patient and time point: nominal date, window bounds, on belimumab at T."""
    parts = []
    for idx, tp in enumerate(TIMEPOINTS, start=1):
        before, after = params.window(tp)
        nominal = patients["d0"] + _days(params.timepoint_days[tp])
        parts.append(
            pd.DataFrame(
                {
                    "patient_id": patients["patient_id"].to_numpy(),
                    "timepoint": tp,
                    "idx": idx,
                    "nominal": nominal.to_numpy(),
                    "lo": (nominal + _days(before)).to_numpy(),
                    "hi": (nominal + _days(after)).to_numpy(),
                    "on_treatment": (
                        (patients["d0"] <= nominal)
                        & (patients["stop_date"].isna() | (patients["stop_date"] > nominal))
                    ).to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["patient_id", "timepoint", "idx", "nominal", "lo", "hi"])
    return pd.concat(parts, ignore_index=True)


def nearest_in_windows(
    tps: pd.DataFrame, events: pd.DataFrame, by: Sequence[str] = ()
) -> pd.DataFrame:
    """For each (patient, time point[, by...]) the event row nearest to the nominal date within
    [lo, hi], ties to the earlier date then to the lower id (`nearest_in_window` of the domain,
    vectorised). `events` has patient_id, date, id and the `by` columns.

    Pairs and order are computed on numpy arrays (integer codes for the text keys, in their own
    sort order): pandas' merge, sort and drop_duplicates on text columns took twice as long."""
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


# --------------------------------------------------------------------------- dataset


def build_dataset(frames: CohortFrames, params: Params | None = None) -> Dataset:
    """The analysis dataset of the cohort (see the module docstring)."""
    params = params or Params()
    patients = frames.patients.copy()
    infusions = frames.infusions[
        frames.infusions["course_id"].isin(patients["course_id"])
    ].reset_index(drop=True)

    given = administrations(patients, infusions)
    gaps = interruption_gaps(given)
    patients = _with_interruptions(patients, given, gaps, params)
    patients["exclusion_reasons"] = [
        exclusion_reasons(bool(p), str(i), bool(x))
        for p, i, x in zip(
            patients["prior_trial"], patients["indication"], patients["interrupted"], strict=True
        )
    ]
    patients["excluded"] = patients["exclusion_reasons"].map(bool).astype(bool)
    patients["analysed"] = ~patients["excluded"]
    patients["age_years"] = _completed_years(patients["birth_date"], patients["d0"])
    first = infusions.sort_values(["patient_id", "date", "id"]).drop_duplicates("patient_id")
    patients["first_dose_mg"] = lookup(
        patients["patient_id"], first.set_index("patient_id")["prescribed_dose_mg"]
    ).astype("float64")
    patients["last_news"] = _last_news(frames, patients)

    treatments = frames.treatments
    d0_refs = patients[["patient_id", "d0"]].rename(columns={"d0": "ref_date"})
    at_d0 = doses_in_force(treatments, d0_refs, ["patient_id"])
    concomitant = drug_doses(at_d0[at_d0["dose"] > 0], ["patient_id"])
    patients["concomitant_d0"] = [concomitant.get(pid, {}) for pid in patients["patient_id"]]

    rows = _timepoint_rows(frames, patients, params)
    immuno_d0 = drug_doses(at_d0[at_d0["drug"].isin(IMMUNOSUPPRESSANTS)], ["patient_id"])
    rows = _with_responses(rows, immuno_d0, params)
    events = _events(frames, patients, infusions, gaps, params)
    infusions = _costed_infusions(infusions, patients, params)
    aes = frames.adverse_events.merge(patients[["patient_id", "d0", "analysed"]], on="patient_id")
    aes["first_year"] = (aes["onset_date"] >= aes["d0"]) & (
        aes["onset_date"] <= aes["d0"] + _days(params.first_year_days)
    )
    adjudications = frames.adjudications.merge(patients[["patient_id", "code"]], on="patient_id")
    return Dataset(patients, rows, events, infusions, aes, adjudications)


def administrations(patients: pd.DataFrame, infusions: pd.DataFrame) -> pd.DataFrame:
    """Dates given per course (one per day, in order) with their 0-based index."""
    given = infusions.drop_duplicates(["course_id", "date"]).sort_values(["course_id", "date"])
    given = given[["course_id", "date"]].merge(
        patients[["course_id", "d0", "loading_intervals_days", "interval_days"]], on="course_id"
    )
    given["index"] = given.groupby("course_id").cumcount()
    return given


def interruption_gaps(given: pd.DataFrame) -> pd.DataFrame:
    """Consecutive administrations (from `administrations`): earlier date, next date,
    scheduled interval (days) and interruption = days between - scheduled (`schedule.gaps`,
    vectorised)."""
    given = given.assign(next=given.groupby("course_id")["date"].shift(-1))
    gaps = given[given["next"].notna()].copy()
    gaps["scheduled"] = _scheduled_interval(
        gaps["index"].to_numpy(),
        gaps["loading_intervals_days"].reset_index(drop=True),
        gaps["interval_days"].to_numpy(),
    )
    gaps["interruption"] = (gaps["next"] - gaps["date"]).dt.days - gaps["scheduled"]
    return gaps


def _with_interruptions(
    patients: pd.DataFrame, given: pd.DataFrame, gaps: pd.DataFrame, params: Params
) -> pd.DataFrame:
    """Longest first-year interruption (days beyond the scheduled interval) and the exclusion
    flag, as `schedule.first_year_interruptions` / `is_excluded_for_interruption`, vectorised."""
    first_year = (gaps["date"] >= gaps["d0"]) & (
        gaps["date"] <= gaps["d0"] + _days(params.first_year_days)
    )
    longest = gaps[first_year].groupby("course_id")["interruption"].max()
    patients = patients.copy()
    patients["max_interruption_days"] = pd.array(
        lookup(patients["course_id"], longest), dtype="Int64"
    )
    patients["interrupted"] = (
        patients["max_interruption_days"].fillna(0) > params.max_interruption_days
    ).astype(bool)
    patients["administrations"] = (
        pd.Series(lookup(patients["course_id"], given.groupby("course_id").size()))
        .fillna(0)
        .astype(int)
        .to_numpy()
    )
    # Exposure covered by the administrations given: D0 to the last one plus the interval after
    # it, or to the stop date when earlier (patient-years for the drug cost).
    last = given.drop_duplicates("course_id", keep="last").copy()
    last["covered_to"] = last["date"] + _days(
        _scheduled_interval(
            last["index"].to_numpy(),
            last["loading_intervals_days"].reset_index(drop=True),
            last["interval_days"].to_numpy(),
        )
    )
    covered_to = pd.Series(
        lookup(patients["course_id"], last.set_index("course_id")["covered_to"]),
        index=patients.index,
        dtype="datetime64[s]",
    )
    end = covered_to.where(
        patients["stop_date"].isna() | (covered_to <= patients["stop_date"]),
        patients["stop_date"],
    )
    patients["exposure_days"] = (end - patients["d0"]).dt.days.fillna(0).clip(lower=0).astype(int)
    return patients


def _last_news(frames: CohortFrames, patients: pd.DataFrame) -> pd.Series:
    """Date of the last infusion, visit or lab of each patient (D0 at least)."""
    dates = [
        frames.infusions.groupby("patient_id")["date"].max(),
        frames.visits.groupby("patient_id")["date"].max(),
        frames.labs.groupby("patient_id")["date"].max(),
    ]
    last = patients.set_index("patient_id")["d0"]
    for series in dates:
        other = series.reindex(last.index)
        last = last.where(other.isna() | (other <= last), other)
    return pd.Series(
        lookup(patients["patient_id"], last), index=patients.index, dtype="datetime64[s]"
    )


def _timepoint_rows(frames: CohortFrames, patients: pd.DataFrame, params: Params) -> pd.DataFrame:
    tps = timepoint_frame(patients, params)
    key = ["patient_id", "timepoint"]

    visits = nearest_in_windows(tps, frames.visits)
    visits = visits.rename(columns={"date": "visit_date", "id": "visit_id"})[
        [*key, "visit_id", "visit_date", "sledai", "pga", "flare"]
    ]
    rows = tps.merge(visits, on=key, how="left")
    scores = rows["sledai"].dropna().unique()
    classes = {int(s): activity_class(int(s), params.activity_bands) for s in scores}
    rows["activity"] = rows["sledai"].map(classes, na_action="ignore").astype(object)
    rows["activity"] = rows["activity"].where(rows["activity"].notna(), None)

    labs = nearest_in_windows(tps, frames.labs, by=["test"])
    idx = pd.MultiIndex.from_frame(rows[key])
    for test in LAB_TESTS:
        one = labs[labs["test"] == test].set_index(key)
        value = one["value"]
        default_lower, default_upper = params.lab_ranges.get(test, (None, None))
        lower = one["lower_limit"].fillna(np.nan if default_lower is None else default_lower)
        upper = one["upper_limit"].fillna(np.nan if default_upper is None else default_upper)
        # Normal: lower <= value <= upper; a missing limit does not bound.
        abnormal = (value < lower).fillna(False) | (value > upper).fillna(False)
        # aligned on the rows in one reindex (one lookup of the keys, not five)
        aligned = pd.DataFrame(
            {
                "value": value,
                "date": one["date"],
                "abnormal": abnormal,
                "lower": lower,
                "upper": upper,
            }
        ).reindex(idx)
        rows[test] = aligned["value"].to_numpy()
        rows[f"{test}_date"] = aligned["date"].to_numpy()
        rows[f"{test}_abnormal"] = aligned["abnormal"].astype("boolean").to_numpy()
        rows[f"{test}_lower"] = aligned["lower"].to_numpy()
        rows[f"{test}_upper"] = aligned["upper"].to_numpy()

    rows["ref_date"] = rows["visit_date"].where(rows["visit_date"].notna(), rows["nominal"])
    doses = doses_in_force(frames.treatments, rows, key)
    steroid = steroid_totals(doses, key)
    rows["steroid_mg_day"] = steroid.reindex(idx).to_numpy()
    rows["no_corticosteroid"] = rows["steroid_mg_day"].isna()
    m0 = rows[rows["timepoint"] == "M0"].set_index("patient_id")["steroid_mg_day"]
    rows["steroid_at_m0"] = np.nan_to_num(lookup(rows["patient_id"], m0).astype(float)) > 0
    rows["steroid_mg_day_all"] = rows["steroid_mg_day"].fillna(0.0)

    immuno = doses[doses["drug"].isin(IMMUNOSUPPRESSANTS)]
    by_key = drug_doses(immuno, key)
    rows["immunosuppressants"] = [
        by_key.get((p, t), {})
        for p, t in zip(rows["patient_id"].tolist(), rows["timepoint"].tolist(), strict=True)
    ]
    info = patients[
        ["patient_id", "code", "d0", "stop_date", "stop_reason", "analysed", "excluded", "route"]
    ]
    rows = rows.merge(info, on="patient_id", how="left")
    rows["day"] = (rows["nominal"] - rows["d0"]).dt.days
    return rows.sort_values(["code", "idx"]).reset_index(drop=True)


def _with_responses(
    rows: pd.DataFrame, immuno_d0: Mapping[int, Mapping[str, float]], params: Params
) -> pd.DataFrame:
    """Response at M6 and M12 by the domain rule, one call per patient and time point.

    `immuno_d0`: patient -> {immunosuppressant: dose in force at D0}."""
    m0 = rows[rows["timepoint"] == "M0"]
    m0_score = dict(zip(m0["patient_id"].tolist(), _py_ints(m0["sledai"]), strict=True))
    m0_steroid = dict(zip(m0["patient_id"].tolist(), m0["steroid_mg_day"].tolist(), strict=True))
    names = (
        "evaluable",
        "responder",
        "failure",
        "steroid_sparing",
        "response_reasons",
        "immunosuppressants_decreased",
    )
    out: dict[str, list[Any]] = {c: [None] * len(rows) for c in names}
    follow_up = np.flatnonzero(rows["timepoint"].isin(FOLLOW_UP).to_numpy())
    at = rows.iloc[follow_up]
    columns = (
        at["patient_id"].tolist(),
        at["timepoint"].tolist(),
        _py_dates(at["d0"]),
        _py_dates(at["stop_date"]),
        at["stop_reason"].tolist(),
        _py_ints(at["sledai"]),
        at["steroid_mg_day"].tolist(),
        at["immunosuppressants"].tolist(),
    )
    for i, (pid, tp, d0, stop, reason, score, steroid, doses_t) in zip(
        follow_up.tolist(), zip(*columns, strict=True), strict=True
    ):
        doses_0 = immuno_d0.get(pid, {})
        course = PatientCourse(
            d0=d0,
            stop_date=stop,
            stop_reason=reason or None,
            sledai_m0=m0_score.get(pid),
            sledai_t=score,
            steroid_m0=_decimal(m0_steroid.get(pid)),
            steroid_t=_decimal(steroid),
            immunosuppressants={
                drug: (_decimal(doses_0.get(drug)), _decimal(doses_t.get(drug)))
                for drug in sorted(set(doses_0) | set(doses_t))
            },
        )
        result = response_at(tp, course, drop=params.response_drop, days=params.timepoint_days)
        out["evaluable"][i] = result.evaluable
        out["responder"][i] = result.responder
        out["failure"][i] = result.failure
        out["steroid_sparing"][i] = result.steroid_sparing
        out["response_reasons"][i] = ";".join(result.reasons)
        out["immunosuppressants_decreased"][i] = ";".join(result.detail["drugs"])
    rows = rows.copy()
    for column, values in out.items():
        rows[column] = pd.Series(values, index=rows.index, dtype=object)
    return rows


def _events(
    frames: CohortFrames,
    patients: pd.DataFrame,
    infusions: pd.DataFrame,
    gaps: pd.DataFrame,
    params: Params,
) -> pd.DataFrame:
    """Stops, flares and missed cycles with their date and day after D0 (Table 2)."""
    parts = []
    stopped = patients[patients["stop_date"].notna()]
    parts.append(
        pd.DataFrame(
            {
                "patient_id": stopped["patient_id"],
                "date": stopped["stop_date"],
                "kind": "stop",
                "detail": stopped["stop_reason"],
            }
        )
    )
    flares = frames.visits[frames.visits["flare"].isin(["mild_moderate", "severe"])]
    parts.append(
        pd.DataFrame(
            {
                "patient_id": flares["patient_id"],
                "date": flares["date"],
                "kind": "flare",
                "detail": flares["flare"],
            }
        )
    )
    # Missed cycles of each gap between administrations (`schedule.gaps`, vectorised)
    missed = missed_cycles(
        gaps["index"].to_numpy() + 1,
        gaps["interruption"].to_numpy(),
        gaps["loading_intervals_days"].reset_index(drop=True),
        gaps["interval_days"].to_numpy(),
    )
    skipped = gaps[missed > 0]
    patient_of = patients.set_index("course_id")["patient_id"]
    parts.append(
        pd.DataFrame(
            {
                "patient_id": lookup(skipped["course_id"], patient_of).astype("int64"),
                "date": skipped["date"].to_numpy(),
                "detail": [str(n) for n in missed[missed > 0].tolist()],
            }
        ).assign(kind="missed_cycles")
    )
    events = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=["patient_id", "date", "kind", "detail"])
    )
    events["date"] = events["date"].astype("datetime64[s]")
    events = events.merge(patients[["patient_id", "code", "d0"]], on="patient_id")
    events["day"] = (events["date"] - events["d0"]).dt.days
    m6 = params.timepoint_days["M6"]
    m12 = params.timepoint_days["M12"]
    events["period"] = np.select(
        [events["day"] <= 0, events["day"] <= m6, events["day"] <= m12],
        ["before", "M0-M6", "M6-M12"],
        default="after",
    )
    return events.sort_values(["code", "date", "kind"]).reset_index(drop=True)[
        ["patient_id", "code", "date", "day", "period", "kind", "detail"]
    ]


def _costed_infusions(
    infusions: pd.DataFrame, patients: pd.DataFrame, params: Params
) -> pd.DataFrame:
    """Vials opened, drug cost and the waste avoided by rounding, per IV infusion.

    The vials recorded at preparation count; an IV infusion recorded without vials gets the
    least-waste covering plan of its prepared dose (`vial_plan`, flagged `vials_estimated`).
    When the prepared dose is below the prescribed one (rounding), the waste avoided is the
    covering plan of the prescribed dose minus what was opened. SC administrations carry no
    vial and no price setting: not costed.
    """
    inf = infusions.merge(patients[["course_id", "route"]], on="course_id", how="left")
    prices = {int(k): float(v) for k, v in params.vial_prices.items()}
    iv = inf["route"] == "iv"
    recorded = (inf["vials_120"] + inf["vials_400"]) > 0
    inf["vials_estimated"] = iv & ~recorded
    plans: dict[float, dosing.VialPlan] = {}

    def plan(dose: float) -> dosing.VialPlan:
        if dose not in plans:
            plans[dose] = dosing.vial_plan(_decimal(dose), params.vial_sizes)
        return plans[dose]

    estimated = inf["vials_estimated"].to_numpy()
    prepared = inf["prepared_dose_mg"].to_numpy()
    vials_120 = inf["vials_120"].to_numpy().copy()
    vials_400 = inf["vials_400"].to_numpy().copy()
    for i in np.flatnonzero(estimated):
        vials_120[i] = plan(prepared[i]).count(120)
        vials_400[i] = plan(prepared[i]).count(400)
    inf["vials_120"] = vials_120
    inf["vials_400"] = vials_400
    price_120, price_400 = prices.get(120, 0.0), prices.get(400, 0.0)
    inf["opened_mg"] = (inf["vials_120"] * 120 + inf["vials_400"] * 400).where(iv, 0)
    inf["cost"] = (inf["vials_120"] * price_120 + inf["vials_400"] * price_400).where(iv, 0.0)
    inf["waste_mg"] = (inf["opened_mg"] - inf["prepared_dose_mg"]).clip(lower=0).where(iv, 0.0)
    inf["rounded"] = iv & (inf["prepared_dose_mg"] < inf["prescribed_dose_mg"])
    # Waste avoided by rounding: the covering plan of the prescribed dose minus what was opened.
    covering_mg = np.zeros(len(inf))
    covering_cost = np.zeros(len(inf))
    prescribed = inf["prescribed_dose_mg"].to_numpy()
    for i in np.flatnonzero(inf["rounded"].to_numpy()):
        covering = plan(prescribed[i])
        covering_mg[i] = covering.total_mg
        covering_cost[i] = covering.count(120) * price_120 + covering.count(400) * price_400
    rounded = inf["rounded"].to_numpy()
    inf["waste_avoided_mg"] = np.where(rounded, np.maximum(0, covering_mg - inf["opened_mg"]), 0.0)
    inf["cost_avoided"] = np.where(rounded, np.maximum(0, covering_cost - inf["cost"]), 0.0)
    return inf


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Vocabulary:
    """Codes the report always lists (with 0 when absent), from the models' choices."""

    manifestations: tuple[str, ...] = ()
    previous_treatments: tuple[str, ...] = ()
    biologics: tuple[str, ...] = ()
    initiation_reasons: tuple[str, ...] = ()
    ae_categories: tuple[str, ...] = ()


def _stats(values: Any) -> dict[str, Any]:
    """`stats.describe` with plain Python numbers (the report's STATS, plus the variance)."""
    if isinstance(values, pd.Series) and values.dtype == "float64":
        values = values.to_numpy()  # described without a Python loop
    else:
        values = list(values)
    return {k: _none(v) for k, v in stats.describe(values).items()}


def _count_lists(lists: pd.Series, codes: Sequence[str]) -> dict[str, int]:
    """Patients per code (a code listed twice for a patient counts once): `codes` first, in
    their order, then other codes in the order met (one C-level Counter pass)."""
    counts = dict.fromkeys(codes, 0)
    values = lists.tolist() if isinstance(lists, pd.Series) else lists
    for code, n in Counter(chain.from_iterable(set(v) for v in values if v)).items():
        counts[code] = counts.get(code, 0) + n
    return counts


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def build_report(
    ds: Dataset,
    params: Params | None = None,
    vocabulary: Vocabulary | None = None,
    filters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The cohort report (schema `belimumab.cohort_report/1`), plain JSON-ready values."""
    params = params or Params()
    vocabulary = vocabulary or Vocabulary()
    patients = ds.patients
    analysed = patients[patients["analysed"]]
    rows = ds.rows[ds.rows["analysed"].astype(bool)]
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "filters": dict(filters or {}),
        "cohort": {
            "initiated": len(patients),
            "analysed": len(analysed),
            "excluded": [
                {"patient": code, "reasons": list(reasons)}
                for code, reasons in sorted(
                    zip(
                        patients.loc[patients["excluded"], "code"],
                        patients.loc[patients["excluded"], "exclusion_reasons"],
                        strict=True,
                    )
                )
            ],
        },
        "table1": _table1(analysed, vocabulary),
        "first_dose_mg": _stats(analysed["first_dose_mg"]),
        "timepoints": {tp: _timepoint(rows, tp, len(analysed), ds, params) for tp in TIMEPOINTS},
    }
    for tp in FOLLOW_UP:
        sparing = report["timepoints"][tp]["steroid_sparing"]
        m0 = report["timepoints"]["M0"]["steroid_mg_day"]["mean"]
        t = report["timepoints"][tp]["steroid_mg_day"]["mean"]
        ratio = _ratio(t, m0)
        sparing["mean_dose_decrease_pct"] = None if ratio is None else 100 * (1 - ratio)
    report["models"] = _models(rows)
    report["adverse_events"] = _adverse_events(ds.adverse_events, vocabulary)
    report["retention"] = _retention(analysed, rows, params)
    report["drug_cost"] = _drug_cost(patients, ds.infusions, params)
    report["table2"] = _table2(analysed, rows, ds.events)
    return report


def _table1(analysed: pd.DataFrame, vocabulary: Vocabulary) -> dict[str, Any]:
    concomitant = _count_lists(
        analysed["concomitant_d0"].map(lambda d: sorted(d)),
        sorted({drug for d in analysed["concomitant_d0"] for drug in d}),
    )
    biologics = set(vocabulary.biologics)
    return {
        "patients": len(analysed),
        "sex": stats.count_categories(analysed["sex"], SEXES),
        "age_years": _stats(analysed["age_years"].astype("float64")),
        "smoking": stats.count_categories(analysed["smoking"], SMOKING),
        "manifestations": _count_lists(analysed["manifestations"], vocabulary.manifestations),
        "previous_treatments": _count_lists(
            analysed["previous_treatments"], vocabulary.previous_treatments
        ),
        "any_previous_biologic": int(
            analysed["previous_treatments"].map(lambda v: bool(biologics & set(v))).sum()
        ),
        "initiation_reasons": _count_lists(
            analysed["initiation_reasons"], vocabulary.initiation_reasons
        ),
        "concomitant_at_initiation": concomitant,
        "any_concomitant": int(analysed["concomitant_d0"].map(bool).sum()),
        "routes": {
            route: int(n) for route, n in analysed["route"].value_counts().sort_index().items()
        },
    }


def _timepoint(
    rows: pd.DataFrame, tp: str, n_analysed: int, ds: Dataset, params: Params
) -> dict[str, Any]:
    at = rows[rows["timepoint"] == tp]
    on = at[at["on_treatment"].astype(bool)]
    activity = on["activity"].map(lambda v: ACTIVITY_MISSING if v is None else v)
    ordered = (*params.activity_classes, ACTIVITY_MISSING)
    out: dict[str, Any] = {
        "analysed": n_analysed,
        "on_treatment": len(on),
        "sledai": _stats(on["sledai"].astype("float64")),
        "activity": stats.count_categories(activity, ordered),
        "steroid_mg_day": _stats(on.loc[on["steroid_at_m0"], "steroid_mg_day"]),
        "steroid_mg_day_all": _stats(on["steroid_mg_day_all"]),
        "no_corticosteroid": int(on["no_corticosteroid"].sum()),
        "corticosteroid_stopped": int((on["steroid_mg_day"] == 0).sum()),
        "labs": {},
    }
    for test in LAB_TESTS:
        values = on[test]
        out["labs"][test] = {
            **_stats(values),
            "abnormal": int(on.loc[values.notna(), f"{test}_abnormal"].fillna(False).sum()),
        }
    if tp in FOLLOW_UP:
        adjudicated = ds.adjudications[
            (ds.adjudications["timepoint"] == tp)
            & ds.adjudications["patient_id"].isin(at["patient_id"])
        ]
        responders = int(at["responder"].eq(True).sum())
        out.update(
            responders=responders,
            failures=int(at["failure"].eq(True).sum()),
            adjudicated_failures=int((adjudicated["status"] == "failure").sum()),
            adjudicated_responders=int((adjudicated["status"] == "responder").sum()),
            adjudicated_non_responders=int((adjudicated["status"] == "non_responder").sum()),
            not_evaluable=int(at["evaluable"].eq(False).sum()),
            response_rate=_ratio(responders, n_analysed),
            steroid_sparing={
                "patients": int(on["steroid_sparing"].eq(True).sum()),
                "mean_dose_decrease_pct": None,
            },
        )
    return out


def _models(rows: pd.DataFrame) -> dict[str, Any]:
    on = rows[rows["on_treatment"].astype(bool)]
    # patients numbered in the order of their codes once, not the codes sorted per model: the
    # models group and order patients the same way
    on = on.assign(patient=pd.factorize(on["code"], sort=True)[0])
    out = {}
    for variable in MODEL_VARIABLES:
        frame = on[["patient", "timepoint", variable]].copy()
        if variable == "steroid_mg_day":
            frame = frame[on["steroid_at_m0"]]
        frame[variable] = pd.to_numeric(frame[variable].astype("float64"), errors="coerce")
        frame = frame[frame[variable].notna()]
        fits = stats.fit_models(frame, value=variable, patient="patient", timepoint="timepoint")
        out[variable] = {
            name: {
                "n_obs": fit["n_obs"],
                "n_patients": fit["n_patients"],
                "M6": {k: _none(v) for k, v in fit["M6"].items()},
                "M12": {k: _none(v) for k, v in fit["M12"].items()},
                "error": fit.get("error"),
            }
            for name, fit in fits.items()
        }
    return out


def _adverse_events(aes: pd.DataFrame, vocabulary: Vocabulary) -> dict[str, Any]:
    first_year = aes[aes["analysed"].astype(bool) & aes["first_year"].astype(bool)]
    categories = dict.fromkeys(vocabulary.ae_categories, 0)
    for category, n in first_year["category"].value_counts().sort_index().items():
        categories[str(category)] = int(n)
    infections = first_year[first_year["category"] == "infection"]
    by_site = {
        (site or ""): int(n) for site, n in infections["site"].value_counts().sort_index().items()
    }
    table = (
        first_year.groupby(["category", "term", "site", "serious"], sort=True)
        .agg(events=("id", "size"), patients=("patient_id", "nunique"))
        .reset_index()
    )
    return {
        "total": len(first_year),
        "patients": int(first_year["patient_id"].nunique()),
        "serious": int(first_year["serious"].sum()),
        "serious_patients": int(first_year.loc[first_year["serious"], "patient_id"].nunique()),
        "by_category": categories,
        "infections_by_site": by_site,
        "table": [
            {
                "category": r.category,
                "term": r.term,
                "site": r.site,
                "serious": bool(r.serious),
                "events": int(r.events),
                "patients": int(r.patients),
            }
            for r in table.itertuples(index=False)
        ],
    }


def retention_days(params: Params) -> dict[int, int]:
    """Day after D0 of each month of the retention table (M6 and M12: the time points' days)."""
    days = {m: round(m * DAYS_PER_YEAR / 12) for m in RETENTION_MONTHS}
    days[6] = params.timepoint_days["M6"]
    days[12] = params.timepoint_days["M12"]
    return days


def retention_frame(analysed: pd.DataFrame) -> pd.DataFrame:
    """Persistence on belimumab: days from D0 to the stop (event) or to the last news
    (censored), per analysed patient."""
    stopped = analysed["stop_date"].notna()
    end = analysed["stop_date"].where(stopped, analysed["last_news"])
    return pd.DataFrame(
        {
            "code": analysed["code"].to_numpy(),
            "days": (end - analysed["d0"]).dt.days.clip(lower=0).to_numpy(),
            "stopped": stopped.to_numpy(),
            "stop_reason": analysed["stop_reason"].to_numpy(),
        }
    )


def _retention(analysed: pd.DataFrame, rows: pd.DataFrame, params: Params) -> dict[str, Any]:
    frame = retention_frame(analysed)
    days = retention_days(params)
    km = stats.kaplan_meier(frame["days"], frame["stopped"], at=list(days.values()))
    at_risk = km.set_index("time")["at_risk"]
    table = [
        {
            "month": month,
            "day": day,
            "at_risk": int(at_risk.get(float(day), 0)) if len(km) else 0,
            "survival": _none(stats.survival_at(km, day)),
        }
        for month, day in days.items()
    ]
    on = rows[rows["on_treatment"].astype(bool)]
    return {
        "M6": _none(stats.survival_at(km, days[6])),
        "M12": _none(stats.survival_at(km, days[12])),
        "on_treatment": {tp: int((on["timepoint"] == tp).sum()) for tp in FOLLOW_UP},
        "stops": int(frame["stopped"].sum()),
        "stop_reasons": {
            str(k): int(v)
            for k, v in frame.loc[frame["stopped"], "stop_reason"]
            .value_counts()
            .sort_index()
            .items()
        },
        "table": table,
        "curve": [
            {"day": float(r.time), "survival": float(r.survival), "at_risk": int(r.at_risk)}
            for r in km.itertuples(index=False)
        ],
    }


def _drug_cost(patients: pd.DataFrame, infusions: pd.DataFrame, params: Params) -> dict[str, Any]:
    iv = infusions[infusions["route"] == "iv"]
    total = float(iv["cost"].sum())
    patient_years = float(patients["exposure_days"].sum()) / DAYS_PER_YEAR
    return {
        "currency": params.currency,
        "patients": len(patients),
        "iv_infusions": len(iv),
        "sc_administrations": int((infusions["route"] == "sc").sum()),
        "vials": {"120": int(iv["vials_120"].sum()), "400": int(iv["vials_400"].sum())},
        "vials_estimated_infusions": int(iv["vials_estimated"].sum()),
        "total": round(total, 2),
        "per_infusion": round(total / len(iv), 2) if len(iv) else None,
        "patient_years": round(patient_years, 3),
        "per_patient_year": round(total / patient_years, 2) if patient_years else None,
        "drug_given_mg": float(iv["prepared_dose_mg"].sum()),
        "waste_mg": float(iv["waste_mg"].sum()),
        "rounded_infusions": int(iv["rounded"].sum()),
        "waste_avoided_mg": float(iv["waste_avoided_mg"].sum()),
        "cost_avoided": round(float(iv["cost_avoided"].sum()), 2),
    }


def _table2(
    analysed: pd.DataFrame, rows: pd.DataFrame, events: pd.DataFrame
) -> list[dict[str, Any]]:
    """Per analysed patient: treatments at D0, SELENA-SLEDAI and corticosteroid dose at each
    time point (while on belimumab), the stop and the events between time points."""
    cells: dict[str, dict[str, Any]] = {}
    for code, tp, treated, sledai, steroid, responder, failure in zip(
        rows["code"].tolist(),
        rows["timepoint"].tolist(),
        rows["on_treatment"].astype(bool).tolist(),
        _plain(rows["sledai"]),
        _plain(rows["steroid_mg_day"]),
        _plain(rows["responder"]),
        _plain(rows["failure"]),
        strict=True,
    ):
        cells.setdefault(code, {})[tp] = {
            "on_treatment": treated,
            "sledai": sledai if treated else None,
            "steroid_mg_day": steroid if treated else None,
            "responder": responder,
            "failure": failure,
        }
    between: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for code, period, day, kind, detail in zip(
        *(events[c].tolist() for c in ("code", "period", "day", "kind", "detail")), strict=True
    ):
        if period in ("M0-M6", "M6-M12"):
            between.setdefault(code, {}).setdefault(period, []).append(
                {"day": int(day), "kind": kind, "detail": detail}
            )
    out = []
    patients = analysed.sort_values("code")
    for code, concomitant, d0, stop, reason in zip(
        patients["code"].tolist(),
        patients["concomitant_d0"].tolist(),
        _py_dates(patients["d0"]),
        _py_dates(patients["stop_date"]),
        patients["stop_reason"].tolist(),
        strict=True,
    ):
        entry: dict[str, Any] = {
            "patient": code,
            "treatments_at_initiation": [
                {"drug": drug, "dose": _none(dose)} for drug, dose in sorted(concomitant.items())
            ],
            "stop": None
            if stop is None
            else {
                "date": stop.isoformat(),
                "day": (stop - d0).days,
                "reason": reason,
            },
            **cells.get(code, {}),
            "events": {
                period: between.get(code, {}).get(period, []) for period in ("M0-M6", "M6-M12")
            },
        }
        out.append(entry)
    return out


# --------------------------------------------------------------------------- export table

ANALYSIS_COLUMNS = (
    "patient",
    "timepoint",
    "idx",
    "day",
    "nominal_date",
    "analysed",
    "exclusion_reasons",
    "sex",
    "age_years",
    "route",
    "d0",
    "stop_date",
    "stop_reason",
    "on_treatment",
    "visit_date",
    "sledai",
    "activity",
    "pga",
    "flare",
    "dose_date",
    "steroid_mg_day",
    "no_corticosteroid",
    "steroid_at_m0",
    "steroid_mg_day_all",
    *(f"{t}{s}" for t in LAB_TESTS for s in ("", "_date", "_abnormal")),
    "immunosuppressants",
    "immunosuppressants_decreased",
    "evaluable",
    "responder",
    "failure",
    "steroid_sparing",
    "response_reasons",
    "adjudicated_status",
    "adjudication_reason",
)


def analysis_table(ds: Dataset) -> pd.DataFrame:
    """The long analysis dataset for R: one row per patient and time point, pseudonymous codes
    only (no name, no birth date), every initiated patient (filter on `analysed`)."""
    rows = ds.rows
    info = ds.patients.set_index("patient_id")
    adj = ds.adjudications.set_index(["patient_id", "timepoint"])
    key = pd.MultiIndex.from_frame(rows[["patient_id", "timepoint"]])
    out = pd.DataFrame(
        {
            "patient": rows["code"],
            "timepoint": rows["timepoint"],
            "idx": rows["idx"],
            "day": rows["day"],
            "nominal_date": rows["nominal"],
            "analysed": rows["analysed"].astype(bool),
            "exclusion_reasons": lookup(
                rows["patient_id"], info["exclusion_reasons"].map(lambda r: ";".join(r))
            ),
            "sex": lookup(rows["patient_id"], info["sex"]),
            "age_years": lookup(rows["patient_id"], info["age_years"]),
            "route": rows["route"],
            "d0": rows["d0"],
            "stop_date": rows["stop_date"],
            "stop_reason": rows["stop_reason"],
            "on_treatment": rows["on_treatment"].astype(bool),
            "visit_date": rows["visit_date"],
            "sledai": rows["sledai"],
            "activity": rows["activity"],
            "pga": rows["pga"],
            "flare": rows["flare"],
            "dose_date": rows["ref_date"],
            "steroid_mg_day": rows["steroid_mg_day"],
            "no_corticosteroid": rows["no_corticosteroid"],
            "steroid_at_m0": rows["steroid_at_m0"],
            "steroid_mg_day_all": rows["steroid_mg_day_all"],
            "immunosuppressants": rows["immunosuppressants"].map(
                lambda d: ";".join(f"{k}={_none(v):g}" for k, v in sorted(d.items()))
            ),
            "immunosuppressants_decreased": rows["immunosuppressants_decreased"],
            "evaluable": rows["evaluable"],
            "responder": rows["responder"],
            "failure": rows["failure"],
            "steroid_sparing": rows["steroid_sparing"],
            "response_reasons": rows["response_reasons"],
            "adjudicated_status": adj["status"].reindex(key).to_numpy() if len(adj) else None,
            "adjudication_reason": adj["reason"].reindex(key).to_numpy() if len(adj) else None,
        }
    )
    for test in LAB_TESTS:
        for suffix in ("", "_date", "_abnormal"):
            out[f"{test}{suffix}"] = rows[f"{test}{suffix}"]
    return out[list(ANALYSIS_COLUMNS)].reset_index(drop=True)


def json_ready(value: Any) -> Any:
    """Plain JSON values: NaN -> None, numpy -> Python, dates -> ISO strings."""
    kind = type(value)
    # the report's own types first (a 10,000-patient report holds ~10^6 values)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): json_ready(v) for k, v in value.items()}
    if kind is list:
        return [json_ready(v) for v in value]
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10]
    if isinstance(value, np.generic):
        return json_ready(value.item())
    return value
