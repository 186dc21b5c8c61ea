"""Stock planning by hand (belimumab.domain.planning: no Django)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest

from belimumab.domain.planning import (
    MARGIN,
    CourseAhead,
    course_days,
    horizon_days,
    needs_ahead,
    pens_for,
    presentation_plan,
)
from belimumab.domain.schedule import Regimen
from belimumab.domain.stock import LotOnHand

TODAY = date(2026, 6, 15)  # a Monday
IV = Regimen("iv_standard", "iv", 10, None, (14, 14), 28)
SC = Regimen("sc_standard", "sc", None, 200, (), 7)
SC_NEPHRITIS = Regimen("sc_nephritis", "sc", None, 200, (), 7, (400, 400, 400, 400))


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def test_horizon_days_include_both_ends():
    assert horizon_days(day(0), day(2)) == [day(0), day(1), day(2)]
    assert horizon_days(day(1), day(0)) == []


def test_an_iv_course_comes_back_at_its_intervals():
    # D0 today (index 0): D14 and D28 at 14 days, then C4 28 days later
    assert course_days(IV, day(0), 0, day(60)) == [
        (day(0), 0),
        (day(14), 1),
        (day(28), 2),
        (day(56), 3),
    ]
    # C4 (index 3) on 2 March: 30 March next, 27 April is beyond 10 April
    assert course_days(IV, date(2026, 3, 2), 3, date(2026, 4, 10)) == [
        (date(2026, 3, 2), 3),
        (date(2026, 3, 30), 4),
    ]


def test_an_sc_dispensation_comes_back_when_its_pens_run_out():
    # 4 pens on day 0 cover 4 weeks: the next dispensation on day 28, index 4 further
    assert course_days(SC, day(0), 8, day(30), weeks=4) == [(day(0), 8), (day(28), 12)]


def test_nothing_on_or_after_a_stop_or_an_end_of_follow_up():
    assert course_days(IV, day(0), 0, day(60), end=day(28)) == [(day(0), 0), (day(14), 1)]
    assert course_days(IV, day(3), 5, day(10), end=day(3)) == []


def test_pens_count_each_weeks_dose():
    assert pens_for(SC, 8, 4, 200) == 4
    # nephritis induction: weeks 2 and 3 at 400 mg (2 pens each), then 200 mg (1 pen)
    assert pens_for(SC_NEPHRITIS, 2, 4, 200) == 2 + 2 + 1 + 1


def test_needs_per_day_are_drawn_and_cumulated():
    lots = [LotOnHand(1, day(100), 20)]
    plan = presentation_plan(
        "iv120", lots, {day(0): 6, day(2): 5}, TODAY, days_ahead=3, margin_days=0
    )
    assert [(line.needed, line.cumulated, line.left) for line in plan.horizon] == [
        (6, 6, 14),
        (0, 6, 14),
        (5, 11, 9),
        (0, 11, 9),
    ]
    assert (plan.needed, plan.usable_today, plan.left_at_end) == (11, 20, 9)
    assert plan.first_short is None and plan.to_order == 0 and plan.margin == ()


def test_a_lot_expiring_mid_horizon_is_not_counted_after_its_expiry():
    # 10 vials expiring on day 2 (usable on day 2), 3 expiring later
    lots = [LotOnHand(1, day(2), 10), LotOnHand(2, day(30), 3)]
    needs = {day(0): 4, day(1): 4, day(3): 4}
    plan = presentation_plan("iv120", lots, needs, TODAY, days_ahead=4, margin_days=0)
    lines = plan.horizon
    # days 0 and 1 draw 8 from lot 1 (first expiry); 2 left in it, usable on day 2 only
    assert [line.left for line in lines[:3]] == [9, 5, 5]
    # day 3: lot 1 has expired, lot 2 gives 3: short by 1
    assert (lines[3].drawn, lines[3].missing, lines[3].left) == (3, 1, 0)
    assert plan.first_short == day(3)
    assert plan.to_order == 1


def test_the_shortage_day_is_the_first_day_not_covered():
    lots = [LotOnHand(1, day(100), 7)]
    needs = {day(1): 6, day(2): 6, day(4): 6}
    plan = presentation_plan("iv120", lots, needs, TODAY, days_ahead=5, margin_days=0)
    assert plan.first_short == day(2)
    assert [line.missing for line in plan.horizon] == [0, 0, 5, 0, 6, 0]
    assert plan.missing == 11 and plan.to_order == 11


def test_the_order_covers_the_margin_too():
    lots = [LotOnHand(1, day(100), 10)]
    # 6 on day 0 (horizon 0..2), then 6 on day 4 and 2 on day 6 (margin 3..6)
    needs = {day(0): 6, day(4): 6, day(6): 2}
    plan = presentation_plan("iv400", lots, needs, TODAY, days_ahead=2, margin_days=4)
    assert plan.first_short is None  # the horizon is covered
    assert plan.margin_needed == 8
    assert plan.first_short_in_margin == day(4)
    # 4 left after the horizon: day 4 misses 2, day 6 misses 2
    assert plan.to_order == 4
    assert [line.day for line in plan.margin] == [day(3), day(4), day(5), day(6)]
    assert plan.margin[-1].cumulated == 14


def test_a_lot_expiring_in_the_margin_is_ordered_for():
    # covered in the horizon by a lot that expires before the margin's need
    lots = [LotOnHand(1, day(3), 20)]
    plan = presentation_plan(
        "iv120", lots, {day(0): 6, day(5): 6}, TODAY, days_ahead=2, margin_days=5
    )
    assert plan.first_short is None and plan.left_at_end == 14
    assert plan.to_order == 6


def test_nothing_to_order_when_covered():
    lots = [LotOnHand(1, day(10), 6), LotOnHand(2, day(200), 10)]
    plan = presentation_plan(
        "iv120", lots, {day(0): 6, day(9): 6}, TODAY, days_ahead=7, margin_days=14
    )
    assert plan.to_order == 0 and plan.first_short is None
    # first expiry first: day 0 empties lot 1, day 9 draws from lot 2
    assert plan.margin[-1].left == 4


def test_no_stock_at_all():
    plan = presentation_plan("sc200", [], {day(1): 4}, TODAY, days_ahead=7, margin_days=7)
    assert plan.usable_today == 0
    assert plan.first_short == day(1)
    assert plan.to_order == 4
    assert all(line.left == 0 for line in plan.horizon)


def test_negative_horizons_are_refused():
    with pytest.raises(ValueError):
        presentation_plan("iv120", [], {}, TODAY, days_ahead=-1, margin_days=0)
    with pytest.raises(ValueError):
        course_days(SC, TODAY, 0, TODAY, weeks=0)


# --- needs_ahead: the courses' administrations as units per day -------------------------------


def _units(asked: list[tuple[str, int, Decimal | None, int]]):
    """By hand: IV, 1 vial per 100 mg started; SC, one pen a week; the calls recorded."""

    def units(regimen, index, weight, weeks):
        asked.append((regimen.code, index, weight, weeks))
        if regimen.route == "sc":
            return (("sc200", pens_for(regimen, index, weeks, 200)),)
        try:
            dose = regimen.dose_mg(weight, index)
        except ValueError:
            return None
        return (("iv100", math.ceil(dose / 100)),)

    return units


def _needs(courses, asked=None):
    return needs_ahead(
        courses,
        _units([] if asked is None else asked),
        TODAY,
        days_ahead=7,
        margin_days=14,
        review_after_days=61,
    )


def test_needs_ahead_by_hand():
    ahead = _needs(
        [
            CourseAhead(IV, 1, day(2), Decimal("70.0")),  # D14 on day 2: 7 vials; D28 day 16
            CourseAhead(IV, 3, day(-10), Decimal("55.0")),  # C4 10 days late: today, 6 vials
            CourseAhead(IV, 0, day(3), None),  # D0 never weighed: the median, 62.5 kg
            CourseAhead(SC, 5, day(0), None, weeks=4),  # 4 pens today
            CourseAhead(IV, 3, day(10), Decimal("80.0")),  # in the margin only: 8 vials
            CourseAhead(IV, 3, day(-70), Decimal("80.0")),  # to review: left out
            CourseAhead(IV, 3, day(30), Decimal("80.0")),  # after the margin: left out
        ]
    )
    assert ahead.estimate == Decimal("70.0")  # median of 70, 55, 80, 80 (IV weighed, placed)
    assert ahead.estimated == 1
    assert ahead.not_planned == 0
    assert ahead.counted == {"due": 2, "overdue": 1, "first_infusion": 1, MARGIN: 1}
    assert dict(ahead.needs["iv100"]) == {
        day(0): 6,
        day(2): 7,
        day(3): 7,
        day(10): 8,
        day(16): 7,
        day(17): 7,
    }
    assert dict(ahead.needs["sc200"]) == {day(0): 4}


def test_a_stop_ends_the_course_and_no_weight_anywhere_is_not_planned():
    ahead = _needs(
        [
            CourseAhead(IV, 1, day(2), Decimal("70.0"), end=day(10)),  # D28 on day 16: stopped
            CourseAhead(IV, 1, day(2), Decimal("70.0"), end=day(2)),  # stopped on its day
        ]
    )
    assert dict(ahead.needs["iv100"]) == {day(2): 7}
    assert ahead.counted["due"] == 1
    nobody = _needs([CourseAhead(IV, 0, day(1), None)])
    assert (nobody.estimate, nobody.not_planned, nobody.counted["first_infusion"]) == (None, 1, 0)


def test_each_distinct_dose_is_asked_once():
    asked: list[tuple[str, int, Decimal | None, int]] = []
    _needs([CourseAhead(IV, 5, day(1), Decimal("70.0"))] * 50 + [
        CourseAhead(IV, 4, day(2), Decimal("70.0"))  # same dose past the loading doses
    ], asked)  # fmt: skip
    assert asked == [("iv_standard", 5, Decimal("70.0"), 1)]
