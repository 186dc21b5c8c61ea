"""First expiry first, by hand (belimumab.domain.stock: no Django)."""

from __future__ import annotations

from datetime import date

import pytest

from belimumab.domain.stock import (
    LotOnHand,
    expiring,
    fefo_allocation,
    gtin_check_digit,
    gtin_is_valid,
    total_usable,
    usable_on,
)

DAY = date(2026, 6, 15)


def test_a_lot_is_usable_on_its_expiry_date_and_not_the_day_after():
    # GS1 AI 17 is the last day of use: usable ON the expiry date
    assert usable_on(date(2026, 6, 15), DAY)
    assert not usable_on(date(2026, 6, 14), DAY)


def test_the_earliest_expiry_is_drawn_first_then_the_next():
    lots = [
        LotOnHand(1, date(2027, 1, 31), 10),
        LotOnHand(2, date(2026, 9, 30), 3),
        LotOnHand(3, date(2026, 12, 31), 5),
    ]
    allocation = fefo_allocation(lots, 6, DAY)
    # lot 2 (Sept) gives its 3, lot 3 (Dec) the other 3, lot 1 (Jan) none
    assert allocation.draws == ((2, 3), (3, 3))
    assert allocation.complete


def test_expired_and_empty_lots_are_skipped_a_lot_expiring_today_is_not():
    lots = [
        LotOnHand(1, date(2026, 6, 14), 9),  # expired yesterday
        LotOnHand(2, date(2026, 6, 15), 2),  # expires today: usable
        LotOnHand(3, date(2026, 6, 1), 0),  # empty
        LotOnHand(4, date(2026, 8, 1), 4),
    ]
    assert fefo_allocation(lots, 3, DAY).draws == ((2, 2), (4, 1))


def test_a_tie_on_expiry_finishes_the_smaller_lot_then_the_first_received():
    lots = [
        LotOnHand(7, date(2026, 9, 30), 5),
        LotOnHand(5, date(2026, 9, 30), 2),
        LotOnHand(6, date(2026, 9, 30), 5),
    ]
    # 2 from lot 5 (fewest), then lot 6 before lot 7 (received first: lower key)
    assert fefo_allocation(lots, 4, DAY).draws == ((5, 2), (6, 2))


def test_what_the_usable_lots_lack_is_missing():
    lots = [LotOnHand(1, date(2026, 6, 1), 10), LotOnHand(2, date(2026, 7, 1), 2)]
    allocation = fefo_allocation(lots, 5, DAY)
    assert allocation.draws == ((2, 2),)
    assert allocation.missing == 3
    assert not allocation.complete
    assert total_usable(lots, DAY) == 2


def test_nothing_asked_nothing_drawn_and_a_negative_count_is_an_error():
    assert fefo_allocation([LotOnHand(1, DAY, 3)], 0, DAY).draws == ()
    with pytest.raises(ValueError):
        fefo_allocation([], -1, DAY)


@pytest.mark.parametrize(
    ("expiry", "state"),
    [
        (date(2026, 6, 14), "expired"),
        (date(2026, 6, 15), "soon"),
        (date(2026, 9, 13), "soon"),  # 90 days ahead: within the horizon
        (date(2026, 9, 14), "ok"),
    ],
)
def test_expiring_within_the_horizon(expiry, state):
    assert expiring(expiry, DAY, 90) == state


def test_gtin_check_digits():
    # a printed EAN-13, 400638133393 1, and the same as a GTIN-14 (leading zero)
    assert gtin_check_digit("400638133393") == 1
    assert gtin_is_valid("04006381333931")
    assert gtin_check_digit("0761234567890") == 0
    assert gtin_is_valid("07612345678900")
    assert not gtin_is_valid("07612345678901")
    assert not gtin_is_valid("0761234567890")
    assert not gtin_is_valid("0761234567890X")
