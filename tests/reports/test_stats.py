"""belimumab.reports.stats: descriptive figures, mixed models against nlme, Kaplan-Meier.

The model references come from R (nlme::lme, REML) through reference/make_reference.R and are
committed in reference/nlme_reference.csv: these tests never call R.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from belimumab.reports import stats

REFERENCE = Path(__file__).parent / "reference"
NLME = pd.read_csv(REFERENCE / "nlme_reference.csv")
DATASETS = list(dict.fromkeys(NLME["dataset"]))
MODELS = ("ri", "ri_ar1")
FITTERS = {"ri": stats.fit_ri, "ri_ar1": stats.fit_ri_ar1}
# Variance parameters that the data cannot identify (same REML likelihood along a ridge): only the
# fixed effects and the likelihood are compared there.
UNIDENTIFIED = {("between_m12", "ri_ar1")}


def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"{name}.csv")


def values_at(name: str, timepoint: str) -> list[float]:
    d = dataset(name)
    return d.loc[d["timepoint"] == timepoint, "value"].tolist()


@pytest.fixture(scope="module")
def fits() -> dict[tuple[str, str], dict]:
    return {(name, model): FITTERS[model](dataset(name)) for name in DATASETS for model in MODELS}


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b != 0 else abs(a)


# --------------------------------------------------------------------------- describe


def test_describe_hand_values():
    d = stats.describe([1, 2, None, 3, float("nan"), 4])
    assert d["n"] == 4
    assert d["mean"] == pytest.approx(2.5)
    assert d["variance"] == pytest.approx(5 / 3)
    assert d["sd"] == pytest.approx(math.sqrt(5 / 3))
    assert (d["median"], d["q1"], d["q3"]) == pytest.approx((2.5, 1.75, 3.25))
    assert (d["min"], d["max"]) == (1.0, 4.0)
    assert set(stats.STAT_KEYS) <= set(d) and "variance" in d
    assert all(type(d[k]) is float for k in d if k != "n") and type(d["n"]) is int


def test_describe_empty_and_single():
    empty = stats.describe([])
    assert empty["n"] == 0
    assert all(empty[k] is None for k in (*stats.STAT_KEYS[1:], "variance"))
    assert stats.describe([None, float("nan")])["n"] == 0
    one = stats.describe([7])
    assert one["n"] == 1 and one["sd"] is None and one["variance"] is None
    assert one["mean"] == one["median"] == one["q1"] == one["q3"] == one["min"] == one["max"] == 7


def test_describe_accepts_numpy_and_pandas_missing():
    s = pd.Series([1.0, None, 3.0], dtype="Float64")
    assert stats.describe(s)["n"] == 2
    assert stats.describe(np.array([2.0, np.nan]))["mean"] == 2.0


def test_describe_study_sledai_m0():
    d = stats.describe([14, 4, 7, 4, 6, 4, 8, 12, 6, 8, 5, 6, 19, 2])
    assert (d["n"], d["median"], d["q1"], d["q3"]) == (14, 6, 4.25, 8)
    assert values_at("sledai", "M0") == [14, 4, 7, 4, 6, 4, 8, 12, 6, 8, 5, 6, 19, 2]


def test_describe_study_sledai_follow_up():
    # The paper: median 2 (Q1-Q3 2-4) at M6, 4 (0.5-4) at M12 (patient 5's M12 score missing).
    m6 = stats.describe(values_at("sledai", "M6"))
    assert (m6["n"], m6["median"], m6["q1"], m6["q3"]) == (12, 2, 2, 4)
    m12 = stats.describe(values_at("sledai", "M12"))
    assert (m12["n"], m12["median"], m12["q1"], m12["q3"]) == (10, 4, 0.5, 4)


def test_describe_study_corticosteroid_means():
    # The paper: 11.9 -> 7.9 -> 6.5 mg/day among the patients on corticosteroids at M0 (7.95 is
    # printed 7.9).
    means = [stats.describe(values_at("steroid_mg_day", tp))["mean"] for tp in stats.TIMEPOINTS]
    assert means == pytest.approx([142.5 / 12, 79.5 / 10, 58.5 / 9])
    assert 1 - means[2] / means[0] == pytest.approx(0.45, abs=0.005)


def test_count_categories():
    values = ["mild", "none", "mild", None, "other"]
    counts = stats.count_categories(values, ["none", "mild", "high"])
    assert counts == {"none": 1, "mild": 2, "high": 0}
    assert list(counts) == ["none", "mild", "high"]


# --------------------------------------------------------------------------- models vs nlme


def reference(name: str, model: str, term: str) -> pd.Series:
    rows = NLME[(NLME["dataset"] == name) & (NLME["model"] == model) & (NLME["term"] == term)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("name", DATASETS)
def test_models_agree_with_nlme(fits, name, model):
    fit = fits[(name, model)]
    assert fit["error"] is None
    for term in ("intercept", "M6", "M12"):
        ref = reference(name, model, term)
        got = fit[term]
        assert (fit["n_obs"], fit["n_patients"]) == (ref["n_obs"], ref["n_patients"])
        assert got["df"] == ref["df"]
        for key in ("estimate", "se", "t"):
            assert rel(got[key], ref[key]) < 1e-4, (term, key, got[key], ref[key])
        assert abs(got["p"] - ref["p"]) < 1e-3 * max(ref["p"], 1e-3), (term, got["p"], ref["p"])
        assert rel(got["p"], ref["p"]) < 1e-3, (term, got["p"], ref["p"])
    # The same REML log-likelihood as nlme: the same objective, and its maximum reached.
    assert fit["loglik"] == pytest.approx(ref["loglik"], abs=1e-6)
    if (name, model) in UNIDENTIFIED:
        return
    assert rel(fit["sigma"], ref["sigma"]) < 1e-3
    if ref["tau"] > 1e-3 * ref["sigma"]:
        assert rel(fit["tau"], ref["tau"]) < 1e-3
    else:  # random intercept on the boundary (0): nlme stops at a tiny value
        assert fit["tau"] < 1e-3 * fit["sigma"]
    if model == "ri_ar1":
        assert fit["phi"] == pytest.approx(ref["phi"], abs=1e-4)


@pytest.mark.parametrize("name", DATASETS)
def test_ri_equals_statsmodels_mixedlm(fits, name):
    """The vectorised random-intercept REML and statsmodels' MixedLM reach the same optimum."""
    ours, mixedlm = fits[(name, "ri")], stats.fit_ri_statsmodels(dataset(name))
    assert ours["error"] is mixedlm["error"] is None
    assert ours["loglik"] == pytest.approx(mixedlm["loglik"], abs=1e-6)
    for term in ("intercept", "M6", "M12"):
        assert ours[term]["df"] == mixedlm[term]["df"]
        for key in ("estimate", "se"):
            assert rel(ours[term][key], mixedlm[term][key]) < 1e-5, (term, key)


def test_ri_with_two_values_at_one_time_point_is_fitted_by_statsmodels():
    d = dataset("steroid_mg_day_all")
    doubled = pd.concat([d, d.iloc[:1].assign(value=d["value"].iloc[0] + 1.0)])
    fit = stats.fit_ri(doubled)
    assert fit["error"] is None and fit["n_obs"] == 38
    assert fit == stats.fit_ri_statsmodels(doubled)


def test_nlme_degrees_of_freedom_rule(fits):
    # n_obs - n_patients - 2 for the two within-patient contrasts.
    fit = fits[("steroid_mg_day_all", "ri_ar1")]
    assert fit["M6"]["df"] == fit["M12"]["df"] == 37 - 14 - 2
    # between_m12: no patient has M12 with another visit, so M12 is a between-patient term:
    # M6 gets 8 - 5 - 1 = 2, M12 gets 5 - 1 - 1 = 3, the intercept the larger, as nlme says.
    fit = fits[("between_m12", "ri")]
    assert (fit["intercept"]["df"], fit["M6"]["df"], fit["M12"]["df"]) == (3, 2, 3)


def test_study_corticosteroid_p_values_reproduce_the_paper(fits):
    # steroid_mg_day_all, all 14 patients, 0 mg/day for the two without corticosteroids:
    # the paper's p = 0.0073 (M0 -> M6) and 0.0083 (M0 -> M12).
    fit = fits[("steroid_mg_day_all", "ri_ar1")]
    assert (fit["n_obs"], fit["n_patients"]) == (37, 14)
    assert round(fit["M6"]["p"], 4) == 0.0073
    assert round(fit["M12"]["p"], 4) == 0.0083
    assert fit["M6"]["estimate"] == pytest.approx(-3.8711, abs=1e-4)
    assert fit["M12"]["estimate"] == pytest.approx(-4.8997, abs=1e-4)


def test_study_sledai_p_values_are_recorded_not_tuned(fits):
    # The paper prints p = 0.00011 (M6) and 0.0224 (M12) for SELENA-SLEDAI: no model of Table 2
    # gives them. Ours (equal to nlme's): ri_ar1 0.00029 / 0.0011, ri 0.00039 / 0.00066.
    ar1, ri = fits[("sledai", "ri_ar1")], fits[("sledai", "ri")]
    assert (ar1["n_obs"], ar1["n_patients"]) == (36, 14)
    assert round(ar1["M6"]["p"], 5) == 0.00029 and round(ar1["M12"]["p"], 4) == 0.0011
    assert round(ri["M6"]["p"], 5) == 0.00039 and round(ri["M12"]["p"], 5) == 0.00066
    assert round(ar1["M6"]["p"], 5) != 0.00011 and round(ar1["M12"]["p"], 4) != 0.0224


def test_fit_models_returns_both_shapes():
    out = stats.fit_models(dataset("sledai"))
    assert set(out) == {"ri_ar1", "ri"}
    for fit in out.values():
        assert {"n_obs", "n_patients", "M6", "M12"} <= set(fit)
        assert set(fit["M6"]) == {"estimate", "se", "df", "t", "p"}


def test_custom_column_names_and_nan_rows():
    d = dataset("sledai").rename(columns={"patient": "code", "timepoint": "tp", "value": "score"})
    fit = stats.fit_ri_ar1(d, value="score", patient="code", timepoint="tp")
    assert fit["n_obs"] == 36  # patient 5's missing M12 score is dropped first
    assert round(fit["M6"]["p"], 5) == 0.00029


def test_ar1_likelihood_equals_the_dense_computation():
    """The per-pattern computation equals the textbook REML on the full block-diagonal V."""
    d = dataset("synthetic_unbalanced").sort_values(["patient", "idx"])
    fit = stats.fit_ri_ar1(d)
    y = d["value"].to_numpy(float)
    idx = d["idx"].to_numpy()
    x = np.column_stack([np.ones(len(d)), idx == 2, idx == 3]).astype(float)
    same = d["patient"].to_numpy()[:, None] == d["patient"].to_numpy()[None, :]
    lag = np.abs(idx[:, None] - idx[None, :])
    v = np.where(same, fit["tau"] ** 2 + fit["sigma"] ** 2 * fit["phi"] ** lag, 0.0)
    v_inv = np.linalg.inv(v)
    xtvx = x.T @ v_inv @ x
    beta = np.linalg.solve(xtvx, x.T @ v_inv @ y)
    r = y - x @ beta
    n, p = x.shape
    loglik = -0.5 * (
        (n - p) * math.log(2 * math.pi)
        + np.linalg.slogdet(v)[1]
        + np.linalg.slogdet(xtvx)[1]
        + r @ v_inv @ r
    )
    assert fit["loglik"] == pytest.approx(loglik, abs=1e-8)
    assert fit["M6"]["estimate"] == pytest.approx(beta[1], rel=1e-10)
    assert fit["M6"]["se"] == pytest.approx(math.sqrt(np.linalg.inv(xtvx)[1, 1]), rel=1e-8)


# --------------------------------------------------------------------------- models that cannot fit


def assert_null(fit: dict) -> None:
    assert fit["error"]
    for term in ("M6", "M12"):
        assert fit[term] == {"estimate": None, "se": None, "df": None, "t": None, "p": None}


@pytest.mark.parametrize("model", MODELS)
def test_no_m12_data_reports_counts_and_null_estimates(model):
    d = dataset("steroid_mg_day_all")
    fit = FITTERS[model](d[d["timepoint"] != "M12"])
    assert (fit["n_obs"], fit["n_patients"]) == (26, 14)
    assert_null(fit)
    assert "M12" in fit["error"]


@pytest.mark.parametrize("model", MODELS)
def test_degenerate_data_reports_null_estimates(model):
    d = dataset("steroid_mg_day_all")
    empty = FITTERS[model](d.iloc[:0])
    assert (empty["n_obs"], empty["n_patients"]) == (0, 0)
    assert_null(empty)
    all_nan = FITTERS[model](d.assign(value=np.nan))
    assert all_nan["n_obs"] == 0
    assert_null(all_nan)
    one_patient = FITTERS[model](d[d["patient"] == "P02"])  # df = 3 - 1 - 2 = 0
    assert (one_patient["n_obs"], one_patient["n_patients"]) == (3, 1)
    assert_null(one_patient)
    constant = FITTERS[model](d.assign(value=5.0))
    assert constant["n_obs"] == 37
    assert_null(constant)


def test_ar1_refuses_two_values_at_one_time_point():
    d = dataset("steroid_mg_day_all")
    fit = stats.fit_ri_ar1(pd.concat([d, d.iloc[:1]]))
    assert fit["n_obs"] == 38
    assert_null(fit)


def test_unknown_time_point_is_an_error():
    d = dataset("sledai").replace({"timepoint": {"M12": "M24"}})
    with pytest.raises(ValueError, match="M24"):
        stats.fit_ri(d)


def test_models_are_vectorised_over_patients():
    """10,000 patients x 3 time points, a fifth of visits missing: fits (no timing asserted)."""
    rng = np.random.default_rng(7)
    n = 10_000
    effects = np.array([0.0, -3.0, -4.0])
    e = np.empty((n, 3))
    e[:, 0] = rng.normal(0, 3, n)
    for k in (1, 2):
        e[:, k] = 0.5 * e[:, k - 1] + rng.normal(0, 3 * math.sqrt(1 - 0.25), n)
    y = 10 + effects + rng.normal(0, 5, n)[:, None] + e
    y[rng.random((n, 3)) < 0.2] = np.nan
    frame = pd.DataFrame(
        {
            "patient": np.repeat(np.arange(n), 3),
            "timepoint": np.tile(stats.TIMEPOINTS, n),
            "value": y.ravel(),
        }
    )
    fit = stats.fit_ri_ar1(frame)
    assert fit["error"] is None
    assert fit["n_obs"] == int(np.isfinite(y).sum()) and fit["n_patients"] <= n
    assert fit["M6"]["estimate"] == pytest.approx(-3.0, abs=0.2)
    assert fit["M12"]["estimate"] == pytest.approx(-4.0, abs=0.2)
    assert fit["phi"] == pytest.approx(0.5, abs=0.1)
    assert fit["M6"]["df"] == fit["n_obs"] - fit["n_patients"] - 2
    ri = stats.fit_ri(frame)
    assert ri["error"] is None and ri["n_obs"] == fit["n_obs"]
    assert ri["M6"]["estimate"] == pytest.approx(-3.0, abs=0.2)
    assert ri["M12"]["estimate"] == pytest.approx(-4.0, abs=0.2)


# --------------------------------------------------------------------------- Kaplan-Meier


def test_kaplan_meier_hand_example():
    # Stops (events) at 3, 5, 8, 12, 12; still treated (censored) at 5, 10, 15.
    # S: 3 -> 7/8; 5 -> 7/8 * 6/7 = 0.75 (the censored at 5 still at risk); 8 -> 0.75 * 4/5 = 0.6;
    # 10 censored; 12 -> 0.6 * 1/3 = 0.2; 15 censored.
    durations = [3, 5, 5, 8, 10, 12, 12, 15]
    events = [True, True, False, True, False, True, True, False]
    km = stats.kaplan_meier(durations, events, at=[0, 6, 12, 20])
    assert list(km.columns) == ["time", "at_risk", "events", "censored", "survival"]
    expected = pd.DataFrame(
        {
            "time": [0.0, 3, 5, 6, 8, 10, 12, 15, 20],
            "at_risk": [8, 8, 7, 5, 5, 4, 3, 1, 0],
            "events": [0, 1, 1, 0, 1, 0, 2, 0, 0],
            "censored": [0, 0, 1, 0, 0, 1, 0, 1, 0],
            "survival": [1.0, 0.875, 0.75, 0.75, 0.6, 0.6, 0.2, 0.2, 0.2],
        }
    )
    pd.testing.assert_frame_equal(km, expected, check_dtype=False)
    assert stats.survival_at(km, 2.9) == 1.0
    assert stats.survival_at(km, 4) == 0.875
    assert stats.survival_at(km, 11.99) == pytest.approx(0.6)
    assert stats.survival_at(km, 12) == pytest.approx(0.2)
    assert stats.survival_at(km, 100) == pytest.approx(0.2)


def test_kaplan_meier_without_events_and_empty():
    km = stats.kaplan_meier(pd.Series([182, 365]), pd.Series([False, False]), at=[182])
    assert km["survival"].tolist() == [1.0, 1.0]
    assert km["at_risk"].tolist() == [2, 1]
    empty = stats.kaplan_meier([], [], at=[182])
    assert empty["at_risk"].tolist() == [0]
    assert stats.survival_at(stats.kaplan_meier([], []), 182) is None
    with pytest.raises(ValueError):
        stats.kaplan_meier([1, -2], [True, False])


# --------------------------------------------------------------------------- the optimiser


def _quadratic(points):
    x, y = points[:, 0], points[:, 1]
    return (x - 1.0) ** 2 + 10.0 * (y + 2.0) ** 2 + 3.0 * (x - 1.0) * (y + 2.0)


def test_newton_finds_an_interior_minimum():
    bounds = np.array([[-5.0, 5.0], [-5.0, 5.0]])
    x, value, converged = stats._newton(_quadratic, np.array([4.0, 3.0]), bounds)
    assert converged
    assert x == pytest.approx([1.0, -2.0], abs=1e-7)
    assert value == pytest.approx(0.0, abs=1e-12)


def test_newton_stops_on_the_bound_the_gradient_pushes_against():
    # the unconstrained minimum (1, -2) is outside: y is held at 0, x minimises the rest
    bounds = np.array([[-5.0, 5.0], [0.0, 5.0]])
    x, _value, converged = stats._newton(_quadratic, np.array([4.0, 3.0]), bounds)
    assert converged
    assert x[1] == 0.0
    # d/dx at y = 0: 2 (x - 1) + 6 = 0
    assert x[0] == pytest.approx(-2.0, abs=1e-7)


def test_newton_reaches_a_flat_asymptote_at_the_bound():
    # like the REML surface as lambda -> 0: the value decreases towards the lower bound of x
    bounds = np.array([[-30.0, 15.0], [-6.0, 6.0]])

    def flat(points):
        x, y = points[:, 0], points[:, 1]
        return np.exp(x) + (y - 0.5) ** 2

    # Newton steps alone move x by about -1 per iteration: 30 iterations to the bound
    x, _value, converged = stats._newton(flat, np.array([0.0, 2.0]), bounds, max_iter=10)
    assert converged
    assert x[0] == -30.0
    assert x[1] == pytest.approx(0.5, abs=1e-7)
