"""Dosing: dose by weight, vial plans, dose rounding, volumes and cost (hand-checked tables)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from belimumab.domain.defaults import VIAL_PRICES
from belimumab.domain.dosing import (
    RECONSTITUTION_WATER_ML,
    VialPlan,
    dose_for_weight,
    plan_cost,
    reconstitution_water_ml,
    rounded_plan,
    saving,
    vial_plan,
    volume_to_draw_ml,
    waste_cost,
)

D = Decimal
ZERO = D(0)
UK_PRICES = {120: D("121.50"), 400: D("405")}


def plan_of(dose: int | str, n120: int, n400: int) -> VialPlan:
    return VialPlan(D(dose), ((120, n120), (400, n400)))


# --- dose by weight -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "mg_per_kg", "expected"),
    [
        (D("52"), 10, D("520")),
        (D("104"), 10, D("1040")),
        (D("70"), 10, D("700")),
        (D("70.5"), 10, D("705")),
        (D("52.3"), 10, D("523")),
        (D("38.7"), 10, D("387")),
        (D("70"), 5, D("350")),
        (70, 10, D("700")),
        (70.1, 10, D("701")),  # a float is read through str: exactly 701, not 700.99999...
    ],
)
def test_dose_for_weight(weight: Decimal, mg_per_kg: int, expected: Decimal) -> None:
    assert dose_for_weight(weight, mg_per_kg) == expected


def test_dose_for_weight_default_is_10_mg_per_kg() -> None:
    assert dose_for_weight(D("61.4")) == D("614")


@pytest.mark.parametrize(("weight", "mg_per_kg"), [(D(0), 10), (D(-70), 10), (D(70), 0)])
def test_dose_for_weight_rejects_non_positive(weight: Decimal, mg_per_kg: int) -> None:
    with pytest.raises(ValueError):
        dose_for_weight(weight, mg_per_kg)


# --- vial plan ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "n120", "n400", "waste"),
    [
        # (dose mg, 120 mg vials, 400 mg vials, waste mg), each checked by hand.
        ("1", 1, 0, "119"),
        ("100", 1, 0, "20"),
        ("120", 1, 0, "0"),
        ("121", 2, 0, "119"),  # 240 beats 400
        ("360", 3, 0, "0"),
        ("361", 0, 1, "39"),  # 400 beats 480
        ("480", 4, 0, "0"),  # 480 exact beats 400 + 120 = 520
        ("500", 1, 1, "20"),
        ("520", 1, 1, "0"),  # 52 kg
        ("700", 6, 0, "20"),  # 70 kg: 720 wastes 20, less than 400 + 3 x 120 = 760 (60)
        ("705", 6, 0, "15"),  # 70.5 kg
        ("750", 3, 1, "10"),  # 760 beats 6 x 120 = 720 (not covering) and 7 x 120 = 840
        ("800", 0, 2, "0"),
        ("1000", 5, 1, "0"),
        ("1040", 2, 2, "0"),  # 104 kg
        ("1200", 0, 3, "0"),  # exact both ways: 3 vials beat 10 vials
        ("2400", 0, 6, "0"),  # exact both ways: 6 vials beat 20
        ("5000", 5, 11, "0"),  # 600 + 4400
    ],
)
def test_vial_plan_hand_checked(dose: str, n120: int, n400: int, waste: str) -> None:
    plan = vial_plan(D(dose))
    assert plan.vials == ((120, n120), (400, n400))
    assert plan.count(120) == n120
    assert plan.count(400) == n400
    assert plan.vial_count == n120 + n400
    assert plan.total_mg == 120 * n120 + 400 * n400
    assert plan.waste_mg == D(waste)
    assert plan.covers
    assert plan.under_pct == 0
    assert plan.dose_mg == D(dose)


def test_worked_example_70_kg() -> None:
    """DOMAIN.md: 70 kg -> 700 mg; 400 + 3 x 120 = 760 covers it with 60 mg wasted (a covering
    plan, though not the least waste: 6 x 120 = 720 wastes 20); 640 is 8.57 % under."""
    dose = dose_for_weight(D(70))
    assert dose == D(700)
    example = plan_of(700, 3, 1)
    assert example.total_mg == 760
    assert example.waste_mg == D(60)
    assert vial_plan(dose).waste_mg == D(20) < example.waste_mg
    at_10 = rounded_plan(dose, tolerance_pct=10)
    assert at_10 == plan_of(700, 2, 1)
    assert at_10 is not None
    assert at_10.total_mg == 640
    assert at_10.under_pct.quantize(D("0.01")) == D("8.57")
    assert at_10.waste_mg == 0
    assert at_10.shortfall_mg == D(60)
    assert rounded_plan(dose, tolerance_pct=5) is None


def test_vial_plan_zero_dose_opens_nothing() -> None:
    plan = vial_plan(D(0))
    assert plan.vials == ((120, 0), (400, 0))
    assert plan.total_mg == 0
    assert plan.waste_mg == 0


@pytest.mark.parametrize(
    ("sizes", "dose", "expected"),
    [
        # Sizes are sorted and listed even when unused.
        ((400, 120), "700", ((120, 6), (400, 0))),
        ((120,), "700", ((120, 6),)),
        ((400,), "700", ((400, 2),)),
        # Tie on waste (0) and on vial count (2): more large vials wins (100 + 300, not 2 x 200).
        ((100, 200, 300), "400", ((100, 1), (200, 0), (300, 1))),
        # Tie on waste (0): fewest vials wins (300 + 300 rather than 3 x 200).
        ((100, 200, 300), "600", ((100, 0), (200, 0), (300, 2))),
    ],
)
def test_vial_plan_other_sizes_and_ties(
    sizes: tuple[int, ...], dose: str, expected: tuple[tuple[int, int], ...]
) -> None:
    assert vial_plan(D(dose), sizes).vials == expected


@pytest.mark.parametrize(("dose", "sizes"), [(D(-1), (120, 400)), (D(100), ()), (D(100), (0,))])
def test_vial_plan_rejects_bad_input(dose: Decimal, sizes: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        vial_plan(dose, sizes)


def _brute_force(dose: int, covering: bool, tolerance: Decimal = ZERO) -> tuple[int, int] | None:
    """Independent search over 0..20 vials of each size; returns (n120, n400)."""
    candidates = []
    for n120, n400 in itertools.product(range(21), repeat=2):
        total = 120 * n120 + 400 * n400
        if covering and total >= dose:
            key = (total - dose, n120 + n400, -n400)
        elif not covering and dose * (1 - tolerance / 100) <= total < dose and total > 0:
            key = (dose - total, n120 + n400, -n400)
        else:
            continue
        candidates.append((key, (n120, n400)))
    return min(candidates)[1] if candidates else None


def test_vial_plan_matches_brute_force_100_to_2000_mg() -> None:
    for dose in range(100, 2001):
        plan = vial_plan(D(dose))
        expected = _brute_force(dose, covering=True)
        assert expected is not None
        assert (plan.count(120), plan.count(400)) == expected, dose
        assert plan.total_mg >= dose
        assert plan.waste_mg == plan.total_mg - dose


@pytest.mark.parametrize("tolerance", [5.0, 10.0])
def test_rounded_plan_matches_brute_force_and_stays_within_tolerance(tolerance: float) -> None:
    tol = D(str(tolerance))
    for dose in range(100, 2001):
        covering = vial_plan(D(dose))
        plan = rounded_plan(D(dose), tolerance_pct=tolerance)
        expected = None if covering.waste_mg == 0 else _brute_force(dose, False, tol)
        if plan is None:
            assert expected is None, dose
            continue
        assert (plan.count(120), plan.count(400)) == expected, dose
        assert plan.total_mg < dose
        assert plan.total_mg >= dose * (1 - tol / 100)
        assert plan.under_pct <= tol
        assert plan.total_mg < covering.total_mg
        assert plan.waste_mg == 0


@pytest.mark.parametrize(
    ("dose", "tolerance", "expected"),
    [
        # (dose mg, tolerance %, (n120, n400) or None), hand-checked.
        ("700", 10.0, (2, 1)),  # 640, 8.57 % under
        ("700", 5.0, None),  # 640 is too far; 665..699 has no combination
        ("700", 0.0, None),  # no rounding policy
        ("361", 5.0, (3, 0)),  # 360 instead of opening a 400 mg vial
        ("410", 5.0, (0, 1)),  # 400 (2.44 % under) instead of 4 x 120 = 480
        ("500", 4.0, (4, 0)),  # 480 is exactly 4 % under: the bound is inclusive
        ("500", 3.99, None),  # 480 is 4 % under: refused
        ("750", 5.0, (6, 0)),  # 720 (4 %) saves 40 mg on 400 + 3 x 120, with 2 more vials
        ("520", 10.0, None),  # exact combination: nothing to save
        ("1040", 10.0, None),  # exact combination
        ("0", 10.0, None),
    ],
)
def test_rounded_plan_hand_checked(
    dose: str, tolerance: float, expected: tuple[int, int] | None
) -> None:
    plan = rounded_plan(D(dose), tolerance_pct=tolerance)
    if expected is None:
        assert plan is None
    else:
        assert plan is not None
        assert (plan.count(120), plan.count(400)) == expected


def test_rounded_plan_default_tolerance_is_5_pct() -> None:
    assert rounded_plan(D(700)) is None
    assert rounded_plan(D(750)) == plan_of(750, 6, 0)


@pytest.mark.parametrize("tolerance", [-1.0, 100.0])
def test_rounded_plan_rejects_bad_tolerance(tolerance: float) -> None:
    with pytest.raises(ValueError):
        rounded_plan(D(700), tolerance_pct=tolerance)


@pytest.mark.parametrize(
    ("plan", "total", "waste", "shortfall", "under_pct"),
    [
        (plan_of(700, 3, 1), 760, "60", "0", "0"),
        (plan_of(700, 2, 1), 640, "0", "60", "8.571428571428571428571428571"),
        (plan_of(500, 4, 0), 480, "0", "20", "4"),
        (plan_of(0, 0, 0), 0, "0", "0", "0"),
    ],
)
def test_vial_plan_properties(
    plan: VialPlan, total: int, waste: str, shortfall: str, under_pct: str
) -> None:
    assert plan.total_mg == total
    assert plan.waste_mg == D(waste)
    assert plan.shortfall_mg == D(shortfall)
    assert plan.under_pct == D(under_pct)


def test_vial_plan_count_of_unlisted_size_is_zero() -> None:
    assert plan_of(700, 3, 1).count(200) == 0


def test_vial_plan_is_frozen() -> None:
    plan = vial_plan(D(700))
    with pytest.raises(AttributeError):
        plan.dose_mg = D(1)  # type: ignore[misc]


# --- volumes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "concentration", "expected"),
    [
        ("700", 80, "8.75"),
        ("520", 80, "6.50"),
        ("1040", 80, "13.00"),
        ("705", 80, "8.81"),  # 8.8125
        ("2", 80, "0.03"),  # 0.025, half up
        ("1", 80, "0.01"),  # 0.0125
        ("6", 80, "0.08"),  # 0.075, half up
        ("705", 100, "7.05"),
    ],
)
def test_volume_to_draw_ml(dose: str, concentration: int, expected: str) -> None:
    volume = volume_to_draw_ml(D(dose), concentration)
    assert volume == D(expected)
    assert volume.as_tuple().exponent == -2


def test_volume_default_concentration_is_80() -> None:
    assert volume_to_draw_ml(D(700)) == D("8.75")


@pytest.mark.parametrize(("size", "expected"), [(120, "1.5"), (400, "4.8")])
def test_reconstitution_water_ml(size: int, expected: str) -> None:
    assert reconstitution_water_ml(size) == D(expected)


def test_reconstitution_water_unknown_size() -> None:
    with pytest.raises(ValueError):
        reconstitution_water_ml(200)
    assert reconstitution_water_ml(200, {**RECONSTITUTION_WATER_ML, 200: D("2.5")}) == D("2.5")


# --- cost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "cost", "wasted"),
    [
        (plan_of(700, 3, 1), "769.50", "60.75"),  # 60 mg x 769.50 / 760
        (plan_of(700, 6, 0), "729.00", "20.25"),  # 20 mg x 729 / 720
        (plan_of(700, 2, 1), "648.00", "0.00"),  # rounded: nothing wasted
        (plan_of(520, 1, 1), "526.50", "0.00"),
        (plan_of(500, 1, 1), "526.50", "20.25"),
        (plan_of(0, 0, 0), "0", "0.00"),
    ],
)
def test_plan_cost_and_waste_cost(plan: VialPlan, cost: str, wasted: str) -> None:
    assert plan_cost(plan, UK_PRICES) == D(cost)
    assert waste_cost(plan, UK_PRICES) == D(wasted)
    # The defaults hold floats (121.50, 405.00): same exact results.
    assert plan_cost(plan, VIAL_PRICES) == D(cost)
    assert waste_cost(plan, VIAL_PRICES) == D(wasted)


def test_waste_cost_rounds_to_cents() -> None:
    # 119 mg wasted of 240 mg costing 2 x 100: 99.1666... -> 99.17
    prices = {120: D(100), 400: D(300)}
    assert waste_cost(vial_plan(D(121)), prices) == D("99.17")


@pytest.mark.parametrize(
    ("covering", "rounded", "expected"),
    [
        (plan_of(700, 3, 1), plan_of(700, 2, 1), "121.50"),
        (plan_of(700, 6, 0), plan_of(700, 2, 1), "81.00"),  # least-waste plan vs 640
        (plan_of(750, 3, 1), plan_of(750, 6, 0), "40.50"),
        (plan_of(700, 6, 0), None, "0"),
    ],
)
def test_saving(covering: VialPlan, rounded: VialPlan | None, expected: str) -> None:
    assert saving(covering, rounded, UK_PRICES) == D(expected)


def test_plan_cost_missing_price() -> None:
    with pytest.raises(ValueError):
        plan_cost(plan_of(700, 3, 1), {120: D("121.50")})
    # A size the plan does not open needs no price.
    assert plan_cost(plan_of(700, 6, 0), {120: D("121.50")}) == D("729.00")
