"""Two pharmacists draw the last vials of a lot at the same instant (issue 14): one draw is
refused, the lot never goes below zero. Each draw runs in its own thread and database
connection (PostgreSQL in CI's second run: `select_for_update` on the lots; SQLite in the
first: its IMMEDIATE transactions serialise the writers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from belimumab.stock import selectors, services
from belimumab.stock.models import StockMovement
from tests.concurrency.test_parallel_requests import TRIALS, _together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_pharmacists_cannot_both_take_the_last_vial(make_user):
    today = timezone.localdate()
    first, second = make_user("ph1", "pharmacist"), make_user("ph2", "pharmacist")
    for trial in range(TRIALS):
        lot = services.lot_receive(
            presentation="iv120",
            number=f"RACE{trial}",
            expiry=today + timedelta(days=100 + trial),
            vials=1,
            on_date=today,
            user=first,
        ).lot

        def draw(user, lot=lot):
            try:
                with translation.override("en-gb"):
                    services.lots_draw(
                        presentation="iv120", vials=1, on_date=today, user=user, lots=[(lot, 1)]
                    )
            except ValidationError as refused:
                return refused.message_dict["lots"][0]
            finally:
                connection.close()
            return "drawn"

        outcomes = _together([lambda: draw(first), lambda: draw(second)])
        assert sorted(outcomes) == [f"Lot {lot.number} holds 0 vials only.", "drawn"], outcomes
        assert selectors.on_hand([lot.pk]) == {lot.pk: 0}
        assert StockMovement.objects.filter(lot=lot, kind="used").count() == 1
