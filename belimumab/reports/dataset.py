"""The cohort analysis dataset, from typed DataFrames (no ORM, no Django).

`build_dataset(frames, params, as_of=...)` applies DOMAIN.md ("Patients and inclusion", "Time
points", "Response", "Precise readings", "A living cohort") to every patient initiated on or
before the cut-off `as_of`, as the data stood then (what is dated after it is dropped; a stop or
an end of follow-up after it has not happened):

- exclusion with its reasons (prior trial, first-year interruption > 61 days, indication, no
  administration on or before `as_of`);
- per time point M0 / M6 / M12: the nominal date (D0 + 0 / 182 / 365), the visit and each lab
  nearest to it within the window (ties to the earlier date), on belimumab at T
  (start <= nominal < stop), the corticosteroid dose in force (mg/day prednisone equivalent) on
  the time point's visit date (or the nominal date without a visit), None without any
  corticosteroid, the immunosuppressant doses in force at D0 and at T, and at M6 / M12 the
  response by `belimumab.domain.response.response_at`.

The joins (nearest in window, dose in force, interruptions) are vectorised in
`belimumab.reports.joins`; the rules that decide (exclusion, activity class, response, missed
cycles, vial plans) are the pure domain functions, called once per patient or per distinct value.
`analysis_table(dataset)` is the long export for R; `belimumab.reports.report.build_report`
turns the dataset into the report dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from belimumab.domain import defaults, dosing
from belimumab.domain.cohort import NO_INFUSION
from belimumab.domain.response import PatientCourse, exclusion_reasons, response_at
from belimumab.domain.sledai import activity_class
from belimumab.domain.treatments import IMMUNOSUPPRESSANTS
from belimumab.reports.frames import CohortFrames
from belimumab.reports.joins import (
    administrations,
    completed_years,
    days,
    doses_in_force,
    drug_doses,
    float_vial_plan,
    interruption_gaps,
    lookup,
    missed_cycles,
    nearest_in_windows,
    plain,
    py_dates,
    py_ints,
    scheduled_interval,
    steroid_totals,
    timepoint_frame,
    to_decimal,
)

FOLLOW_UP = ("M6", "M12")
# The response at M6 / M12 (`response_at`); None at M0 and where the time point is not reached.
RESPONSE_COLUMNS = (
    "evaluable",
    "responder",
    "failure",
    "steroid_sparing",
    "response_reasons",
    "immunosuppressants_decreased",
)
LAB_TESTS = ("anti_dsdna", "ch50", "c3", "c4")


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
    # vial -> ((effective from, price), ...) by date: an infusion is costed at the price in
    # force on its date; a vial without history is costed at `vial_prices`.
    price_history: Mapping[int, tuple[tuple[date, Any], ...]] = field(default_factory=dict)
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
            price_history=dict(values.get("VIAL_PRICE_HISTORY", base.price_history)),
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
    as_of: the data cut-off the dataset was built as of.
    """

    patients: pd.DataFrame
    rows: pd.DataFrame
    events: pd.DataFrame
    infusions: pd.DataFrame
    adverse_events: pd.DataFrame
    adjudications: pd.DataFrame
    as_of: date


def _until(frame: pd.DataFrame, column: str, cut: pd.Timestamp) -> pd.DataFrame:
    kept = frame[column] <= cut
    return frame if bool(kept.all()) else frame[kept].reset_index(drop=True)


def as_of_frames(frames: CohortFrames, as_of: date) -> CohortFrames:
    """The frames as the data stood on `as_of`: courses started later, administrations, visits,
    labs, dose changes and adverse events dated after it dropped; a stop or an end of
    follow-up dated after it blanked (not happened yet). The selectors already read no later
    row; hand-built frames go through the same rule."""
    cut = pd.Timestamp(as_of)
    patients = _until(frames.patients, "d0", cut).copy()
    later_stop = patients["stop_date"] > cut
    patients.loc[later_stop, "stop_date"] = pd.NaT
    patients.loc[later_stop, "stop_reason"] = ""
    later_end = patients["follow_up_end"] > cut
    patients.loc[later_end, "follow_up_end"] = pd.NaT
    patients.loc[later_end, "follow_up_end_reason"] = ""
    return replace(
        frames,
        patients=patients,
        infusions=_until(frames.infusions, "date", cut),
        visits=_until(frames.visits, "date", cut),
        labs=_until(frames.labs, "date", cut),
        treatments=_until(frames.treatments, "start_date", cut),
        adverse_events=_until(frames.adverse_events, "onset_date", cut),
    )


# --------------------------------------------------------------------------- dataset
def build_dataset(frames: CohortFrames, params: Params | None = None, *, as_of: date) -> Dataset:
    """The analysis dataset of the cohort as of the cut-off `as_of` (see the module
    docstring; always given: the same frames and `as_of` give the same dataset)."""
    params = params or Params()
    frames = as_of_frames(frames, as_of)
    patients = frames.patients.copy()
    infusions = frames.infusions[
        frames.infusions["course_id"].isin(patients["course_id"])
    ].reset_index(drop=True)

    given = administrations(patients, infusions)
    gaps = interruption_gaps(given)
    patients = _with_interruptions(patients, given, gaps, params)
    patients["exclusion_reasons"] = [
        (*exclusion_reasons(bool(p), str(i), bool(x)), *((NO_INFUSION,) if n == 0 else ()))
        for p, i, x, n in zip(
            patients["prior_trial"],
            patients["indication"],
            patients["interrupted"],
            patients["administrations"],
            strict=True,
        )
    ]
    patients["excluded"] = patients["exclusion_reasons"].map(bool).astype(bool)
    patients["analysed"] = ~patients["excluded"]
    patients["age_years"] = completed_years(patients["birth_date"], patients["d0"])
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

    rows = _timepoint_rows(frames, patients, params, as_of)
    immuno_d0 = drug_doses(at_d0[at_d0["drug"].isin(IMMUNOSUPPRESSANTS)], ["patient_id"])
    rows = _with_responses(rows, immuno_d0, params)
    events = _events(frames, patients, infusions, gaps, params)
    infusions = _costed_infusions(infusions, patients, params)
    aes = frames.adverse_events.merge(patients[["patient_id", "d0", "analysed"]], on="patient_id")
    aes["first_year"] = (aes["onset_date"] >= aes["d0"]) & (
        aes["onset_date"] <= aes["d0"] + days(params.first_year_days)
    )
    adjudications = frames.adjudications.merge(patients[["patient_id", "code"]], on="patient_id")
    return Dataset(patients, rows, events, infusions, aes, adjudications, as_of)


def _with_interruptions(
    patients: pd.DataFrame, given: pd.DataFrame, gaps: pd.DataFrame, params: Params
) -> pd.DataFrame:
    """Longest first-year interruption (days beyond the scheduled interval) and the exclusion
    flag, as `schedule.first_year_interruptions` / `is_excluded_for_interruption`, vectorised."""
    first_year = (gaps["date"] >= gaps["d0"]) & (
        gaps["date"] <= gaps["d0"] + days(params.first_year_days)
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
    last["covered_to"] = last["date"] + days(
        scheduled_interval(
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


def _add_labs(rows: pd.DataFrame, labs: pd.DataFrame, idx: pd.MultiIndex, params: Params) -> None:
    """Each test's value, date, normal flag and range limits nearest each time point, as
    columns of `rows` (whose keys are `idx`)."""
    key = ["patient_id", "timepoint"]
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


def _timepoint_rows(
    frames: CohortFrames, patients: pd.DataFrame, params: Params, as_of: date
) -> pd.DataFrame:
    tps = timepoint_frame(patients, params, as_of)
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
    idx = pd.MultiIndex.from_frame(rows[key])
    _add_labs(rows, nearest_in_windows(tps, frames.labs, by=["test"]), idx, params)

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
    m0_score = dict(zip(m0["patient_id"].tolist(), py_ints(m0["sledai"]), strict=True))
    m0_steroid = dict(zip(m0["patient_id"].tolist(), m0["steroid_mg_day"].tolist(), strict=True))
    out: dict[str, list[Any]] = {c: [None] * len(rows) for c in RESPONSE_COLUMNS}
    # not computed where the time point is not reached: such a patient is no non-responder
    follow_up = np.flatnonzero(
        (rows["timepoint"].isin(FOLLOW_UP) & rows["reached"].astype(bool)).to_numpy()
    )
    at = rows.iloc[follow_up]
    columns = (
        at["patient_id"].tolist(),
        at["timepoint"].tolist(),
        py_dates(at["d0"]),
        py_dates(at["stop_date"]),
        at["stop_reason"].tolist(),
        py_ints(at["sledai"]),
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
            steroid_m0=to_decimal(m0_steroid.get(pid)),
            steroid_t=to_decimal(steroid),
            immunosuppressants={
                drug: (to_decimal(doses_0.get(drug)), to_decimal(doses_t.get(drug)))
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
    parts.append(_missed_cycle_events(patients, gaps))
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


def _missed_cycle_events(patients: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    """Missed cycles of each gap between administrations (`schedule.gaps`, vectorised)."""
    missed = missed_cycles(
        gaps["index"].to_numpy() + 1,
        gaps["interruption"].to_numpy(),
        gaps["loading_intervals_days"].reset_index(drop=True),
        gaps["interval_days"].to_numpy(),
    )
    skipped = gaps[missed > 0]
    patient_of = patients.set_index("course_id")["patient_id"]
    return pd.DataFrame(
        {
            "patient_id": lookup(skipped["course_id"], patient_of).astype("int64"),
            "date": skipped["date"].to_numpy(),
            "detail": [str(n) for n in missed[missed > 0].tolist()],
        }
    ).assign(kind="missed_cycles")


def prices_on_dates(params: Params, size: int, dates: pd.Series) -> np.ndarray:
    """Price of a vial in force on each date (before its first effective date: its first
    price), one binary search for the whole column."""
    history = params.price_history.get(size)
    if not history:
        return np.full(len(dates), float(params.vial_prices.get(size, 0.0)))
    starts = pd.to_datetime([start for start, _price in history]).to_numpy()
    prices = np.array([float(price) for _start, price in history])
    index = np.searchsorted(starts, pd.to_datetime(dates).to_numpy(), side="right") - 1
    return prices[np.clip(index, 0, None)]


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
    iv = inf["route"] == "iv"
    recorded = (inf["vials_120"] + inf["vials_400"]) > 0
    inf["vials_estimated"] = iv & ~recorded

    def plan(dose: float) -> dosing.VialPlan:
        return float_vial_plan(dose, params.vial_sizes)

    estimated = inf["vials_estimated"].to_numpy()
    prepared = inf["prepared_dose_mg"].to_numpy()
    vials_120 = inf["vials_120"].to_numpy().copy()
    vials_400 = inf["vials_400"].to_numpy().copy()
    for i in np.flatnonzero(estimated):
        vials_120[i] = plan(prepared[i]).count(120)
        vials_400[i] = plan(prepared[i]).count(400)
    inf["vials_120"] = vials_120
    inf["vials_400"] = vials_400
    price_120 = prices_on_dates(params, 120, inf["date"])
    price_400 = prices_on_dates(params, 400, inf["date"])
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
        covering_cost[i] = covering.count(120) * price_120[i] + covering.count(400) * price_400[i]
    rounded = inf["rounded"].to_numpy()
    inf["waste_avoided_mg"] = np.where(rounded, np.maximum(0, covering_mg - inf["opened_mg"]), 0.0)
    inf["cost_avoided"] = np.where(rounded, np.maximum(0, covering_cost - inf["cost"]), 0.0)
    return inf


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
    "reached",
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
    "as_of",
)


def analysis_table(ds: Dataset) -> pd.DataFrame:
    """The long analysis dataset for R: one row per patient and time point, pseudonymous codes
    only (no name, no birth date), every initiated patient (filter on `analysed`, and on
    `reached` at M6 / M12: the response columns are empty where the time point is not
    reached); `as_of`, the cut-off, on every row."""
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
            "reached": rows["reached"].astype(bool),
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
                lambda d: ";".join(f"{k}={plain(v):g}" for k, v in sorted(d.items()))
            ),
            "immunosuppressants_decreased": rows["immunosuppressants_decreased"],
            "evaluable": rows["evaluable"],
            "responder": rows["responder"],
            "failure": rows["failure"],
            "steroid_sparing": rows["steroid_sparing"],
            "response_reasons": rows["response_reasons"],
            "adjudicated_status": adj["status"].reindex(key).to_numpy() if len(adj) else None,
            "adjudication_reason": adj["reason"].reindex(key).to_numpy() if len(adj) else None,
            "as_of": pd.Timestamp(ds.as_of),
        }
    )
    for test in LAB_TESTS:
        for suffix in ("", "_date", "_abnormal"):
            out[f"{test}{suffix}"] = rows[f"{test}{suffix}"]
    return out[list(ANALYSIS_COLUMNS)].reset_index(drop=True)
