"""Stock movements checked by hand: reception, waste, return, inventory and draws (FEFO)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from belimumab.core.models import HardDeleteForbidden
from belimumab.stock import selectors, services
from belimumab.stock.models import MovementKind, StockMovement, VialLot
from tests.stock.helpers import GTIN_120, GTIN_400, OTHER_GTIN

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 15)


@pytest.fixture
def pharmacist(users):
    return users["pharmacist"]


@pytest.fixture
def receive(pharmacist):
    def receive(number, expiry, vials, presentation="iv120", **extra):
        return services.lot_receive(
            presentation=presentation,
            number=number,
            expiry=expiry,
            vials=vials,
            on_date=extra.pop("on_date", date(2026, 6, 1)),
            user=pharmacist,
            **extra,
        ).lot

    return receive


def held(lot):
    return selectors.on_hand([lot.pk]).get(lot.pk, 0)


def test_a_lot_is_created_once_then_each_reception_adds_its_vials(receive, pharmacist):
    lot = receive("A1", date(2027, 1, 31), 10, gtin=GTIN_120, serial="S1")
    again = receive("A1", date(2027, 1, 31), 5, gtin=GTIN_120)
    assert again.pk == lot.pk
    assert VialLot.objects.count() == 1
    assert held(lot) == 15
    movements = list(lot.movements.order_by("pk").values_list("kind", "quantity", "recorded_by"))
    assert movements == [("received", 10, pharmacist.pk), ("received", 5, pharmacist.pk)]
    # audited: the lot and each movement have a history row naming the pharmacist
    assert lot.history.get().history_user == pharmacist
    assert StockMovement.history.filter(history_user=pharmacist).count() == 2


def test_by_hand_receive_waste_return_count_and_draw(receive, pharmacist):
    lot = receive("A1", date(2027, 1, 31), 10)
    services.lot_remove(lot=lot, kind="wasted", vials=1, on_date=DAY, user=pharmacist, reason="x")
    services.lot_remove(lot=lot, kind="returned", vials=2, on_date=DAY, user=pharmacist)
    services.lots_draw(presentation="iv120", vials=3, on_date=DAY, user=pharmacist, reference="I1")
    # 10 - 1 - 2 - 3 = 4; the inventory finds 5: a correction of +1
    correction = services.lot_count(lot=lot, counted=5, on_date=DAY, user=pharmacist)
    assert (correction.kind, correction.quantity) == (MovementKind.CORRECTED, 1)
    assert held(lot) == 5
    # counted as held: nothing to record
    assert services.lot_count(lot=lot, counted=5, on_date=DAY, user=pharmacist) is None
    assert services.lot_count(lot=lot, counted=0, on_date=DAY, user=pharmacist).quantity == -5
    assert held(lot) == 0
    assert [m.quantity for m in selectors.lot_movements(lot)] == [10, -1, -2, -3, 1, -5]


def test_movements_and_lots_are_never_deleted(receive):
    lot = receive("A1", date(2027, 1, 31), 1)
    with pytest.raises(HardDeleteForbidden):
        lot.delete()
    with pytest.raises(HardDeleteForbidden):
        lot.movements.first().delete()


def test_reception_refuses_an_expiry_disagreeing_with_the_lot_in_stock(receive):
    lot = receive("A1", date(2027, 1, 31), 10)
    with pytest.raises(ValidationError) as refused:
        receive("A1", date(2027, 2, 28), 5)
    assert "31/01/2027, not 28/02/2027" in refused.value.message_dict["expiry"][0]
    assert held(lot) == 10


def test_reception_refuses_a_product_code_of_another_or_no_presentation(receive):
    with pytest.raises(ValidationError) as refused:
        receive("A1", date(2027, 1, 31), 10, gtin=GTIN_400)
    assert "another presentation" in refused.value.message_dict["gtin"][0]
    with pytest.raises(ValidationError) as refused:
        receive("A1", date(2027, 1, 31), 10, gtin=OTHER_GTIN)
    assert "not a belimumab presentation" in refused.value.messages[0]
    assert not VialLot.objects.exists()


def test_removal_refuses_more_than_the_lot_holds(receive, pharmacist):
    lot = receive("A1", date(2027, 1, 31), 2)
    with pytest.raises(ValidationError) as refused:
        services.lot_remove(lot=lot, kind="wasted", vials=3, on_date=DAY, user=pharmacist)
    assert refused.value.message_dict["vials"] == ["Lot A1 holds 2 vials only."]
    assert held(lot) == 2


def test_a_draw_takes_the_first_expiry_first(receive, pharmacist):
    late = receive("LATE", date(2027, 3, 31), 10)
    early = receive("EARLY", date(2026, 9, 30), 2)
    expired = receive("OLD", date(2026, 6, 14), 8)  # expired the day before use
    today = receive("TODAY", date(2026, 6, 15), 1)  # expires on the day of use: usable
    receive("BIG", date(2026, 6, 1), 20, presentation="iv400")
    drawn = services.lots_draw(
        presentation="iv120", vials=5, on_date=DAY, user=pharmacist, reference="infusion 7"
    )
    assert [(m.lot.number, m.quantity, m.kind, m.reason) for m in drawn] == [
        ("TODAY", -1, "used", "infusion 7"),
        ("EARLY", -2, "used", "infusion 7"),
        ("LATE", -2, "used", "infusion 7"),
    ]
    assert [held(lot) for lot in (late, early, expired, today)] == [8, 0, 8, 0]


def test_a_draw_refuses_more_than_the_usable_stock_and_writes_nothing(receive, pharmacist):
    receive("A", date(2026, 9, 30), 2)
    receive("OLD", date(2026, 6, 1), 50)  # expired: not usable
    with pytest.raises(ValidationError) as refused:
        services.lots_draw(presentation="iv120", vials=3, on_date=DAY, user=pharmacist)
    assert refused.value.message_dict["lots"] == [
        "The stock holds 2 usable vials of this presentation, 3 needed."
    ]
    assert StockMovement.objects.filter(kind="used").count() == 0


def test_a_draw_from_named_lots_refuses_expired_too_many_or_wrong_product(receive, pharmacist):
    good = receive("A", date(2026, 9, 30), 2)
    old = receive("OLD", date(2026, 6, 14), 5)
    big = receive("B", date(2027, 1, 31), 5, presentation="iv400")

    def draw(lots, vials):
        with pytest.raises(ValidationError) as refused:
            services.lots_draw(
                presentation="iv120", vials=vials, on_date=DAY, user=pharmacist, lots=lots
            )
        return refused.value.message_dict["lots"][0]

    assert draw([(old, 1)], 1) == "Lot OLD expired on 14/06/2026: it cannot be used."
    assert draw([(good, 3)], 3) == "Lot A holds 2 vials only."
    assert draw([(good, 2), (good, 1)], 3) == "Lot A holds 0 vials only."
    assert draw([(big, 1)], 1) == "Lot B is not of this presentation."
    assert "do not add up" in draw([(good, 1)], 2)
    assert StockMovement.objects.filter(kind="used").count() == 0
    # the lot the pharmacist chose, even if another expires first
    later = receive("C", date(2027, 5, 31), 4)
    drawn = services.lots_draw(
        presentation="iv120", vials=3, on_date=DAY, user=pharmacist, lots=[(later, 3)]
    )
    assert [(m.lot_id, m.quantity) for m in drawn] == [(later.pk, -3)]


def test_the_proposal_is_what_the_draw_takes(receive, pharmacist):
    first = receive("A", date(2026, 9, 30), 2)
    second = receive("B", date(2026, 12, 31), 6)
    proposal = selectors.fefo_proposal("iv120", 4, DAY)
    assert proposal.draws == ((first.pk, 2), (second.pk, 2))
    drawn = services.lots_draw(presentation="iv120", vials=4, on_date=DAY, user=pharmacist)
    assert tuple((m.lot_id, -m.quantity) for m in drawn) == proposal.draws


def test_a_movement_sign_must_match_its_kind(receive, pharmacist):
    lot = receive("A", date(2026, 9, 30), 2)
    wrong = StockMovement(lot=lot, kind="used", quantity=2, on_date=DAY, recorded_by=pharmacist)
    with pytest.raises(ValidationError):
        wrong.full_clean()


def test_reception_refuses_a_lot_already_expired_on_the_day_received(receive):
    with pytest.raises(ValidationError) as refused:
        receive("OLD", date(2026, 5, 31), 3, on_date=date(2026, 6, 1))
    assert refused.value.message_dict["expiry"] == ["This lot has expired: it cannot be received."]
    assert receive("LAST", date(2026, 6, 1), 3, on_date=date(2026, 6, 1)).number == "LAST"
