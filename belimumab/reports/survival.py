"""Kaplan-Meier retention with the 95 % interval R's `survival::survfit` gives by default.

Input: one duration in days per patient and an event flag (True: belimumab stopped then; False:
censored then, at the end of follow-up or at the cut-off, see `belimumab.domain.cohort.
retention_time`). numpy and pandas only.

The interval is survfit's default: Greenwood variance of log S,
var(t) = sum over event times t_i <= t of d_i / (n_i (n_i - d_i)), and conf.type "log",
S x exp(+/- z se) with z the normal quantile of (1 + level) / 2 and the upper bound clipped at 1.
Where S is 0 R gives no interval (NA): neither does this module. Checked against survfit in
tests/reports/reference/make_survival_reference.R.

Source: DOMAIN.md "A living cohort (data cut-off)" (retention: Kaplan-Meier, R's default
interval, null where no patient is still at risk, never carried forward).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from belimumab.reports import stats

__all__ = ["KM_CI_COLUMNS", "SurvivalAt", "kaplan_meier_ci", "survival_at", "survival_at_times"]

KM_CI_COLUMNS = (*stats.KM_COLUMNS, "std_err_log", "lower", "upper")


def _z(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise ValueError("conf_level is a probability between 0 and 1")
    return NormalDist().inv_cdf((1 + conf_level) / 2)


def kaplan_meier_ci(
    durations_days: Sequence[float], events: Sequence[bool], conf_level: float = 0.95
) -> pd.DataFrame:
    """`stats.kaplan_meier` (one row per distinct time) with survfit's default interval.

    Added columns: `std_err_log` the Greenwood standard error of log S (survfit's `std.err`
    before `summary` multiplies it by S; infinite once S is 0), `lower` and `upper` the
    interval (NaN where S is 0).
    """
    table = stats.kaplan_meier(durations_days, events)
    n = table["at_risk"].to_numpy(dtype=float)
    d = table["events"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(d > 0, d / (n * (n - d)), 0.0)
    std_err_log = np.sqrt(np.cumsum(term))
    surv = table["survival"].to_numpy(dtype=float)
    z = _z(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(surv)
        lower = np.where(surv > 0, np.exp(log_s - z * std_err_log), np.nan)
        upper = np.where(surv > 0, np.minimum(1.0, np.exp(log_s + z * std_err_log)), np.nan)
    return table.assign(std_err_log=std_err_log, lower=lower, upper=upper)


@dataclass(frozen=True)
class SurvivalAt:
    """The retention figures at one time, as `summary(fit, times = t, extend = FALSE)` reads.

    `at_risk`: patients whose duration is >= t (survfit's n.risk at t); `events`: events on or
    before t (n.event of a single requested time, cumulative from 0); `survival` S(t), the
    estimate just after t; `lower`, `upper` the interval. Every field is None when no patient
    is still at risk at t (every follow-up shorter: R gives no row); `lower` and `upper` are
    None when S(t) is 0.
    """

    survival: float | None
    lower: float | None
    upper: float | None
    at_risk: int | None
    events: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_NOTHING = SurvivalAt(None, None, None, None, None)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _read(table: pd.DataFrame, durations: np.ndarray, t: float) -> SurvivalAt:
    at_risk = int(np.count_nonzero(durations >= t))
    if at_risk == 0:
        return _NOTHING
    before = table[table["time"] <= t]
    if before.empty:  # before the first observed time: nobody has stopped yet
        return SurvivalAt(1.0, 1.0, 1.0, at_risk, 0)
    last = before.iloc[-1]
    return SurvivalAt(
        survival=float(last["survival"]),
        lower=_finite(float(last["lower"])),
        upper=_finite(float(last["upper"])),
        at_risk=at_risk,
        events=int(before["events"].sum()),
    )


def survival_at_times(
    durations_days: Sequence[float],
    events: Sequence[bool],
    times: Iterable[float],
    conf_level: float = 0.95,
) -> dict[float, SurvivalAt]:
    """`SurvivalAt` at each of `times` (days), by time; one Kaplan-Meier fit for all."""
    table = kaplan_meier_ci(durations_days, events, conf_level)
    durations = np.asarray(durations_days, dtype=float)
    return {t: _read(table, durations, float(t)) for t in times}


def survival_at(
    durations_days: Sequence[float], events: Sequence[bool], t: float, conf_level: float = 0.95
) -> SurvivalAt:
    """`SurvivalAt` at time `t` (days): survival, its interval, at risk and events so far."""
    return survival_at_times(durations_days, events, [t], conf_level)[t]
