"""Recording an infusion draws from the stock (issue 14): hand-checked draws, refusals beside the
lots field with nothing saved, corrections and deactivations giving the vials back.

The IV patient of conftest weighs 70 kg: 700 mg, least waste 6 x 120 mg = 720 mg; prepared at
640 mg (the rounded dose) it opens 1 x 400 + 2 x 120."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from belimumab.pharmacy import services
from belimumab.pharmacy.models import Infusion, InfusionLot
from belimumab.stock import selectors as stock_selectors
from belimumab.stock import services as stock_services
from belimumab.stock.models import MovementKind, StockMovement, VialLot
from tests.stock.helpers import GTIN_120, GTIN_400, GTIN_PEN, OTHER_GTIN, datamatrix, yymmdd

pytestmark = pytest.mark.django_db

# 640 mg: 8.6 % under 700 mg, beyond the default 5 % tolerance, so with a reason
ROUNDED = {"prepared_dose_mg": Decimal(640), "rounding_reason": "one vial fewer"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def stock(users, today):
    """A: 120 mg, 4 vials, expires in 30 days; B: 120 mg, 10 vials, in 60 days; C: 400 mg,
    2 vials, in 90 days."""

    def receive(presentation, number, days, vials, gtin):
        expiry = today + timedelta(days=days)
        stock_services.lot_receive(
            presentation=presentation,
            number=number,
            expiry=expiry,
            vials=vials,
            on_date=min(today, expiry) - timedelta(days=40),
            user=users["pharmacist"],
            gtin=gtin,
        )
        return VialLot.objects.get(number=number)

    return {
        "A": receive("iv120", "A", 30, 4, GTIN_120),
        "B": receive("iv120", "B", 60, 10, GTIN_120),
        "C": receive("iv400", "C", 90, 2, GTIN_400),
    }


@pytest.fixture
def fields(users, checker, today):
    def make(**changes):
        data = {
            "date": today,
            "weight_kg": Decimal("70"),
            "prepared_dose_mg": None,
            "rounding_reason": "",
            "lots_as_recorded": "",
            "diluent": "nacl_0.9",
            "prepared_by": users["pharmacist"],
            "checked_by": checker,
            "premedication": True,
            "reaction": "none",
        }
        data.update(changes)
        return data

    return make


def _record(patient, fields, users, today, lots="", **changes):
    return services.infusion_record(
        patient=patient, user=users["pharmacist"], fields=fields(**changes), today=today, lots=lots
    )


def _draws(infusion):
    return sorted(
        (draw.lot.number, draw.vials)
        for draw in InfusionLot.objects.filter(infusion=infusion, is_active=True)
    )


def _on_hand(*lots):
    held = stock_selectors.on_hand([lot.pk for lot in lots])
    return [held.get(lot.pk, 0) for lot in lots]


def _refused(patient, fields, users, today, lots="", **changes) -> str:
    infusions, movements = Infusion.objects.count(), StockMovement.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        _record(patient, fields, users, today, lots=lots, **changes)
    assert (Infusion.objects.count(), StockMovement.objects.count()) == (infusions, movements)
    assert not InfusionLot.objects.exists()
    return " ".join(excinfo.value.message_dict.get("lots", [])) or str(excinfo.value)


# --- hand-checked draws ------------------------------------------------------------------------


def test_the_proposal_draws_first_expiry_first(iv_patient, stock, fields, users, today):
    """6 x 120 mg: A (expires first) gives its 4, B the 2 left; the 400 mg lot is untouched."""
    infusion = _record(iv_patient, fields, users, today)
    assert (infusion.vials_120, infusion.vials_400) == (6, 0)
    assert _draws(infusion) == [("A", 4), ("B", 2)]
    assert _on_hand(stock["A"], stock["B"], stock["C"]) == [0, 8, 2]
    used = StockMovement.objects.filter(kind=MovementKind.USED).order_by("lot__number")
    assert [(m.lot.number, m.quantity, m.on_date, m.reason) for m in used] == [
        ("A", -4, today, str(infusion)),
        ("B", -2, today, str(infusion)),
    ]
    assert all(draw.movement.kind == MovementKind.USED for draw in infusion.lot_draws.all())
    assert infusion.lot_draws.first().history.first().history_user == users["pharmacist"]


def test_a_rounded_dose_draws_each_size_it_opens(iv_patient, stock, fields, users, today):
    infusion = _record(iv_patient, fields, users, today, **ROUNDED)
    assert (infusion.vials_120, infusion.vials_400) == (2, 1)
    assert _draws(infusion) == [("A", 2), ("C", 1)]
    assert _on_hand(stock["A"], stock["B"], stock["C"]) == [2, 10, 1]


def test_scanned_packs_replace_the_proposal(iv_patient, stock, fields, users, today):
    """Two 120 mg packs of B and the 400 mg pack of C scanned, one per line, as the scanner
    types them (symbology prefix, GS separator, Enter)."""
    b = datamatrix(GTIN_120, "B", yymmdd(stock["B"].expiry))
    c = datamatrix(GTIN_400, "C", yymmdd(stock["C"].expiry), serial="SN9")
    infusion = _record(iv_patient, fields, users, today, lots=f"{b}\n{b}\r\n{c}\n", **ROUNDED)
    assert _draws(infusion) == [("B", 2), ("C", 1)]
    assert _on_hand(stock["A"], stock["B"], stock["C"]) == [4, 8, 1]


def test_lots_typed_for_one_size_and_the_other_first_expiry_first(
    iv_patient, stock, fields, users, today
):
    infusion = _record(iv_patient, fields, users, today, lots="B x 2", **ROUNDED)
    assert _draws(infusion) == [("B", 2), ("C", 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A 1, B\u00d73; A*2", [("A", 3), ("B", 3)]),
        ("A\nA\nA\nB x 3", [("A", 3), ("B", 3)]),
    ],
)
def test_typed_lots_are_added_up(iv_patient, stock, fields, users, today, text, expected):
    infusion = _record(iv_patient, fields, users, today, lots=text)
    assert _draws(infusion) == expected


def test_pens_are_drawn_for_a_dispensation(make_patient, users, checker, today):
    patient = make_patient(code="SC01", start=today - timedelta(days=28), regimen="sc_standard")
    stock_services.lot_receive(
        presentation="sc200",
        number="P1",
        expiry=today + timedelta(days=200),
        vials=10,
        on_date=today,
        user=users["pharmacist"],
        gtin=GTIN_PEN,
    )
    fields = {"date": today, "prepared_by": users["pharmacist"], "checked_by": checker, "pens": 4}
    infusion = services.infusion_record(
        patient=patient, user=users["pharmacist"], fields=fields, today=today, lots=""
    )
    assert _draws(infusion) == [("P1", 4)]
    assert _on_hand(VialLot.objects.get(number="P1")) == [6]


# --- refusals: beside the lots field, nothing saved ---------------------------------------------


def test_an_expired_lot_is_refused(iv_patient, stock, fields, users, today):
    stock_services.lot_receive(
        presentation="iv120",
        number="OLD",
        expiry=today - timedelta(days=1),
        vials=6,
        on_date=today - timedelta(days=10),
        user=users["pharmacist"],
    )
    message = _refused(iv_patient, fields, users, today, lots="OLD x 6")
    assert "Lot OLD expired on" in message and "cannot be used" in message


def test_more_vials_than_a_lot_holds_are_refused(iv_patient, stock, fields, users, today):
    message = _refused(iv_patient, fields, users, today, lots="A x 6")
    assert "Lot A holds 4 vials only." in message


def test_a_wrong_product_is_refused(iv_patient, stock, fields, users, today):
    other = datamatrix(OTHER_GTIN, "B", yymmdd(stock["B"].expiry))
    message = _refused(iv_patient, fields, users, today, lots=other)
    assert "is not a belimumab presentation" in message


def test_a_pack_of_a_size_the_preparation_does_not_open_is_refused(
    iv_patient, stock, fields, users, today
):
    c = datamatrix(GTIN_400, "C", yymmdd(stock["C"].expiry))
    message = _refused(iv_patient, fields, users, today, lots=c)
    assert "The scanned pack is a 400 mg vial (IV): this preparation opens none." in message


def test_a_lot_whose_expiry_disagrees_with_stock_is_refused(
    iv_patient, stock, fields, users, today
):
    wrong = datamatrix(GTIN_120, "B", yymmdd(stock["B"].expiry + timedelta(days=31)))
    message = _refused(iv_patient, fields, users, today, lots="\n".join([wrong] * 6))
    assert "stock says lot B expires on" in message


def test_lots_not_covering_the_vials_opened_are_refused(iv_patient, stock, fields, users, today):
    message = _refused(iv_patient, fields, users, today, lots="B x 5")
    assert "120 mg vial (IV): the lots named hold 5, the preparation opens 6." in message
    message = _refused(iv_patient, fields, users, today, lots="B x 7")
    assert "the lots named hold 7" in message


def test_a_lot_not_in_stock_and_a_scan_that_is_no_code_are_refused(
    iv_patient, stock, fields, users, today
):
    no_lot = f"01{GTIN_120}17{yymmdd(today)}"
    message = _refused(iv_patient, fields, users, today, lots="ZZZ x 6")
    assert "Lot ZZZ is not in the stock of 120 mg vial (IV)." in message
    message = _refused(iv_patient, fields, users, today, lots=f"B x 5\n{no_lot}")
    assert f"Scanned pack {no_lot}: The code carries no lot number" in message


def test_a_stock_too_small_for_the_proposal_is_refused(iv_patient, fields, users, today):
    stock_services.lot_receive(
        presentation="iv120",
        number="S",
        expiry=today + timedelta(days=30),
        vials=3,
        on_date=today,
        user=users["pharmacist"],
    )
    message = _refused(iv_patient, fields, users, today)
    assert "120 mg vial (IV): The stock holds 3 usable vials of this presentation, 6 needed." in (
        message
    )


def test_a_refusal_reads_in_the_users_language(iv_patient, stock, fields, users, today):
    with translation.override("fr"):
        message = _refused(iv_patient, fields, users, today, lots="A x 6")
    assert "Le lot A ne contient que 4 flacons." in message


def test_the_form_shows_the_refusal_beside_the_lots_field(
    client_for, iv_patient, stock, payload, today
):
    client = client_for("pharmacist")
    client.cookies["django_language"] = "en"
    url = reverse("pharmacy:infusion_record", args=[iv_patient.pk])
    response = client.post(url, payload(lots="A x 6", lots_as_recorded=""))
    assert response.status_code == 200
    assert "Lot A holds 4 vials only." in " ".join(response.context["form"].errors["lots"])
    assert not Infusion.objects.filter(date=today).exists()
    html = response.content.decode()
    assert 'data-lot-proposal="iv120"' in html  # the proposal beside it: A x 4, B x 2
    assert 'data-lot="A"' in html and 'data-lot="B"' in html
    # and every usable lot, to choose from
    assert 'data-choose-lot="A"' in html and 'data-choose-lot="B"' in html
    usable = response.context["lot_proposals"][0].usable
    assert [(lot.number, lot.vials) for lot in usable] == [("A", 4), ("B", 10)]


def test_the_lots_drawn_are_said_after_saving(client_for, iv_patient, stock, payload):
    client = client_for("pharmacist")
    client.cookies["django_language"] = "en"
    url = reverse("pharmacy:infusion_record", args=[iv_patient.pk])
    response = client.post(url, payload(lots="", lots_as_recorded=""), follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert "Lots drawn from the stock: A \u00d7 4, B \u00d7 2." in said


# --- a presentation the stock does not hold ----------------------------------------------------


def test_without_any_lot_in_stock_the_lots_as_recorded_are_required(
    iv_patient, fields, users, today
):
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields, users, today)
    assert "The stock holds no lot of 120 mg vial (IV)" in " ".join(
        excinfo.value.message_dict["lots_as_recorded"]
    )
    infusion = _record(iv_patient, fields, users, today, lots_as_recorded="X1, X2")
    assert infusion.lots_as_recorded == "X1, X2" and not infusion.lot_draws.exists()


def test_a_size_not_kept_in_stock_is_recorded_as_text_and_the_other_drawn(
    iv_patient, fields, users, today
):
    stock_services.lot_receive(
        presentation="iv400",
        number="C",
        expiry=today + timedelta(days=30),
        vials=3,
        on_date=today,
        user=users["pharmacist"],
    )
    infusion = _record(iv_patient, fields, users, today, **ROUNDED, lots_as_recorded="T1")
    assert _draws(infusion) == [("C", 1)] and infusion.lots_as_recorded == "T1"


# --- corrections and deactivations -------------------------------------------------------------


def test_a_correction_of_the_vials_gives_the_draws_back_and_draws_anew(
    iv_patient, stock, fields, users, today
):
    infusion = _record(iv_patient, fields, users, today)
    assert _on_hand(stock["A"], stock["B"], stock["C"]) == [0, 8, 2]
    services.infusion_update(
        infusion=infusion,
        user=users["pharmacist"],
        fields=fields(**ROUNDED),
        today=today,
        expected_version=infusion.version,
    )
    # A's 4 and B's 2 given back, then 2 x 120 first expiry first (A) and 1 x 400 (C)
    assert _draws(infusion) == [("A", 2), ("C", 1)]
    assert _on_hand(stock["A"], stock["B"], stock["C"]) == [2, 10, 1]
    restored = StockMovement.objects.filter(kind=MovementKind.RESTORED).order_by("lot__number")
    assert [(m.lot.number, m.quantity) for m in restored] == [("A", 4), ("B", 2)]
    assert InfusionLot.objects.filter(infusion=infusion, is_active=False).count() == 2


def test_a_correction_that_keeps_the_vials_keeps_the_lots(iv_patient, stock, fields, users, today):
    infusion = _record(iv_patient, fields, users, today)
    movements = StockMovement.objects.count()
    services.infusion_update(
        infusion=infusion,
        user=users["pharmacist"],
        fields=fields(notes="corrected note"),
        today=today,
        expected_version=infusion.version,
    )
    assert StockMovement.objects.count() == movements
    assert _draws(infusion) == [("A", 4), ("B", 2)]


def test_a_correction_naming_lots_draws_those(iv_patient, stock, fields, users, today):
    infusion = _record(iv_patient, fields, users, today)
    services.infusion_update(
        infusion=infusion,
        user=users["pharmacist"],
        fields=fields(),
        today=today,
        expected_version=infusion.version,
        lots="B x 6",
    )
    assert _draws(infusion) == [("B", 6)]
    assert _on_hand(stock["A"], stock["B"]) == [4, 4]


def test_a_refused_correction_keeps_the_old_draws(iv_patient, stock, fields, users, today):
    infusion = _record(iv_patient, fields, users, today)
    with pytest.raises(ValidationError):
        services.infusion_update(
            infusion=infusion,
            user=users["pharmacist"],
            fields=fields(),
            today=today,
            expected_version=infusion.version,
            lots="A x 6",  # A holds 4 once its own 4 are back
        )
    assert _draws(Infusion.objects.get(pk=infusion.pk)) == [("A", 4), ("B", 2)]
    assert _on_hand(stock["A"], stock["B"]) == [0, 8]


def test_a_deactivation_gives_the_vials_back(iv_patient, stock, fields, users, today):
    """A record deactivated was entered by mistake: its vials go back to their lots (opened
    vials are recorded as waste on the lot's page)."""
    infusion = _record(iv_patient, fields, users, today)
    services.infusion_deactivate(
        infusion=infusion,
        user=users["pharmacist"],
        expected_version=infusion.version,
        reason="wrong patient",
        today=today,
    )
    assert _on_hand(stock["A"], stock["B"], stock["C"]) == [4, 10, 2]
    assert not InfusionLot.objects.filter(is_active=True).exists()
    restored = StockMovement.objects.filter(kind=MovementKind.RESTORED)
    assert sorted((m.lot.number, m.quantity, m.recorded_by) for m in restored) == [
        ("A", 4, users["pharmacist"]),
        ("B", 2, users["pharmacist"]),
    ]


def test_the_audit_log_lists_the_draws(client_for, iv_patient, stock, fields, users, today):
    _record(iv_patient, fields, users, today)
    client = client_for("administrator")
    client.cookies["django_language"] = "en"
    response = client.get(reverse("accounts:audit"))
    assert response.status_code == 200
    assert "lot of an infusion" in response.content.decode()


def test_the_correction_form_redraws_the_lots_named(
    client_for, iv_patient, stock, fields, users, today, payload
):
    infusion = _record(iv_patient, fields, users, today)
    client = client_for("pharmacist")
    client.cookies["django_language"] = "en"
    url = reverse("pharmacy:infusion_edit", args=[infusion.pk])
    page = client.get(url).content.decode()
    assert 'id="current-lots"' in page and 'data-lot="A"' in page
    response = client.post(
        url, payload(lots="B x 6", lots_as_recorded="", version=infusion.version), follow=True
    )
    assert response.status_code == 200
    assert _draws(infusion) == [("B", 6)]
    said = [str(message) for message in response.context["messages"]]
    assert "Lots drawn from the stock: B \u00d7 6." in said


def test_the_deactivation_page_says_the_vials_go_back(
    client_for, iv_patient, stock, fields, users, today
):
    infusion = _record(iv_patient, fields, users, today)
    client = client_for("pharmacist")
    client.cookies["django_language"] = "en"
    url = reverse("pharmacy:infusion_deactivate", args=[infusion.pk])
    page = client.get(url).content.decode()
    assert "The vials it drew from the stock go back to their lots:" in page
    client.post(url, {"reason": "wrong patient", "version": infusion.version})
    assert _on_hand(stock["A"], stock["B"]) == [4, 10]


def test_the_proposal_follows_the_prepared_dose_typed(client_for, iv_patient, stock):
    """700 mg covered by 6 x 120 mg; typed 640 mg: 1 x 400 + 2 x 120, proposed C and A."""
    client = client_for("pharmacist")
    url = reverse("pharmacy:dose_plan")
    query = {"patient": iv_patient.pk, "weight": "70"}
    covering = client.get(url, query).json()["html"]
    assert 'data-lot-proposal="iv400"' not in covering
    rounded = client.get(url, {**query, "prepared": "640"}).json()["html"]
    assert 'data-lot-proposal="iv400"' in rounded and 'data-lot="C"' in rounded
    above = client.get(url, {**query, "prepared": "900"}).json()["html"]  # refused on saving
    assert 'data-lot-proposal="iv400"' not in above
