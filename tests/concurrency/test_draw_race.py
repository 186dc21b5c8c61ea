"""Two pharmacists record, at the same instant, infusions of two patients that each need the six
vials the stock still holds (issue 14): one infusion is recorded with its draws, the other is
refused beside its lots field and leaves nothing behind (no infusion, no movement). Each record
runs in its own thread and connection (PostgreSQL: the lots' `select_for_update` inside the
infusion's transaction; SQLite: its serialised writers)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from belimumab.pharmacy import services
from belimumab.pharmacy.models import Infusion, InfusionLot
from belimumab.stock import selectors
from belimumab.stock import services as stock_services
from tests.concurrency.test_parallel_requests import TRIALS, _together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_infusions_cannot_both_take_the_last_vials(make_user, make_patient):
    today = timezone.localdate()
    first, second = make_user("ph1", "pharmacist"), make_user("ph2", "pharmacist")
    for trial in range(TRIALS):
        lot = stock_services.lot_receive(
            presentation="iv120",
            number=f"LAST{trial}",
            expiry=today + timedelta(days=100),
            vials=6,
            on_date=today,
            user=first,
        ).lot
        patients = [make_patient(code=f"R{trial}-{k}", start=today) for k in (1, 2)]

        def record(patient, user, checker):
            fields = {
                "date": today,
                "weight_kg": Decimal("70"),  # 700 mg: 6 x 120 mg
                "diluent": "nacl_0.9",
                "prepared_by": user,
                "checked_by": checker,
                "reaction": "none",
                "lots_as_recorded": "",
            }
            try:
                with translation.override("en-gb"):
                    services.infusion_record(
                        patient=patient, user=user, fields=fields, today=today, lots=""
                    )
            except ValidationError as refused:
                return refused.message_dict["lots"][0]
            finally:
                connection.close()
            return "recorded"

        outcomes = _together(
            [
                lambda p=patients[0]: record(p, first, second),
                lambda p=patients[1]: record(p, second, first),
            ]
        )
        assert sorted(outcomes) == [
            "120 mg vial (IV): The stock holds 0 usable vials of this presentation, 6 needed.",
            "recorded",
        ], outcomes
        assert selectors.on_hand([lot.pk]) == {lot.pk: 0}
        assert Infusion.objects.filter(patient__in=patients).count() == 1
        assert InfusionLot.objects.filter(lot=lot).count() == 1
