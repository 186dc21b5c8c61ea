"""Pharmacy numbers: the department's settings (vial sizes, prices, tolerance), the dose
proposal shown while a weight is typed, and the cost of a recorded infusion.

Plain computation with the pure `belimumab.domain.dosing` functions; no query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from django.utils import timezone

from belimumab.core import plausibility
from belimumab.department import selectors as department
from belimumab.domain import dosing, schedule
from belimumab.domain import plausibility as rules
from belimumab.patients.models import Route
from belimumab.pharmacy.models import Infusion

_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)


# --- settings -------------------------------------------------------------------------------


def setting(name: str, default: Any = None) -> Any:
    """One number of `settings.BELIMUMAB`, or of the department's settings where the department
    owns it (DOMAIN.md: every number is a setting; read once per request)."""
    return department.belimumab().get(name, default)


def vial_sizes() -> tuple[int, ...]:
    return tuple(int(size) for size in setting("VIAL_SIZES_MG"))


def vial_prices(on: date | None = None) -> dict[int, Decimal]:
    """Price of one vial by size (mg) in force on `on` (default: today), exact decimals."""
    return department.prices_on(on or timezone.localdate())


def tolerance_pct() -> Decimal:
    return Decimal(str(setting("ROUNDING_TOLERANCE_PCT", 0)))


# --- dose proposal: weight -> dose, vials, rounding, cost ---------------------------------------


def opened_vials(plan: dosing.VialPlan | None) -> list[tuple[int, int]]:
    """(size, count) of the vials a plan opens, largest first ("1 x 400 + 3 x 120")."""
    if plan is None:
        return []
    return [(size, count) for size, count in reversed(plan.vials) if count]


@dataclass(frozen=True)
class PlanView:
    """A vial plan with what the pharmacist reads beside it (cost, volume, water)."""

    plan: dosing.VialPlan
    cost: Decimal
    waste_cost: Decimal
    volume_ml: Decimal  # reconstituted solution to draw for the dose given with this plan
    given_mg: Decimal

    @property
    def vials(self) -> list[tuple[int, int]]:
        return opened_vials(self.plan)

    @property
    def water(self) -> list[tuple[int, int, Decimal]]:
        """(size, count, water per vial in mL) for every size opened."""
        return [(s, c, dosing.reconstitution_water_ml(s)) for s, c in self.vials]


@dataclass(frozen=True)
class DoseProposal:
    """Everything the form shows once the weight is known (computed, never typed)."""

    route: str
    cycle_index: int
    cycle_label: str
    weight_kg: Decimal | None
    mg_per_kg: int | None
    prescribed_mg: Decimal | None
    covering: PlanView | None
    rounded: PlanView | None
    saving: Decimal
    tolerance_pct: Decimal
    currency: str
    previous_date: date | None
    previous_weight: Decimal | None
    weight_change_pct: Decimal | None
    needs_weight_confirmation: bool

    @property
    def is_iv(self) -> bool:
        return self.route == Route.IV

    @property
    def rounded_under_pct(self) -> Decimal | None:
        return None if self.rounded is None else self.rounded.plan.under_pct

    @property
    def vials_saved(self) -> int:
        if self.covering is None or self.rounded is None:
            return 0
        return self.covering.plan.vial_count - self.rounded.plan.vial_count


def _plan_view(plan: dosing.VialPlan, given_mg: Decimal, on: date | None) -> PlanView:
    prices = vial_prices(on)
    return PlanView(
        plan=plan,
        cost=dosing.plan_cost(plan, prices),
        waste_cost=dosing.waste_cost(plan, prices),
        volume_ml=dosing.volume_to_draw_ml(given_mg, setting("CONCENTRATION_MG_PER_ML")),
        given_mg=given_mg,
    )


def weight_change_pct(weight: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Change of weight since the previous infusion, in percent of the previous weight."""
    if weight is None or previous is None or previous <= 0:
        return None
    return (weight - previous) * _HUNDRED / previous


def dose_proposal(
    *,
    regimen: schedule.Regimen,
    cycle_index: int,
    weight_kg: Decimal | None,
    previous_date: date | None = None,
    previous_weight: Decimal | None = None,
    on: date | None = None,
) -> DoseProposal:
    """Dose of administration `cycle_index` for a weight, with the vial plans and their cost.

    IV: the covering plan (least waste) and, within the department's tolerance, the rounded plan
    that avoids opening a vial, costed at the prices in force on `on` (the infusion's date;
    default today). Raises ValueError when a weight-based dose has no valid weight.
    """
    prescribed = regimen.dose_mg(weight_kg, cycle_index).quantize(_TENTH, ROUND_HALF_UP)
    covering = rounded = None
    saving = Decimal(0)
    if regimen.route == Route.IV:
        sizes = vial_sizes()
        covering_plan = dosing.vial_plan(prescribed, sizes)
        rounded_plan = dosing.rounded_plan(prescribed, sizes, float(tolerance_pct()))
        covering = _plan_view(covering_plan, prescribed, on)
        if rounded_plan is not None:
            rounded = _plan_view(rounded_plan, Decimal(rounded_plan.total_mg), on)
            saving = dosing.saving(covering_plan, rounded_plan, vial_prices(on))
    change = weight_change_pct(weight_kg, previous_weight)
    # the plausibility rule of the forms and the import (a refused weight asks nothing more)
    weight_check = rules.weight(weight_kg, previous_weight, plausibility.limits())
    return DoseProposal(
        route=regimen.route,
        cycle_index=cycle_index,
        cycle_label=schedule.cycle_label(regimen, cycle_index),
        weight_kg=weight_kg,
        mg_per_kg=regimen.mg_per_kg if regimen.fixed_dose_mg is None else None,
        prescribed_mg=prescribed,
        covering=covering,
        rounded=rounded,
        saving=saving,
        tolerance_pct=tolerance_pct(),
        currency=setting("CURRENCY"),
        previous_date=previous_date,
        previous_weight=previous_weight,
        weight_change_pct=change,
        needs_weight_confirmation=rules.needs_confirmation(weight_check, ()),
    )


def prepared_plan(
    dose_mg: Decimal,
    *,
    sizes: tuple[int, ...] | None = None,
    tolerance: Decimal | None = None,
) -> dosing.VialPlan:
    """The vials the department prepares for a dose (IV): the rounded plan where the rounding
    tolerance allows one, else the least-waste covering plan (as the form proposes them).
    `sizes` and `tolerance` default to the department's settings (a caller planning many doses
    reads them once: `vial_sizes()`, `tolerance_pct()`)."""
    return _prepared_plan(
        dose_mg.quantize(_TENTH, ROUND_HALF_UP),
        vial_sizes() if sizes is None else sizes,
        tolerance_pct() if tolerance is None else tolerance,
    )


@lru_cache(maxsize=4096)
def _prepared_plan(dose: Decimal, sizes: tuple[int, ...], tolerance: Decimal) -> dosing.VialPlan:
    """Keyed by every input (settings included): a worklist page asks for the same few hundred
    doses at every request, and each plan is an exhaustive search."""
    rounded = dosing.rounded_plan(dose, sizes, float(tolerance))
    return rounded if rounded is not None else dosing.vial_plan(dose, sizes)


# --- cost of a recorded infusion ------------------------------------------------------------


@dataclass(frozen=True)
class InfusionCost:
    cost: Decimal | None  # None: not priced (SC pens have no price setting)
    waste_mg: Decimal
    waste_cost: Decimal
    saving: Decimal  # money saved by the dose rounding, against the covering plan


def recorded_plan(infusion: Infusion) -> dosing.VialPlan:
    """The vials recorded on an infusion as a domain plan (dose = the prepared dose)."""
    vials = tuple((size, getattr(infusion, f"vials_{size}", 0) or 0) for size in vial_sizes())
    return dosing.VialPlan(dose_mg=infusion.prepared_dose_mg, vials=vials)


def infusion_cost(infusion: Infusion) -> InfusionCost:
    """Drug cost, waste and the saving of rounding, from the vials recorded (IV only), at the
    prices in force on the infusion's date."""
    plan = recorded_plan(infusion)
    if plan.vial_count == 0:
        return InfusionCost(None, Decimal(0), Decimal(0), Decimal(0))
    prices = vial_prices(infusion.date)
    cost = dosing.plan_cost(plan, prices)
    saving = Decimal(0)
    if infusion.prepared_dose_mg < infusion.prescribed_dose_mg:
        covering = dosing.vial_plan(infusion.prescribed_dose_mg, vial_sizes())
        saving = max(Decimal(0), dosing.plan_cost(covering, prices) - cost)
    return InfusionCost(cost, plan.waste_mg, dosing.waste_cost(plan, prices), saving)
