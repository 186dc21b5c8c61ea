"""Waste in money (issue 14): the drug opened but not given and what the rounding policy saved,
per calendar month of the infusion, in the department's currency. No ORM, no Django: it reads
the dataset's costed infusions (`dataset._costed_infusions`: vials opened, with the least-waste
plan of the prepared dose where none were recorded, and their cost at the prices in force on
the infusion's date).

Per intravenous infusion (DOMAIN.md "The treatment course"):
- opened (mg) = 120 x vials_120 + 400 x vials_400; given (mg) = the prepared dose (what the bag
  held: the dose actually administered);
- wasted (mg) = opened - given, never below 0 (the report's `waste_mg`);
- cost of the drug wasted = wasted mg x the infusion's price per opened mg (cost of its vials /
  mg opened), rounded to the cent half up: `domain.dosing.waste_cost`, the figure the
  pharmacy's patient panel shows for the same infusion. mg-weighted rather than per vial: the
  drug left over is the remainder of whichever vial the preparer drew last, a choice nobody
  records, so a per-vial price would cost the same waste two ways; at the list prices (121.50
  per 120 mg, 405 per 400 mg: 1.0125 per mg for both) the two readings agree anyway;
- saved by rounding = cost of the vials the exact prescribed dose needs (the least-waste covering
  plan of `prescribed_dose_mg`, the regimen's 10 mg/kg x the weight of the day, unrounded:
  `domain.dosing.vial_plan`) - cost of the vials actually opened, both at the prices in force on
  the infusion's date, rounded to the cent. Positive where the department's tolerance let the
  pharmacist give the whole content of fewer vials (700 mg -> 400 + 2 x 120: 729 - 648 = 81);
  0 where the vials opened are those the exact dose needs; negative where more was opened than
  the exact dose needs (a costlier combination, a dose prepared above the prescription). It
  counts every infusion, so a month shows the net; the report's `cost_avoided` stays as it was
  (rounded infusions only, never below 0).

Subcutaneous pens are single-dose: nothing is opened and left over, so they waste nothing and
are not in these figures (counted apart as `sc_administrations`).

Months run from the first to the last month with an intravenous infusion (a month without one
is listed with zeros, so that the chart's axis has no hole); nothing after the cut-off: the
dataset holds no infusion after `as_of`, and a hand-built one is cut here too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from belimumab.reports.dataset import Params, prices_on_dates
from belimumab.reports.joins import float_vial_plan

# The figures of a month, in the report's order (the total has the same keys).
MONTH_FIGURES = (
    "iv_infusions",
    "opened_mg",
    "given_mg",
    "waste_mg",
    "waste_cost",
    "rounded_infusions",
    "rounding_saved",
)
MONEY = ("waste_cost", "rounding_saved")


def cents(values: Any) -> np.ndarray:
    """Money rounded to the cent, half away from zero (as `Decimal.quantize(ROUND_HALF_UP)`);
    the float noise of a product (60 x 769.5 / 760 = 60.749999...) is rounded off first."""
    amounts = np.asarray(values, dtype="float64")
    scaled = np.round(np.abs(amounts) * 100, 6)
    return np.sign(amounts) * np.floor(scaled + 0.5) / 100


def infusion_waste(infusions: pd.DataFrame, params: Params, as_of: date) -> pd.DataFrame:
    """The intravenous infusions on or before `as_of` with their `month` (months since January
    1970), `waste_cost` and `rounding_saved` (see the module docstring)."""
    cut = pd.Timestamp(as_of)
    iv = infusions[(infusions["route"] == "iv") & (infusions["date"] <= cut)].copy()
    opened = iv["opened_mg"].to_numpy(dtype="float64")
    cost = iv["cost"].to_numpy(dtype="float64")
    waste = iv["waste_mg"].to_numpy(dtype="float64")
    per_mg = np.divide(cost, opened, out=np.zeros(len(iv)), where=opened > 0)
    iv["waste_cost"] = cents(waste * per_mg)
    # the exact dose's plan, once per distinct dose (a cohort has a few hundred)
    plans = {
        dose: float_vial_plan(dose, params.vial_sizes)
        for dose in iv["prescribed_dose_mg"].unique().tolist()
    }
    exact_cost = np.zeros(len(iv))
    for size in (120, 400):
        per_dose = {dose: plan.count(size) for dose, plan in plans.items()}
        counts = iv["prescribed_dose_mg"].map(per_dose).to_numpy(dtype="float64")
        exact_cost += counts * prices_on_dates(params, size, iv["date"])
    iv["rounding_saved"] = cents(exact_cost - cost)
    # months since January 1970 (numpy's datetime64[M]): 0.1 s cheaper than strftime at
    # 300,000 infusions
    iv["month"] = iv["date"].to_numpy().astype("datetime64[M]").astype("int64")
    return iv


def _figures(sums: pd.Series) -> dict[str, Any]:
    """The figures of a month (or of the total) from its column sums."""
    return {
        "iv_infusions": int(sums["iv_infusions"]),
        "opened_mg": float(sums["opened_mg"]),
        "given_mg": round(float(sums["prepared_dose_mg"]), 1),
        "waste_mg": round(float(sums["waste_mg"]), 1),
        "waste_cost": round(float(sums["waste_cost"]), 2),
        "rounded_infusions": int(sums["rounded"]),
        "rounding_saved": round(float(sums["rounding_saved"]), 2),
    }


_SUMMED = ["opened_mg", "prepared_dose_mg", "waste_mg", "waste_cost", "rounded", "rounding_saved"]


def waste_by_month(infusions: pd.DataFrame, params: Params, as_of: date) -> dict[str, Any]:
    """`{"months": [{"month": "YYYY-MM", <MONTH_FIGURES>}, ...], "total": {<MONTH_FIGURES>}}`
    of the intravenous infusions on or before `as_of` (the report's `drug_cost.waste_by_month`)."""
    iv = infusion_waste(infusions, params, as_of)
    values = iv[_SUMMED].astype("float64").assign(iv_infusions=1.0)
    total = values.sum()
    months: list[dict[str, Any]] = []
    if len(iv):
        key = iv["month"].to_numpy()
        span = np.arange(key.min(), key.max() + 1)
        # one grouped sum; the months without an infusion get zeros
        sums = values.groupby(key).sum().reindex(span, fill_value=0.0)
        # plain dicts rather than `iterrows` (a Series built per month, ten years of months)
        months = [
            {"month": str(np.datetime64(int(month), "M")), **_figures(row)}
            for month, row in zip(sums.index, sums.to_dict("records"), strict=True)
        ]
    return {"months": months, "total": _figures(total)}
