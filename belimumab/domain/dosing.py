"""Intravenous belimumab dosing: dose, vial combination, dose rounding, volumes and cost.

Pure standard-library code (no Django, no pandas): the Django layer reads the department's
settings and passes the numbers in; the defaults come from `belimumab.domain.defaults`.

Clinical source: Benlysta (belimumab) summary of product characteristics (SmPC), sections 4.2
and 6.6, as summarised in DOMAIN.md "The treatment course":

- dose 10 mg/kg of the weight taken at each infusion;
- 120 mg and 400 mg powder vials, reconstituted with 1.5 mL and 4.8 mL of water for injections,
  both giving 80 mg/mL;
- worked example: 70 kg -> 700 mg; 400 + 3 x 120 = 760 mg covers it (60 mg wasted);
  400 + 2 x 120 = 640 mg is 8.57 % under the dose, acceptable only under a 10 % rounding policy.

All quantities are `Decimal` (mg, mL, money) so that doses, waste and cost are exact.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from belimumab.domain import defaults
from belimumab.domain.defaults import (
    CONCENTRATION_MG_PER_ML,
    IV_DOSE_MG_PER_KG,
    ROUNDING_TOLERANCE_PCT,
    VIAL_SIZES_MG,
)

__all__ = [
    "RECONSTITUTION_WATER_ML",
    "VialPlan",
    "dose_for_weight",
    "plan_cost",
    "reconstitution_water_ml",
    "rounded_plan",
    "saving",
    "vial_plan",
    "volume_to_draw_ml",
    "waste_cost",
]

# Water for injections per vial size (SmPC 6.6). Not derivable from the concentration: the 400 mg
# vial takes 4.8 mL (not 5.0 mL) because the powder's displacement volume brings it to 80 mg/mL.
# Not (yet) in defaults.py; a caller with other vial presentations passes its own table.
RECONSTITUTION_WATER_ML: Mapping[int, Decimal] = {
    size: Decimal(ml) for size, ml in defaults.RECONSTITUTION_WATER_ML.items()
}

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def _to_decimal(value: Decimal | int | float | str, name: str) -> Decimal:
    """Return `value` as a finite Decimal (floats go through `str`, so 121.5 stays 121.5)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not a bool")
    result = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def _normalise_sizes(vial_sizes: tuple[int, ...]) -> tuple[int, ...]:
    """Vial sizes (mg) sorted ascending without duplicates; each must be a positive int."""
    sizes = tuple(sorted(set(vial_sizes)))
    if not sizes:
        raise ValueError("at least one vial size is needed")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"vial sizes must be positive integers (mg), got {size!r}")
    return sizes


def _check_dose(dose_mg: Decimal | int) -> Decimal:
    dose = _to_decimal(dose_mg, "dose_mg")
    if dose < 0:
        raise ValueError(f"dose_mg must not be negative, got {dose_mg!r}")
    return dose


def dose_for_weight(weight_kg: Decimal, mg_per_kg: int = IV_DOSE_MG_PER_KG) -> Decimal:
    """Intravenous dose in mg for a weight in kg: weight (kg) x `mg_per_kg` (mg/kg), exact.

    Source: Benlysta SmPC 4.2 (10 mg/kg, the weight taken at each infusion); DOMAIN.md "The
    treatment course". No rounding: 70.5 kg -> 705 mg. Raises ValueError for a weight <= 0.
    """
    weight = _to_decimal(weight_kg, "weight_kg")
    if weight <= 0:
        raise ValueError(f"weight_kg must be positive, got {weight_kg!r}")
    if isinstance(mg_per_kg, bool) or mg_per_kg <= 0:
        raise ValueError(f"mg_per_kg must be positive, got {mg_per_kg!r}")
    return weight * mg_per_kg


@dataclass(frozen=True)
class VialPlan:
    """Vials opened for one dose.

    `dose_mg` is the prescribed dose (mg); `vials` holds `(size_mg, count)` for every available
    size, sorted by size ascending, a count may be 0. A covering plan has `total_mg >= dose_mg`;
    a rounded plan (`rounded_plan`) has `total_mg < dose_mg` and its whole content is given.
    """

    dose_mg: Decimal
    vials: tuple[tuple[int, int], ...]

    @property
    def total_mg(self) -> int:
        """Drug in the vials opened (mg)."""
        return sum(size * count for size, count in self.vials)

    @property
    def vial_count(self) -> int:
        """Number of vials opened."""
        return sum(count for _, count in self.vials)

    @property
    def waste_mg(self) -> Decimal:
        """Drug opened but not given (mg): total - dose, never negative.

        A rounded plan (total below the dose) wastes nothing: 0, so that
        `covering.waste_mg - rounded.waste_mg` is the waste avoided.
        """
        return max(Decimal(0), self.total_mg - self.dose_mg)

    @property
    def shortfall_mg(self) -> Decimal:
        """Drug by which the plan is under the dose (mg): dose - total, 0 for a covering plan."""
        return max(Decimal(0), self.dose_mg - self.total_mg)

    @property
    def under_pct(self) -> Decimal:
        """Percent by which the total is under the dose (0 for a covering plan), not rounded."""
        if self.dose_mg <= 0:
            return Decimal(0)
        return self.shortfall_mg * _HUNDRED / self.dose_mg

    @property
    def covers(self) -> bool:
        """True when the vials hold at least the dose."""
        return self.total_mg >= self.dose_mg

    def count(self, size: int) -> int:
        """Number of vials of `size` mg in the plan (0 for a size the plan does not list)."""
        return next((count for s, count in self.vials if s == size), 0)


def _plan(dose: Decimal, sizes: tuple[int, ...], counts: tuple[int, ...]) -> VialPlan:
    return VialPlan(dose_mg=dose, vials=tuple(zip(sizes, counts, strict=True)))


def _larger_counts(dose: Decimal, larger: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every count of the non-smallest sizes from 0 to ceil(dose / size) (see `vial_plan`)."""
    return itertools.product(*(range(math.ceil(dose / size) + 1) for size in larger))


def _preference(sizes: tuple[int, ...], counts: tuple[int, ...]) -> tuple[int, ...]:
    """Tie-break key, smaller is better: fewest vials, then more of the largest size, ..."""
    return (sum(counts), *(-count for count in reversed(counts)))


def vial_plan(dose_mg: Decimal, vial_sizes: tuple[int, ...] = VIAL_SIZES_MG) -> VialPlan:
    """The vial combination that covers `dose_mg` (mg) with the least waste (mg).

    Ties on waste go to the fewest vials, then to more large vials (largest size first).
    Source: DOMAIN.md "The treatment course" (the pharmacist wants the combination that covers
    the dose with the least waste); vial sizes from the Benlysta SmPC 6.5 (120 and 400 mg).

    Exact by a bounded exhaustive search, valid for any dose (1..5000 mg and beyond):
    - an optimal plan never holds more than ceil(dose / s) vials of a size s: with one more,
      that size alone reaches dose + s, so removing one vial of s would still cover the dose
      with strictly less waste; every count of the non-smallest sizes inside that bound is tried;
    - for fixed counts of the other sizes, the number of smallest vials is the least that covers
      the dose: any more adds waste and vials, so nothing better is skipped.
    With 120 and 400 mg vials a 5000 mg dose tries 14 combinations.
    """
    dose = _check_dose(dose_mg)
    sizes = _normalise_sizes(vial_sizes)
    # the first of the best keys, as the search has always kept; never empty: the all-zero
    # count of the larger sizes is always tried
    _, counts = min(_covering_counts(dose, sizes), key=itemgetter(0))
    return _plan(dose, sizes, counts)


def _covering_counts(
    dose: Decimal, sizes: tuple[int, ...]
) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(sort key, vial counts) of each combination `vial_plan` tries; smaller key is better."""
    smallest, larger = sizes[0], sizes[1:]
    for others in _larger_counts(dose, larger):
        rest = sum(size * count for size, count in zip(larger, others, strict=True))
        n_smallest = max(0, math.ceil((dose - rest) / smallest))
        counts = (n_smallest, *others)
        total = rest + n_smallest * smallest
        yield (total, *_preference(sizes, counts)), counts


def rounded_plan(
    dose_mg: Decimal,
    vial_sizes: tuple[int, ...] = VIAL_SIZES_MG,
    tolerance_pct: float = ROUNDING_TOLERANCE_PCT,
) -> VialPlan | None:
    """The rounded-down dose that avoids opening a vial, within the department's tolerance.

    Among the plans whose total (mg) is below `dose_mg` (mg) but not by more than
    `tolerance_pct` percent (total >= dose x (1 - tolerance / 100), compared exactly), the one
    with the largest total (least deviation); ties: fewest vials, then more large vials. The
    whole content of its vials is given, so it wastes nothing and uses fewer mg than the covering
    plan (`vial_plan`).

    Returns None when the tolerance is 0, when no plan falls within it, or when rounding would
    save nothing: the covering plan already wastes 0 mg (the dose is an exact vial combination,
    rounding would only under-dose).

    Source: DOMAIN.md "The treatment course" (dose rounding where the department allows it,
    e.g. within 5 %; 70 kg -> 700 mg: 640 mg is 8.57 % under, allowed at 10 %, refused at 5 %).
    Exactness: same bounded search as `vial_plan` (a plan under the dose has fewer than
    dose / s vials of any size s; for fixed larger counts the most smallest vials staying under
    the dose give the largest total).
    """
    dose = _check_dose(dose_mg)
    sizes = _normalise_sizes(vial_sizes)
    tolerance = _to_decimal(tolerance_pct, "tolerance_pct")
    if not 0 <= tolerance < _HUNDRED:
        raise ValueError(f"tolerance_pct must be in [0, 100), got {tolerance_pct!r}")
    if tolerance == 0 or dose == 0 or vial_plan(dose, sizes).waste_mg == 0:
        return None
    floor_mg = dose * (1 - tolerance / _HUNDRED)
    smallest, larger = sizes[0], sizes[1:]
    best: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    for others in _larger_counts(dose, larger):
        rest = sum(size * count for size, count in zip(larger, others, strict=True))
        if rest >= dose:
            continue
        # Most smallest vials keeping the total strictly below the dose.
        n_smallest = math.ceil((dose - rest) / smallest) - 1
        counts = (n_smallest, *others)
        total = rest + n_smallest * smallest
        if total < floor_mg or total == 0:
            continue
        key = (-total, *_preference(sizes, counts))
        if best is None or key < best[0]:
            best = (key, counts)
    return None if best is None else _plan(dose, sizes, best[1])


def volume_to_draw_ml(
    dose_mg: Decimal, concentration_mg_per_ml: int = CONCENTRATION_MG_PER_ML
) -> Decimal:
    """Volume of reconstituted solution to draw for a dose: mg / (mg/mL), in mL.

    Rounded to 2 decimals, half up (700 mg at 80 mg/mL -> 8.75 mL). Source: Benlysta SmPC 6.6
    (80 mg/mL once reconstituted); DOMAIN.md "The treatment course".
    """
    dose = _check_dose(dose_mg)
    if concentration_mg_per_ml <= 0:
        raise ValueError(f"concentration must be positive, got {concentration_mg_per_ml!r}")
    return (dose / Decimal(concentration_mg_per_ml)).quantize(_CENT, rounding=ROUND_HALF_UP)


def reconstitution_water_ml(
    size_mg: int, water_ml: Mapping[int, Decimal] = RECONSTITUTION_WATER_ML
) -> Decimal:
    """Water for injections (mL) to reconstitute one vial of `size_mg` mg.

    120 mg -> 1.5 mL, 400 mg -> 4.8 mL (Benlysta SmPC 6.6; DOMAIN.md "The treatment course").
    Raises ValueError for a size the table does not know.
    """
    try:
        return Decimal(water_ml[size_mg])
    except KeyError:
        raise ValueError(f"no reconstitution volume known for a {size_mg} mg vial") from None


def plan_cost(plan: VialPlan, prices: Mapping[int, Decimal | int | float | str]) -> Decimal:
    """Cost of the vials a plan opens: sum of count x price per vial (currency of `prices`).

    `prices` maps vial size (mg) to the price of one vial (floats are read through `str`, so the
    defaults' 121.50 stays exact). Exact, not rounded. Source: DOMAIN.md "The treatment course"
    (price per vial is a setting; UK list prices 121.50 and 405 GBP).
    Raises ValueError when a size the plan opens has no price.
    """
    cost = Decimal(0)
    for size, count in plan.vials:
        if count == 0:
            continue
        if size not in prices:
            raise ValueError(f"no price for the {size} mg vial")
        cost += count * _to_decimal(prices[size], f"price of the {size} mg vial")
    return cost


def waste_cost(plan: VialPlan, prices: Mapping[int, Decimal | int | float | str]) -> Decimal:
    """Cost of the drug wasted: waste (mg) x the plan's average price per mg (cost / total mg).

    Rounded to 0.01 (half up). 0 when nothing is wasted (rounded plans included).
    Source: DOMAIN.md "The treatment course" (the pharmacy wants the waste avoided).
    """
    if plan.total_mg == 0 or plan.waste_mg == 0:
        return Decimal("0.00")
    value = plan.waste_mg * plan_cost(plan, prices) / plan.total_mg
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def saving(
    covering: VialPlan,
    rounded: VialPlan | None,
    prices: Mapping[int, Decimal | int | float | str],
) -> Decimal:
    """Money saved by giving the rounded plan instead of the covering one: cost difference.

    Exact (currency of `prices`); 0 when there is no rounded plan (None).
    Source: DOMAIN.md "The treatment course" (cost per infusion and the waste avoided).
    """
    if rounded is None:
        return Decimal(0)
    return plan_cost(covering, prices) - plan_cost(rounded, prices)
