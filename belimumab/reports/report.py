"""The cohort report from the analysis dataset (no ORM, no Django): Table 1, the time points,
the mixed models, adverse events, retention (Kaplan-Meier), drug cost (with the waste and the
rounding's saving per month: `reports.waste`) and Table 2.

`build_report(dataset, params, vocabulary)` gives the report dict (schema
`belimumab.cohort_report/1`) that the command line, the dashboard and the exports share;
`json_ready` makes any of its values plain JSON. The dashboard's retention figure reads its
Kaplan-Meier table from `first_year_retention`, computed as the report's.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from belimumab.domain import pharmacovigilance as pv
from belimumab.domain.response import TIMEPOINTS
from belimumab.domain.units import DAYS_PER_MONTH, DAYS_PER_YEAR
from belimumab.reports import stats, survival, waste
from belimumab.reports.dataset import FOLLOW_UP, LAB_TESTS, Dataset, Params
from belimumab.reports.joins import plain, plain_list, py_dates

SCHEMA = "belimumab.cohort_report/1"
MODEL_VARIABLES = ("sledai", "steroid_mg_day", "steroid_mg_day_all", *LAB_TESTS)
ACTIVITY_MISSING = "missing"
# Numbers at risk of the retention curve, in months after D0.
RETENTION_MONTHS = (0, 3, 6, 9, 12)


@dataclass(frozen=True)
class Vocabulary:
    """Codes the report always lists (with 0 when absent), from the models' choices
    (`selectors.report_vocabulary`)."""

    sexes: tuple[str, ...] = ()
    smoking: tuple[str, ...] = ()
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
    return {k: plain(v) for k, v in stats.describe(values).items()}


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
        "as_of": ds.as_of.isoformat(),
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
        m0 = _m0_steroid_mean(rows, tp)
        t = report["timepoints"][tp]["steroid_mg_day"]["mean"]
        ratio = _ratio(t, m0)
        sparing["mean_dose_decrease_pct"] = None if ratio is None else 100 * (1 - ratio)
        sparing["mean_dose_m0"] = m0
    report["models"] = _models(rows)
    report["adverse_events"] = _adverse_events(ds.adverse_events, vocabulary)
    report["adverse_events"].update(_adverse_event_grades(ds.adverse_events, ds.as_of))
    report["retention"] = _retention(analysed, rows, params, ds.as_of)
    report["drug_cost"] = _drug_cost(patients, ds.infusions, params)
    # issue 14: appended last, so the keys before it keep their order
    report["drug_cost"]["waste_by_month"] = waste.waste_by_month(ds.infusions, params, ds.as_of)
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
        "sex": stats.count_categories(analysed["sex"], vocabulary.sexes),
        "age_years": _stats(analysed["age_years"].astype("float64")),
        "smoking": stats.count_categories(analysed["smoking"], vocabulary.smoking),
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


def _reached(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the time points reached: the only ones any figure at T counts."""
    return rows[rows["reached"].astype(bool)]


def _m0_steroid_mean(rows: pd.DataFrame, tp: str) -> float | None:
    """Mean corticosteroid dose at M0 of the patients on corticosteroids then who have
    reached `tp` (the reference of the decrease at `tp`: patients whose `tp` is still to come
    are left out of both means)."""
    reached = rows.loc[(rows["timepoint"] == tp) & rows["reached"].astype(bool), "patient_id"]
    m0 = _reached(rows[rows["timepoint"] == "M0"])
    m0 = m0[m0["on_treatment"].astype(bool) & m0["steroid_at_m0"] & m0["patient_id"].isin(reached)]
    return plain(stats.describe(m0["steroid_mg_day"].to_numpy())["mean"])


def _timepoint(
    rows: pd.DataFrame, tp: str, n_analysed: int, ds: Dataset, params: Params
) -> dict[str, Any]:
    all_at = rows[rows["timepoint"] == tp]
    at = _reached(all_at)
    on = at[at["on_treatment"].astype(bool)]
    activity = on["activity"].map(lambda v: ACTIVITY_MISSING if v is None else v)
    ordered = (*params.activity_classes, ACTIVITY_MISSING)
    out: dict[str, Any] = {
        "analysed": n_analysed,
        "reached": len(at),
        "not_reached": len(all_at) - len(at),
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
            response_rate=_ratio(responders, len(at)),
            steroid_sparing={
                "patients": int(on["steroid_sparing"].eq(True).sum()),
                "mean_dose_decrease_pct": None,
            },
        )
    return out


def _models(rows: pd.DataFrame) -> dict[str, Any]:
    on = _reached(rows)
    on = on[on["on_treatment"].astype(bool)]
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
                "M6": {k: plain(v) for k, v in fit["M6"].items()},
                "M12": {k: plain(v) for k, v in fit["M12"].items()},
                "error": fit.get("error"),
            }
            for name, fit in fits.items()
        }
    return out


def _adverse_events(aes: pd.DataFrame, vocabulary: Vocabulary) -> dict[str, Any]:
    first_year = _first_year(aes)
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


NOT_GRADED = "not_graded"
NOT_ASSESSED = "not_assessed"


def _first_year(aes: pd.DataFrame) -> pd.DataFrame:
    return aes[aes["analysed"].astype(bool) & aes["first_year"].astype(bool)]


def _grade_counts(grades: pd.Series) -> dict[str, int]:
    """Events (or patients) by CTCAE grade, "1".."5" then not graded, each listed."""
    counts = {str(g): 0 for g in pv.GRADES}
    for grade, n in grades.dropna().astype(int).value_counts().items():
        counts[str(grade)] = int(n)
    counts[NOT_GRADED] = int(grades.isna().sum())
    return counts


def _code_counts(values: pd.Series, codes: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(codes, 0)
    for code, n in values[values != ""].value_counts().items():
        counts[str(code)] = int(n)
    counts[NOT_ASSESSED] = int((values == "").sum())
    return counts


def _adverse_event_grades(aes: pd.DataFrame, as_of: date) -> dict[str, Any]:
    """The pharmacovigilance view of the first year's events: CTCAE grades (grade 3 or more:
    severe, life-threatening or fatal), the worst grade of each patient, causality, action
    taken on belimumab, reports to pharmacovigilance made by `as_of`."""
    first_year = _first_year(aes)
    grades = first_year["severity_grade"]
    severe = first_year[grades.fillna(0) >= pv.SEVERE_GRADE]
    worst = first_year.groupby("patient_id")["severity_grade"].max()
    by_category = {
        str(category): _grade_counts(group["severity_grade"])
        for category, group in first_year.groupby("category", sort=True)
    }
    reported = first_year["reported_to_pv"].astype(bool) & (
        first_year["pv_report_date"] <= pd.Timestamp(as_of)
    )
    return {
        "by_grade": _grade_counts(grades),
        "patients_by_worst_grade": _grade_counts(worst),
        "grade_3_or_more": len(severe),
        "grade_3_or_more_patients": int(severe["patient_id"].nunique()),
        "by_category_grade": by_category,
        "by_causality": _code_counts(first_year["causality"], pv.CAUSALITIES),
        "by_action": _code_counts(first_year["action_taken"], pv.ACTIONS),
        "reported_to_pharmacovigilance": int(reported.sum()),
    }


def retention_days(params: Params) -> dict[int, int]:
    """Day after D0 of each month of the retention table (M6 and M12: the time points' days)."""
    days = {m: round(m * DAYS_PER_MONTH) for m in RETENTION_MONTHS}
    days[6] = params.timepoint_days["M6"]
    days[12] = params.timepoint_days["M12"]
    return days


def retention_frame(analysed: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Persistence on belimumab, per analysed patient (`cohort.retention_time`, vectorised;
    stops and ends of follow-up after `as_of` already blanked): days from D0 to the stop (the
    event), else censored at the end of follow-up or at `as_of`, whichever comes first."""
    stopped = analysed["stop_date"].notna()
    cut = pd.Timestamp(as_of)
    censored_at = analysed["follow_up_end"].where(analysed["follow_up_end"] < cut, cut)
    end = analysed["stop_date"].where(stopped, censored_at)
    return pd.DataFrame(
        {
            "code": analysed["code"].to_numpy(),
            "days": (end - analysed["d0"]).dt.days.clip(lower=0).to_numpy(),
            "stopped": stopped.to_numpy(),
            "stop_reason": analysed["stop_reason"].to_numpy(),
        }
    )


def _kaplan_meier(frame: pd.DataFrame, days: Mapping[int, int]) -> pd.DataFrame:
    """Kaplan-Meier table of a `retention_frame`, with a row at each day of the table."""
    return stats.kaplan_meier(frame["days"], frame["stopped"], at=list(days.values()))


def first_year_retention(ds: Dataset, params: Params) -> pd.DataFrame:
    """The analysed patients' Kaplan-Meier table over the first year, the study's follow-up
    (the dashboard's figure; the report's retention table holds the numbers beyond)."""
    analysed = ds.patients[ds.patients["analysed"]]
    km = _kaplan_meier(retention_frame(analysed, ds.as_of), retention_days(params))
    return km[km["time"] <= params.first_year_days]


def figure_rows(ds: Dataset) -> pd.DataFrame:
    """The analysed patients' rows at the time points they reached on belimumab (the
    figures)."""
    rows = ds.rows
    return rows[
        rows["analysed"].astype(bool)
        & rows["reached"].astype(bool)
        & rows["on_treatment"].astype(bool)
    ]


def _retention(
    analysed: pd.DataFrame, rows: pd.DataFrame, params: Params, as_of: date
) -> dict[str, Any]:
    frame = retention_frame(analysed, as_of)
    days = retention_days(params)
    km = _kaplan_meier(frame, days)
    # survival, interval, at risk and events at each day of the table: null where nobody is
    # still at risk (never the last estimate carried forward)
    at_day = survival.survival_at_times(frame["days"], frame["stopped"], days.values())
    table = [
        {
            "month": month,
            "day": day,
            "at_risk": at_day[day].at_risk or 0,
            "survival": at_day[day].survival,
        }
        for month, day in days.items()
    ]
    on = _reached(rows)
    on = on[on["on_treatment"].astype(bool)]
    return {
        "M6": at_day[days[6]].as_dict(),
        "M12": at_day[days[12]].as_dict(),
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
        # weekly SC doses: each pen of a dispensation (a record without pens: one)
        "sc_administrations": int(
            infusions.loc[infusions["route"] == "sc", "pens"].fillna(1).sum()
        ),
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


def _events_between(events: pd.DataFrame) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """code -> period (M0-M6, M6-M12) -> the events of that period, in order."""
    between: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for code, period, day, kind, detail in zip(
        *(events[c].tolist() for c in ("code", "period", "day", "kind", "detail")), strict=True
    ):
        if period in ("M0-M6", "M6-M12"):
            between.setdefault(code, {}).setdefault(period, []).append(
                {"day": int(day), "kind": kind, "detail": detail}
            )
    return between


def _table2(
    analysed: pd.DataFrame, rows: pd.DataFrame, events: pd.DataFrame
) -> list[dict[str, Any]]:
    """Per analysed patient: treatments at D0, SELENA-SLEDAI and corticosteroid dose at each
    time point (while on belimumab), the stop and the events between time points."""
    cells: dict[str, dict[str, Any]] = {}
    for code, tp, reached, treated, sledai, steroid, responder, failure in zip(
        rows["code"].tolist(),
        rows["timepoint"].tolist(),
        rows["reached"].astype(bool).tolist(),
        (rows["on_treatment"].astype(bool) & rows["reached"].astype(bool)).tolist(),
        plain_list(rows["sledai"]),
        plain_list(rows["steroid_mg_day"]),
        plain_list(rows["responder"]),
        plain_list(rows["failure"]),
        strict=True,
    ):
        cells.setdefault(code, {})[tp] = {
            "reached": reached,
            "on_treatment": treated,
            "sledai": sledai if treated else None,
            "steroid_mg_day": steroid if treated else None,
            "responder": responder,
            "failure": failure,
        }
    between = _events_between(events)
    out = []
    patients = analysed.sort_values("code")
    for code, concomitant, d0, stop, reason in zip(
        patients["code"].tolist(),
        patients["concomitant_d0"].tolist(),
        py_dates(patients["d0"]),
        py_dates(patients["stop_date"]),
        patients["stop_reason"].tolist(),
        strict=True,
    ):
        if d0 is None:
            raise ValueError(f"the course of {code} has no start date")
        entry: dict[str, Any] = {
            "patient": code,
            "treatments_at_initiation": [
                {"drug": drug, "dose": plain(dose)} for drug, dose in sorted(concomitant.items())
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
