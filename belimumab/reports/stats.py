"""Cohort statistics of the study: descriptive figures, mixed models, Kaplan-Meier retention.

Pure numpy / scipy / pandas / statsmodels, no Django: callers pass DataFrames or plain sequences and
get plain dicts, dataclasses or DataFrames back (DOMAIN.md, "Statistics the study reports").

Mixed models (time point M0 / M6 / M12 as a categorical fixed effect, M0 the reference, random
intercept per patient, REML), checked against R's ``nlme::lme`` in tests/reports/reference:

- ``ri``: random intercept only: the REML below with phi = 0 (statsmodels ``MixedLM`` for data
  with several values at one time point, and as the cross-check in the tests);
- ``ri_ar1``: the same plus AR(1) correlation of the residuals over the time-point index
  (M0 = 1, M6 = 2, M12 = 3), nlme's ``corAR1(form = ~idx | patient)``. statsmodels cannot express
  it, so it is fitted here by REML with numpy / scipy.

Both report t-tests with nlme's degrees of freedom (a within-patient term gets
n_obs - n_patients - number of within-patient columns, i.e. n_obs - n_patients - 2 here), not the
z-tests statsmodels prints.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from belimumab.domain.response import TIMEPOINTS

STAT_KEYS = ("n", "mean", "sd", "median", "q1", "q3", "min", "max")
# Index of each time point for the AR(1) correlation: consecutive visits are one step apart.
TIMEPOINT_INDEX = {"M0": 1, "M6": 2, "M12": 3}
CONTRASTS = ("M6", "M12")

# Rows of the design matrix per time point: intercept, M6 indicator, M12 indicator.
_DESIGN = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
# Search box of the AR(1) fit: log(tau^2 / sigma^2) and atanh(phi) (|phi| <= 0.99999).
_LOG_LAMBDA_BOUNDS = (-30.0, 15.0)
_ATANH_PHI_BOUNDS = (-6.0, 6.0)
_N_STARTS = 3


# --------------------------------------------------------------------------- descriptive


def _clean(values: Iterable[Any]) -> np.ndarray:
    """Values as floats, without None / NaN / pd.NA / NaT (Decimal and numpy scalars accepted)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        x = values.astype(float)  # a float array: the same values, without a Python loop
        return x[~np.isnan(x)]
    kept = []
    for value in values:
        if value is None or value is pd.NA or value is pd.NaT:
            continue
        number = float(value)
        if not math.isnan(number):
            kept.append(number)
    return np.asarray(kept, dtype=float)


def describe(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """n, mean, sd, variance, median, q1, q3, min, max of the values that are not None / NaN.

    Quartiles by linear interpolation (R ``quantile`` type 7, numpy's default); sd and variance are
    the sample ones (n - 1). n = 0: every figure but n is None; n = 1: sd and variance are None.
    """
    x = _clean(values)
    n = int(x.size)
    out: dict[str, float | int | None] = {key: None for key in STAT_KEYS}
    out["variance"] = None
    out["n"] = n
    if n == 0:
        return out
    q1, median, q3 = (float(q) for q in np.percentile(x, [25, 50, 75]))
    out.update(
        mean=float(x.mean()),
        median=median,
        q1=q1,
        q3=q3,
        min=float(x.min()),
        max=float(x.max()),
    )
    if n > 1:
        variance = float(x.var(ddof=1))
        out["variance"] = variance
        out["sd"] = math.sqrt(variance)
    return out


def count_categories(values: Iterable[Any], categories: Sequence[str]) -> dict[str, int]:
    """How many values equal each category, in the order given (0 for an absent category).

    Values outside ``categories`` (None included) are not counted: pass a "missing" category and
    map missing values to it when they must appear.
    """
    counts = dict.fromkeys(categories, 0)
    if isinstance(values, pd.Series):
        values = values.tolist()  # iterating a pandas string column value by value is slow
    for value in values:
        if value in counts:
            counts[value] += 1
    return counts


# --------------------------------------------------------------------------- mixed models


@dataclass
class Contrast:
    """One fixed effect: estimate, standard error, nlme degrees of freedom, t, two-sided p."""

    estimate: float | None = None
    se: float | None = None
    df: float | None = None
    t: float | None = None
    p: float | None = None


@dataclass
class _Data:
    y: np.ndarray  # values, sorted by patient then index
    idx: np.ndarray  # time-point index 1..3
    group: np.ndarray  # patient code 0..G-1
    n_obs: int
    n_patients: int

    @functools.cached_property
    def fixed_df(self) -> np.ndarray:
        """nlme's degrees of freedom of intercept, M6, M12 (`_nlme_fixed_df`), once per data."""
        return _nlme_fixed_df(self)

    @functools.cached_property
    def patterns(self) -> _Patterns:
        """`_patterns` of the data, shared by both models."""
        return _patterns(self)


def _prepare(df: pd.DataFrame, value: str, patient: str, timepoint: str) -> _Data:
    frame = df[[patient, timepoint, value]].copy()
    frame[value] = pd.to_numeric(frame[value], errors="coerce")
    frame = frame[frame[value].notna() & frame[patient].notna()]
    labels = frame[timepoint].astype(str)
    # position in TIMEPOINTS, -1 for another label (one hash lookup, not a per-value map)
    codes = pd.Index(TIMEPOINTS).get_indexer(labels).astype(np.int64)
    if np.any(codes < 0):
        unknown = sorted(set(labels[codes < 0]))
        raise ValueError(f"unknown time point(s) {unknown}: expected one of {TIMEPOINTS}")
    idx = codes + 1
    group, _ = pd.factorize(frame[patient], sort=True)
    order = np.lexsort((idx, group))
    return _Data(
        y=frame[value].to_numpy(dtype=float)[order],
        idx=idx[order],
        group=np.asarray(group, dtype=np.int64)[order],
        n_obs=len(frame),
        n_patients=int(group.max()) + 1 if len(frame) else 0,
    )


def _result(data: _Data, error: str | None = None) -> dict[str, Any]:
    """The shape every fit returns; estimates null until filled (an unfittable model stays so)."""
    return {
        "n_obs": data.n_obs,
        "n_patients": data.n_patients,
        "M6": asdict(Contrast()),
        "M12": asdict(Contrast()),
        "intercept": asdict(Contrast()),
        "sigma": None,
        "tau": None,
        "phi": None,
        "loglik": None,
        "error": error,
    }


def _nlme_fixed_df(data: _Data) -> np.ndarray:
    """Degrees of freedom of intercept, M6, M12 by nlme's rule (``nlme:::getFixDF``).

    A column that varies within at least one patient is a within-patient term and gets
    n_obs - n_patients - (number of within-patient columns); another gets
    n_patients - (number of between-patient columns) - 1; the intercept gets the larger of the two.
    """
    x = _DESIGN[data.idx - 1]
    per_patient = np.bincount(data.group, minlength=data.n_patients)
    inner = np.zeros(3, dtype=bool)
    for j in (1, 2):
        # the column is 0 or 1: it varies within a patient who has some but not all rows at 1
        ones = np.bincount(data.group, weights=x[:, j], minlength=data.n_patients)
        inner[j] = bool(np.any((ones > 0) & (ones < per_patient)))
    df_within = data.n_obs - data.n_patients - int(inner.sum())
    df_between = data.n_patients - int((~inner[1:]).sum()) - 1
    out = np.where(inner, float(df_within), float(df_between))
    out[0] = float(max(df_within, df_between))
    return out


def _problem(data: _Data) -> str | None:
    """Why the model cannot be fitted on these data, or None."""
    if data.n_obs == 0:
        return "no data"
    missing = [tp for tp in TIMEPOINTS if not np.any(data.idx == TIMEPOINT_INDEX[tp])]
    if missing:
        return f"no data at {', '.join(missing)}"
    if np.any(data.fixed_df[1:] <= 0):
        return "no degrees of freedom left"
    # Values equal within every time point leave no variance to split between patient and noise.
    means = np.bincount(data.idx, weights=data.y) / np.maximum(np.bincount(data.idx), 1)
    spread = float(np.sum((data.y - means[data.idx]) ** 2))
    if spread <= 1e-20 * max(float(np.sum(data.y**2)), 1e-300):
        return "no variation within time points"
    return None


def _fill(
    out: dict[str, Any], data: _Data, beta: np.ndarray, cov: np.ndarray, **extra: Any
) -> dict[str, Any]:
    dfs = data.fixed_df
    se = np.sqrt(np.diag(cov))
    for j, key in enumerate(("intercept", *CONTRASTS)):
        t = beta[j] / se[j] if se[j] > 0 else math.nan
        # Student's t survival function: scipy.stats.t.sf(x, df) is special.stdtr(df, -x), without
        # importing scipy.stats (a second per process start of the command)
        p = 2.0 * special.stdtr(dfs[j], -abs(t)) if math.isfinite(t) else math.nan
        out[key] = asdict(
            Contrast(
                estimate=float(beta[j]),
                se=float(se[j]),
                df=float(dfs[j]),
                t=_finite(t),
                p=_finite(p),
            )
        )
    out.update({k: _finite(v) for k, v in extra.items()})
    return out


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


# ---- random intercept: the vectorised REML below with phi = 0, statsmodels MixedLM otherwise


def fit_ri(
    df: pd.DataFrame, value: str = "value", patient: str = "patient", timepoint: str = "timepoint"
) -> dict[str, Any]:
    """Random-intercept model by REML, t-tests with nlme's df.

    With one value per patient and time point (the cohort's case) the REML of ``fit_ri_ar1`` with
    phi fixed at 0 is maximised over log(tau^2 / sigma^2): V_i = sigma^2 (lambda J + I) is the
    random-intercept model, vectorised over patterns of visits, so its cost does not grow with
    the cohort. statsmodels ``MixedLM`` (which loops over patients in Python, too slow for a large
    cohort) fits the other data (several values at one time point) and is the cross-check in the
    tests. Either way
    the standard errors come from (X' V^-1 X)^-1 at the REML variance components, as nlme does.
    """
    return _fit_ri(_prepare(df, value, patient, timepoint), df, value, patient, timepoint)


def _fit_ri(
    data: _Data, df: pd.DataFrame, value: str, patient: str, timepoint: str
) -> dict[str, Any]:
    """`fit_ri` on prepared data (`df` and its columns for the statsmodels case)."""
    out = _result(data, _problem(data))
    if out["error"]:
        return out
    if pd.Series(data.group * 4 + data.idx).duplicated().any():
        return fit_ri_statsmodels(df, value=value, patient=patient, timepoint=timepoint)
    patterns = data.patterns

    def objective(log_lams: np.ndarray) -> np.ndarray:
        thetas = np.column_stack([log_lams[:, 0], np.zeros(len(log_lams))])
        return _neg_loglik(thetas, patterns, data.n_obs)

    # A grid one unit apart over the whole box in one call, then Newton from its best point (an
    # interior optimum, or the lower bound when the random intercept vanishes).
    low, high = _LOG_LAMBDA_BOUNDS
    grid = np.arange(low, high + 0.5, 1.0)[:, None]
    values = objective(grid)
    if not np.any(np.isfinite(values)):
        out["error"] = "the REML optimisation failed"
        return out
    k = int(np.argmin(values))
    best, least, converged = _newton(objective, grid[k], np.array([_LOG_LAMBDA_BOUNDS]))
    if not converged:
        res = optimize.minimize_scalar(
            lambda a: float(objective(np.array([[a]]))[0]),
            bounds=(grid[max(k - 1, 0), 0], grid[min(k + 1, len(grid) - 1), 0]),
            method="bounded",
            options={"xatol": 1e-10, "maxiter": 500},
        )
        if res.fun < least:
            best = np.array([res.x])
    return _fill_reml(out, data, patterns, np.array([best[0], 0.0]), with_phi=False)


def fit_ri_statsmodels(
    df: pd.DataFrame, value: str = "value", patient: str = "patient", timepoint: str = "timepoint"
) -> dict[str, Any]:
    """Random-intercept model by REML with statsmodels ``MixedLM``, t-tests with nlme's df.

    The standard errors are recomputed from (X' V^-1 X)^-1 at the REML variance components, as
    nlme does (statsmodels takes them from the joint Hessian), and the p-values from Student's t.
    """
    from statsmodels.regression.mixed_linear_model import MixedLM

    data = _prepare(df, value, patient, timepoint)
    out = _result(data, _problem(data))
    if out["error"]:
        return out
    x = _DESIGN[data.idx - 1]
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MixedLM(data.y, x, groups=data.group)
        # BFGS with a tight gradient tolerance meets nlme to ~1e-10; statsmodels' default L-BFGS
        # stops ~1e-5 away and sometimes fails on a singular step: kept as fallbacks.
        for method, options in (("bfgs", {"gtol": 1e-10}), ("lbfgs", {}), ("powell", {})):
            try:
                res = model.fit(reml=True, method=method, maxiter=2000, **options)
            except (np.linalg.LinAlgError, ValueError):
                continue
            if not np.isfinite(res.llf):
                continue
            if best is None or res.llf > best.llf + 1e-9:
                best = res
            if res.converged:
                break
    if best is None:
        out["error"] = "the random-intercept model did not converge"
        return out
    sigma2 = float(best.scale)
    tau2 = max(float(np.asarray(best.cov_re)[0, 0]), 0.0)
    if sigma2 <= 0:
        out["error"] = "no residual variance"
        return out
    beta = np.asarray(best.fe_params, dtype=float)
    # V_i^-1 = (I - tau^2 / (sigma^2 + n_i tau^2) J) / sigma^2, summed over patients without a loop.
    n_i = np.bincount(data.group).astype(float)
    xsum = np.stack([np.bincount(data.group, weights=x[:, j]) for j in range(3)], axis=1)
    shrink = tau2 / (sigma2 + n_i * tau2)
    xtvx = (x.T @ x - (xsum * shrink[:, None]).T @ xsum) / sigma2
    cov = np.linalg.inv(xtvx)
    return _fill(
        out,
        data,
        beta,
        cov,
        sigma=math.sqrt(sigma2),
        tau=math.sqrt(tau2),
        loglik=float(best.llf),
    )


# ---- random intercept + AR(1): REML by hand, vectorised over patterns of observed visits


@dataclass
class _Patterns:
    """Patients grouped by their pattern of observed time points (at most 7), stacked.

    Patients sharing a pattern enter only through their count, mean vector and centred scatter.
    Unobserved time points are padded so that every pattern is a 3 x 3 problem: identity in V,
    zero design rows and zero data, which changes neither log|V|, X'V^-1X, X'V^-1y nor r'V^-1r.
    """

    observed: np.ndarray  # (m, 3, 3) True where both time points are observed
    x: np.ndarray  # (m, 3, 3) design rows, zero where not observed
    n: np.ndarray  # (m,) number of patients
    ybar: np.ndarray  # (m, 3) mean value vectors, zero where not observed
    scatter: np.ndarray  # (m, 3, 3) centred cross-product sums


_LAG = np.abs(np.arange(3)[:, None] - np.arange(3)[None, :]).astype(float)


def _patterns(data: _Data) -> _Patterns:
    wide = np.full((data.n_patients, 3), np.nan)
    wide[data.group, data.idx - 1] = data.y
    seen = ~np.isnan(wide)
    codes = seen @ np.array([1, 2, 4])
    uniq, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    filled = np.where(seen, wide, 0.0)
    # Per-pattern means and centred scatter, summed over patients without a loop.
    sums = np.zeros((len(uniq), 3))
    np.add.at(sums, inverse, filled)
    ybar = sums / counts[:, None]
    centred = filled - ybar[inverse]
    scatter = np.zeros((len(uniq), 3, 3))
    np.add.at(scatter, inverse, centred[:, :, None] * centred[:, None, :])
    obs = ((uniq[:, None] >> np.arange(3)) & 1).astype(bool)
    return _Patterns(
        observed=obs[:, :, None] & obs[:, None, :],
        x=_DESIGN[None, :, :] * obs[:, :, None],
        n=counts.astype(float),
        ybar=ybar,
        scatter=scatter,
    )


def _reml_terms(thetas: np.ndarray, pat: _Patterns, n_obs: int) -> dict[str, np.ndarray]:
    """Profiled REML of V_i = sigma^2 (lambda J + R_i(phi)) at each row of `thetas`
    (k x 2: log lambda, atanh phi), all rows at once: arrays of k values, loglik NaN where a
    matrix is not positive definite (and then only loglik, computed row by row). The same value
    as nlme's REML log-likelihood (tests)."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    lam = np.exp(thetas[:, 0])
    phi = np.tanh(thetas[:, 1])
    k = len(thetas)
    # (k, m, 3, 3): one 3 x 3 matrix per theta and pattern
    w = np.where(
        pat.observed[None],
        lam[:, None, None, None] + phi[:, None, None, None] ** _LAG,
        np.eye(3),
    )
    dof = n_obs - 3
    loglik = np.full(k, np.nan)
    try:
        chol = np.linalg.cholesky(w)
    except np.linalg.LinAlgError:
        if k == 1:
            return {"loglik": loglik}
        # one matrix is not positive definite: the log-likelihoods of the others one by one
        parts = [_reml_terms(theta[None], pat, n_obs)["loglik"] for theta in thetas]
        return {"loglik": np.concatenate(parts)}
    w_inv = np.linalg.inv(w)
    logdet = 2.0 * (np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1) @ pat.n)
    xtw = np.swapaxes(pat.x, 1, 2)[None] @ w_inv  # (k, m, 3, 3)
    xtwx = np.einsum("m,kmij->kij", pat.n, xtw @ pat.x[None])
    xtwy = np.einsum("m,kmi->ki", pat.n, (xtw @ pat.ybar[None, :, :, None])[..., 0])
    ok = np.linalg.det(xtwx) > 0
    beta = np.linalg.solve(xtwx, xtwy[..., None])[..., 0]  # (k, 3)
    r = pat.ybar[None] - (pat.x[None] @ beta[:, None, :, None])[..., 0]  # (k, m, 3)
    quad = np.einsum("kmij,mij->k", w_inv, pat.scatter)
    quad += np.einsum("m,kmi,kmi->k", pat.n, (w_inv @ r[..., None])[..., 0], r)
    ok &= quad > 0
    if dof > 0 and np.any(ok):
        sigma2 = np.where(ok, quad, 1.0) / dof
        sign, logdet_a = np.linalg.slogdet(xtwx)
        ok &= sign > 0
        value = -0.5 * (dof * (np.log(2 * math.pi * sigma2) + 1.0) + logdet + logdet_a)
        loglik = np.where(ok, value, np.nan)
    else:
        sigma2 = np.full(k, np.nan)
    return {"loglik": loglik, "beta": beta, "xtwx": xtwx, "sigma2": sigma2, "lam": lam, "phi": phi}


def _reml_ar1(theta: np.ndarray, pat: _Patterns, n_obs: int) -> dict[str, Any] | None:
    """`_reml_terms` at one theta, with the covariance of beta; None when it is not defined."""
    terms = _reml_terms(np.asarray(theta, dtype=float)[None], pat, n_obs)
    if not np.isfinite(terms["loglik"][0]):
        return None
    return {
        "loglik": float(terms["loglik"][0]),
        "beta": terms["beta"][0],
        "cov": terms["sigma2"][0] * np.linalg.inv(terms["xtwx"][0]),
        "sigma2": float(terms["sigma2"][0]),
        "lam": float(terms["lam"][0]),
        "phi": float(terms["phi"][0]),
    }


def _neg_loglik(thetas: np.ndarray, pat: _Patterns, n_obs: int) -> np.ndarray:
    """-REML log-likelihood at each row of `thetas`, +inf where it is not defined."""
    loglik = _reml_terms(thetas, pat, n_obs)["loglik"]
    return np.where(np.isfinite(loglik), -loglik, np.inf)


def _stencil(d: int) -> np.ndarray:
    """Offsets of the central differences of a gradient and Hessian in d dimensions:
    +e_i, -e_i, then +(e_i + e_j), -(e_i + e_j) for i < j."""
    eye = np.eye(d)
    pairs = [eye[i] + eye[j] for i in range(d) for j in range(i + 1, d)]
    return np.array(
        [row for i in range(d) for row in (eye[i], -eye[i])]
        + [row for pair in pairs for row in (pair, -pair)]
    )


# Damping of the Newton step, relative to the largest curvature: every candidate is tried at once.
_DAMPING = np.concatenate([[0.0], np.logspace(-6, 3, 10)])


def _newton(
    objective, start: np.ndarray, bounds: np.ndarray, *, h: float = 1e-4, max_iter: int = 100
) -> tuple[np.ndarray, float, bool]:
    """Minimise `objective` (k x d points -> k values) from `start` within `bounds` (d x 2).

    Newton steps on central finite differences, every difference of an iteration evaluated in one
    vectorised call; the step is damped Levenberg-Marquardt style on |eigenvalues| of the Hessian
    (so a saddle or a flat ridge gives a descent step) and the best of all dampings, evaluated in a
    second call, is kept. Stops when no damping improves the value or the step is below 1e-10.
    Returns the point, its value and whether it stopped before `max_iter`.
    """
    d = len(start)
    offsets = _stencil(d) * h
    x = np.clip(np.asarray(start, dtype=float), bounds[:, 0], bounds[:, 1])
    fx = float(objective(x[None])[0])
    if not np.isfinite(fx):
        return x, fx, False
    for _ in range(max_iter):
        values = objective(x + offsets)
        if not np.all(np.isfinite(values)):
            return x, fx, False
        plus, minus = values[0 : 2 * d : 2], values[1 : 2 * d : 2]
        grad = (plus - minus) / (2 * h)
        hess = np.diag((plus - 2 * fx + minus) / h**2)
        k = 2 * d
        for i in range(d):
            for j in range(i + 1, d):
                both_plus, both_minus = values[k], values[k + 1]
                k += 2
                hess[i, j] = hess[j, i] = (
                    both_plus - plus[i] - plus[j] + 2 * fx - minus[i] - minus[j] + both_minus
                ) / (2 * h**2)
        # Coordinates on a bound that the gradient pushes outwards stay there (projected Newton).
        held = ((x <= bounds[:, 0]) & (grad > 0)) | ((x >= bounds[:, 1]) & (grad < 0))
        free = np.flatnonzero(~held)
        if not len(free):
            return x, fx, True
        eigenvalues, vectors = np.linalg.eigh(hess[np.ix_(free, free)])
        curvature = np.abs(eigenvalues)
        scale = max(float(curvature.max()), 1e-12)
        along = vectors.T @ grad[free]
        steps = np.zeros((len(_DAMPING) + len(free), d))
        for row, mu in enumerate(_DAMPING):
            steps[row, free] = -vectors @ (along / np.maximum(curvature + mu * scale, 1e-300))
        # ... and a jump of each free coordinate to the bound it descends to: the REML surface
        # flattens towards lambda = 0 and phi = +-1, which Newton steps approach only slowly.
        for row, c in enumerate(free, start=len(_DAMPING)):
            steps[row, c] = (bounds[c, 0] if grad[c] > 0 else bounds[c, 1]) - x[c]
        candidates = np.clip(x + steps, bounds[:, 0], bounds[:, 1])
        tried = objective(candidates)
        best = int(np.argmin(tried))
        if not tried[best] < fx:
            return x, fx, True
        moved = float(np.max(np.abs(candidates[best] - x)))
        x, fx = candidates[best], float(tried[best])
        if moved < 1e-10:
            return x, fx, True
    return x, fx, False


def fit_ri_ar1(
    df: pd.DataFrame, value: str = "value", patient: str = "patient", timepoint: str = "timepoint"
) -> dict[str, Any]:
    """Random intercept + AR(1) residuals over the time-point index, by REML (numpy / scipy).

    Patients are grouped by their pattern of observed time points (at most 7 with 3 time points):
    V^-1 and log|V| are computed once per pattern and the data enter through per-pattern means and
    scatter matrices, so the cost of an evaluation does not grow with the number of patients.
    sigma^2 is profiled out; (log(tau^2/sigma^2), atanh(phi)) is optimised from several starts.
    """
    return _fit_ri_ar1(_prepare(df, value, patient, timepoint))


def _fit_ri_ar1(data: _Data) -> dict[str, Any]:
    """`fit_ri_ar1` on prepared data."""
    out = _result(data, _problem(data))
    if out["error"]:
        return out
    if pd.Series(data.group * 4 + data.idx).duplicated().any():
        out["error"] = "a patient has two values at the same time point"
        return out
    patterns = data.patterns

    def objective(thetas: np.ndarray) -> np.ndarray:
        return _neg_loglik(thetas, patterns, data.n_obs)

    # Multi-start: the local minima of a coarse grid (the REML surface can have a second mode,
    # e.g. phi < 0 against a large random intercept), best first, evaluated in one call.
    log_lams, zs = np.linspace(-6.0, 4.0, 6), np.linspace(-2.5, 2.5, 11)
    points = np.array([[a, b] for a in log_lams for b in zs])
    grid = objective(points).reshape(len(log_lams), len(zs))
    padded = np.pad(grid, 1, constant_values=np.inf)
    neighbours = np.stack(
        [
            padded[1 + di : 1 + di + grid.shape[0], 1 + dj : 1 + dj + grid.shape[1]]
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            if di or dj
        ]
    )
    local = np.argwhere((grid <= neighbours.min(axis=0)) & np.isfinite(grid))
    minima = sorted(local.tolist(), key=lambda ij: grid[ij[0], ij[1]])[:_N_STARTS]
    starts = [np.array([log_lams[i], zs[j]]) for i, j in minima]
    bounds = np.array([_LOG_LAMBDA_BOUNDS, _ATANH_PHI_BOUNDS])
    best_theta, best_value = None, math.inf
    for start in starts:
        theta, value, converged = _newton(objective, start, bounds)
        if not converged:
            # Nelder-Mead, derivative-free, from where Newton stopped: slower (one evaluation
            # per call) but it does not need a smooth surface.
            res = optimize.minimize(
                lambda t: float(objective(t[None])[0]),
                theta,
                method="Nelder-Mead",
                bounds=[tuple(b) for b in bounds],
                options={"xatol": 1e-9, "fatol": 1e-13 * max(1.0, abs(value)), "maxiter": 2000},
            )
            if res.fun < value:
                theta, value = res.x, float(res.fun)
        if np.isfinite(value) and value < best_value:
            best_theta, best_value = theta, value
    if best_theta is None:
        out["error"] = "the REML optimisation failed"
        return out
    return _fill_reml(out, data, patterns, best_theta, with_phi=True)


def _fill_reml(
    out: dict[str, Any], data: Any, patterns: Any, theta: np.ndarray, *, with_phi: bool
) -> dict[str, Any]:
    """The estimates of the REML fit at `theta` into `out` (or the error when it fails)."""
    fit = _reml_ar1(theta, patterns, data.n_obs)
    if fit is None:
        out["error"] = "the REML optimisation failed"
        return out
    sigma2 = fit["sigma2"]
    extra = {"sigma": math.sqrt(sigma2), "tau": math.sqrt(fit["lam"] * sigma2)}
    if with_phi:
        extra["phi"] = fit["phi"]
    extra["loglik"] = fit["loglik"]
    return _fill(out, data, fit["beta"], fit["cov"], **extra)


def fit_models(
    df: pd.DataFrame, value: str = "value", patient: str = "patient", timepoint: str = "timepoint"
) -> dict[str, dict[str, Any]]:
    """Both models of the study on one long dataset (patient, time point, value), the data
    prepared once for both."""
    data = _prepare(df, value, patient, timepoint)
    return {
        "ri_ar1": _fit_ri_ar1(data),
        "ri": _fit_ri(data, df, value, patient, timepoint),
    }


# --------------------------------------------------------------------------- Kaplan-Meier


KM_COLUMNS = ("time", "at_risk", "events", "censored", "survival")


def kaplan_meier(
    durations_days: Sequence[float], events: Sequence[bool], at: Sequence[float] = ()
) -> pd.DataFrame:
    """Kaplan-Meier estimate, one row per distinct observed time and per time asked in ``at``.

    ``events[i]`` is True when the event (a stop of belimumab, for retention) happened at
    ``durations_days[i]``, False when the patient is censored then (still treated at the last
    news). At a time with both, events come first: the censored are still at risk. ``at_risk`` is
    the number with a duration >= time; ``survival`` the estimate just after time (right
    continuous). A time of ``at`` with no observation gets a row with 0 events and 0 censored.
    """
    t = np.asarray(durations_days, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape:
        raise ValueError("durations_days and events must have the same length")
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("durations must be finite and >= 0")
    times = np.unique(np.concatenate([t, np.asarray(at, dtype=float)]))
    sorted_t = np.sort(t)
    at_risk = len(t) - np.searchsorted(sorted_t, times, side="left")
    # events and censored at each time: every duration is one of `times`
    position = np.searchsorted(times, t)
    n_events = np.bincount(position[e], minlength=len(times)).astype(int)
    n_censored = np.bincount(position[~e], minlength=len(times)).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - n_events / np.maximum(at_risk, 1), 1.0)
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(int),
            "events": n_events,
            "censored": n_censored,
            "survival": np.cumprod(factor),
        },
        columns=list(KM_COLUMNS),
    )


def survival_at(km: pd.DataFrame, t: float) -> float | None:
    """S(t) from a ``kaplan_meier`` table: 1 before the first event, the last estimate after the
    last observed time (Kaplan-Meier says nothing beyond it); None for an empty table."""
    if km.empty:
        return None
    before = km[km["time"] <= t]
    if before.empty:
        return 1.0
    return float(before["survival"].iloc[-1])
