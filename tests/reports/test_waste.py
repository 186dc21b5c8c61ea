"""Waste in money per month (issue 14): the drug wasted and what the rounding policy saved,
hand-checked on a few infusions across a price change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from belimumab.domain import dosing
from belimumab.reports.dataset import Params
from belimumab.reports.report import build_report
from belimumab.reports.waste import MONTH_FIGURES, cents

from .builders import SC, Cohort

# 120 mg: 121.50 then 130.00 from 1 April 2015; 400 mg: 405.00 then 420.00. Before the change
# both cost 1.0125 per mg; after it 1.0833 and 1.05 per mg, so mg-weighting shows.
PRICES = Params(
    price_history={
        120: ((date(2015, 1, 1), 121.5), (date(2015, 4, 1), 130.0)),
        400: ((date(2015, 1, 1), 405.0), (date(2015, 4, 1), 420.0)),
    }
)
CUT_OFF = date(2015, 5, 10)


def _cohort() -> Cohort:
    """Hand-checked (price per mg = cost of the vials opened / mg opened):

    March 2015 (old prices), patient 1 (D0 2 March):
      2 Mar  700 mg prescribed and given, 400 + 3 x 120 = 760 mg opened, 769.50;
             wasted 60 mg x 769.50 / 760 = 60.75; the exact dose needs 6 x 120 = 729.00:
             saved 729 - 769.50 = -40.50 (a costlier combination than the exact dose's)
      16 Mar 700 prescribed, 640 given (rounded), 400 + 2 x 120 = 640 opened, 648.00;
             wasted 0; saved 729 - 648 = 81.00
      30 Mar 720 prescribed and given (72 kg), 6 x 120 = 720 opened, 729.00; wasted 0; saved 0
      -> 3 infusions, opened 2,120 mg, given 2,060, wasted 60 mg, 60.75, 1 rounded, saved 40.50
    April 2015 (new prices):
      27 Apr patient 1, 650 prescribed and given, 6 x 120 = 720 opened, 780.00; wasted 70 mg x
             780 / 720 = 75.833 -> 75.83; the exact dose's plan is 6 x 120 too: saved 0
      6 Apr  patient 2 (D0), 555 given, 400 + 2 x 120 = 640 opened, 420 + 260 = 680.00; wasted
             85 mg x 680 / 640 = 90.3125 -> 90.31; the exact dose needs 5 x 120 = 650.00:
             saved 650 - 680 = -30.00
      20 Apr patient 2, 555 prescribed, 520 given (rounded), 400 + 120 = 520 opened, 550.00;
             wasted 0; saved 650 - 550 = 100.00
      -> 3 infusions, opened 1,880 mg, given 1,725, wasted 155 mg, 166.14, 1 rounded, saved 70.00
    May 2015: patient 1's 25 May infusion is after the cut-off (10 May): no May at all.
    Patient 3 is subcutaneous (single-dose pens): no waste, not in the months.
    """
    return (
        Cohort()
        .patient(1, start=date(2015, 3, 2), infusions=())
        .infusion(1, 0)
        .infusion(1, 14, prepared=640, vials_120=2, vials_400=1)
        .infusion(1, 28, prescribed=720, prepared=720, vials_120=6, vials_400=0)
        .infusion(1, 56, prescribed=650, prepared=650, vials_120=6, vials_400=0)
        .infusion(1, 84)  # 25 May: after the cut-off
        .patient(2, start=date(2015, 4, 6), infusions=())
        .infusion(2, 0, prescribed=555, prepared=555, vials_120=2, vials_400=1)
        .infusion(2, 14, prescribed=555, prepared=520, vials_120=1, vials_400=1)
        .patient(3, start=date(2015, 3, 9), regimen=SC, infusions=(0, 7))
    )


MARCH = {
    "month": "2015-03",
    "iv_infusions": 3,
    "opened_mg": 2120.0,
    "given_mg": 2060.0,
    "waste_mg": 60.0,
    "waste_cost": 60.75,
    "rounded_infusions": 1,
    "rounding_saved": 40.5,
}
APRIL = {
    "month": "2015-04",
    "iv_infusions": 3,
    "opened_mg": 1880.0,
    "given_mg": 1725.0,
    "waste_mg": 155.0,
    "waste_cost": 166.14,
    "rounded_infusions": 1,
    "rounding_saved": 70.0,
}


def test_waste_and_rounding_saved_per_month_across_a_price_change():
    report = build_report(_cohort().build(PRICES, as_of=CUT_OFF), PRICES)
    cost = report["drug_cost"]
    by_month = cost["waste_by_month"]
    assert by_month["months"] == [MARCH, APRIL]
    assert by_month["total"] == {
        "iv_infusions": 6,
        "opened_mg": 4000.0,
        "given_mg": 3785.0,
        "waste_mg": 215.0,
        "waste_cost": 60.75 + 166.14,  # 226.89
        "rounded_infusions": 2,
        "rounding_saved": 110.5,
    }
    # the same infusions as the section above it
    assert cost["iv_infusions"] == 6 and cost["waste_mg"] == 215
    assert cost["drug_given_mg"] == 3785 and cost["sc_administrations"] == 2
    assert cost["total"] == 769.5 + 648 + 729 + 780 + 680 + 550


def test_the_new_figures_come_last_and_leave_the_cost_section_as_it_was():
    ds = _cohort().build(PRICES, as_of=CUT_OFF)
    cost = build_report(ds, PRICES)["drug_cost"]
    assert list(cost)[-1] == "waste_by_month"
    assert list(cost)[:-1] == [
        "currency",
        "patients",
        "iv_infusions",
        "sc_administrations",
        "vials",
        "vials_estimated_infusions",
        "total",
        "per_infusion",
        "patient_years",
        "per_patient_year",
        "drug_given_mg",
        "waste_mg",
        "rounded_infusions",
        "waste_avoided_mg",
        "cost_avoided",
    ]
    # the rounded infusions' saving, never below 0, as before: 81 + 100
    assert cost["cost_avoided"] == 181
    assert list(cost["waste_by_month"]["total"]) == list(MONTH_FIGURES)


def test_no_month_after_the_cut_off_and_a_month_without_infusion_is_listed_with_zeros():
    cohort = (
        Cohort()
        .patient(1, start=date(2015, 1, 20), infusions=())
        .infusion(1, 0)  # 20 January: 60 mg wasted, 60.75
        .infusion(1, 56, prepared=640, vials_120=2, vials_400=1)  # 17 March: saved 81
        .infusion(1, 112)  # 12 May
    )
    months = build_report(cohort.build(PRICES, as_of=date(2015, 4, 30)), PRICES)["drug_cost"][
        "waste_by_month"
    ]["months"]
    assert [m["month"] for m in months] == ["2015-01", "2015-02", "2015-03"]
    assert months[1] == {"month": "2015-02", **dict.fromkeys(MONTH_FIGURES, 0)}
    assert (months[0]["waste_cost"], months[0]["rounding_saved"]) == (60.75, -40.5)
    assert (months[2]["waste_cost"], months[2]["rounding_saved"]) == (0, 81)


def test_no_waste_where_the_vials_opened_are_the_exact_doses_and_pens_waste_nothing():
    cohort = (
        Cohort()
        # 48 kg: 480 mg = 4 x 120 exactly; 64 kg: 640 mg = 400 + 2 x 120 exactly
        .patient(1, infusions=())
        .infusion(1, 0, prescribed=480, prepared=480, vials_120=4, vials_400=0)
        .infusion(1, 14, prescribed=640, prepared=640, vials_120=2, vials_400=1)
        .patient(2, regimen=SC, infusions=(0, 7, 14))
    )
    total = build_report(cohort.build(PRICES), PRICES)["drug_cost"]["waste_by_month"]["total"]
    assert (total["iv_infusions"], total["waste_mg"], total["waste_cost"]) == (2, 0, 0)
    assert total["rounding_saved"] == 0


def test_a_subcutaneous_cohort_has_no_month():
    cohort = Cohort().patient(1, regimen=SC, infusions=(0, 7))
    by_month = build_report(cohort.build(PRICES), PRICES)["drug_cost"]["waste_by_month"]
    assert by_month == {"months": [], "total": {**dict.fromkeys(MONTH_FIGURES, 0)}}


def test_cents_round_half_away_from_zero_after_the_float_noise():
    assert cents([0.125, -0.125, 90.3125, 60 * 769.5 / 760, 75.8333]).tolist() == [
        0.13,
        -0.13,
        90.31,
        60.75,
        75.83,
    ]


def test_an_infusion_without_vials_recorded_is_costed_from_the_prepared_doses_plan():
    # no vials recorded: 6 x 120 = 720 mg of the 700 mg prepared (20 mg, 20 x 729 / 720 = 20.25)
    cohort = Cohort().patient(1, infusions=()).infusion(1, 0, vials_120=0, vials_400=0)
    total = build_report(cohort.build(PRICES), PRICES)["drug_cost"]["waste_by_month"]["total"]
    assert total["waste_mg"] == 20 and total["waste_cost"] == pytest.approx(20.25)
    assert total["rounding_saved"] == 0


@pytest.mark.parametrize(
    ("prepared", "vials_120", "vials_400"),
    [(700, 3, 1), (700, 6, 0), (555, 2, 1), (650, 6, 0), (640, 2, 1), (481, 5, 0)],
)
def test_each_infusions_waste_cost_is_the_pharmacy_panels(prepared, vials_120, vials_400):
    """The report's waste cost of one infusion is `domain.dosing.waste_cost`, the figure the
    patient's pharmacy panel shows (prices after the change: 130 and 420)."""
    cohort = (
        Cohort()
        .patient(1, start=date(2015, 6, 1), infusions=())
        .infusion(1, 0, prepared=prepared, vials_120=vials_120, vials_400=vials_400)
    )
    total = build_report(cohort.build(PRICES), PRICES)["drug_cost"]["waste_by_month"]["total"]
    plan = dosing.VialPlan(Decimal(prepared), ((120, vials_120), (400, vials_400)))
    expected = dosing.waste_cost(plan, {120: Decimal("130"), 400: Decimal("420")})
    assert Decimal(str(total["waste_cost"])) == expected
