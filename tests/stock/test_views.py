"""The stock pages: the stock by lot with its flags, a scanned reception, a lot's movements and
its forms; errors beside their field in the user's language; query counts pinned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from belimumab.stock import selectors, services
from belimumab.stock.models import StockMovement, VialLot
from tests.stock.helpers import GS, GTIN_120, GTIN_PEN, OTHER_GTIN, datamatrix, yymmdd

pytestmark = pytest.mark.django_db
RECEIVE = reverse("stock:receive")
STOCK = reverse("stock:stock")


@pytest.fixture
def today():
    return timezone.localdate()


def _receive(user, number, expiry, vials, presentation="iv120"):
    return services.lot_receive(
        presentation=presentation,
        number=number,
        expiry=expiry,
        vials=vials,
        on_date=min(timezone.localdate(), expiry),  # an expired lot was received before
        user=user,
    ).lot


def _form(**fields):
    return {"on_date": timezone.localdate().strftime("%d/%m/%Y"), **fields}


def test_a_scan_fills_the_pack_then_the_vials_receive_it(english, users, today):
    client = english("pharmacist")
    expiry = today + timedelta(days=400)
    scan = datamatrix(GTIN_120, "ABC123", yymmdd(expiry), "XYZ987")
    # the scanner types the code and Enter: the page comes back filled, asking for the vials
    response = client.post(RECEIVE, _form(scan=scan))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["number"].value() == "ABC123"
    assert form["gtin"].value() == GTIN_120
    assert form["expiry"].value() == expiry.strftime("%d/%m/%Y")
    assert form["serial"].value() == "XYZ987"
    assert list(form.errors) == ["vials"]
    assert not VialLot.objects.exists()
    data = {k: form[k].value() or "" for k in form.fields}
    response = client.post(RECEIVE, {**data, "vials": "6"})
    assert response.status_code == 302
    lot = VialLot.objects.get()
    assert (lot.presentation, lot.number, lot.expiry, lot.serial) == (
        "iv120",
        "ABC123",
        expiry,
        "XYZ987",
    )
    assert selectors.on_hand([lot.pk]) == {lot.pk: 6}
    assert lot.movements.get().recorded_by == users["pharmacist"]


def test_a_scan_and_the_vials_in_one_post_of_a_pen(english, today):
    scan = "21S1" + GS + "10PEN-9" + GS + f"01{GTIN_PEN}17{yymmdd(today + timedelta(days=90))}"
    response = english("administrator").post(RECEIVE, _form(scan=scan, vials="4"))
    assert response.status_code == 302
    assert VialLot.objects.get().presentation == "sc200"


def test_typed_without_a_scan(english, today):
    data = _form(
        presentation="iv400", number="T1", expiry=(today + timedelta(days=300)).strftime("%d/%m/%Y")
    )
    assert english("pharmacist").post(RECEIVE, {**data, "vials": "2"}).status_code == 302
    assert VialLot.objects.get().presentation == "iv400"


@pytest.mark.parametrize(
    ("scan", "field", "message"),
    [
        ("garbage!!", "scan", "This is not a GS1 code of a medicine pack."),
        ("\x00" * 3, "scan", "This is not a GS1 code of a medicine pack."),
        (datamatrix(OTHER_GTIN, "X", "301231"), "scan", "is not a belimumab presentation"),
    ],
)
def test_a_bad_scan_is_refused_beside_the_field_and_nothing_saved(english, scan, field, message):
    response = english("pharmacist").post(RECEIVE, _form(scan=scan, vials="3"))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not VialLot.objects.exists()


def test_an_expiry_disagreeing_with_the_stock_is_refused_in_french(
    english, client_for, users, today
):
    _receive(users["pharmacist"], "ABC", today + timedelta(days=100), 2)
    other = today + timedelta(days=130)
    client = client_for("pharmacist")
    client.cookies["django_language"] = "fr"
    response = client.post(
        RECEIVE, _form(scan=datamatrix(GTIN_120, "ABC", yymmdd(other)), vials="1")
    )
    errors = response.context["form"].errors["expiry"]
    assert "est en stock avec la date de péremption" in errors[0]
    assert StockMovement.objects.count() == 1


def test_the_stock_page_flags_and_hides(english, users, today):
    user = users["pharmacist"]
    _receive(user, "OK-1", today + timedelta(days=200), 5)
    _receive(user, "SOON-1", today + timedelta(days=30), 2)
    old = _receive(user, "OLD-1", today - timedelta(days=1), 3)
    empty = _receive(user, "EMPTY-1", today + timedelta(days=300), 1)
    services.lot_count(lot=empty, counted=0, on_date=today, user=user)
    client = english("department_head")
    page = client.get(STOCK).content.decode()
    assert 'class="table-warning" data-lot="SOON-1"' in page
    assert 'class="table-danger" data-lot="OLD-1"' in page
    assert 'class="" data-lot="OK-1"' in page
    assert "EMPTY-1" not in page
    assert "1 empty lot hidden." in page
    assert "7 usable vials" in page and "10 on hand, expired included" in page
    assert "EMPTY-1" in client.get(STOCK + "?empty=1").content.decode()
    assert old.pk  # the expired lot stays listed until it is emptied


def test_pens_are_counted_as_pens(english, users, today):
    _receive(users["pharmacist"], "PEN-1", today + timedelta(days=200), 4, presentation="sc200")
    page = english("pharmacist").get(STOCK).content.decode()
    assert "4 usable pens" in page and "4 usable vials" not in page


@pytest.mark.parametrize("lots", [2, 20])
def test_stock_page_query_count_is_constant(english, users, today, lots, django_assert_num_queries):
    for k in range(lots):
        _receive(users["pharmacist"], f"L{k}", today + timedelta(days=10 * k), k + 1)
    client = english("pharmacist")
    # session, user, user and group permissions; the department's settings (the horizon); the
    # lots with their sums (one query); the session saved (savepoint, update, release)
    with django_assert_num_queries(9):
        response = client.get(STOCK)
    assert sum(len(e.lots) for e in response.context["stock"]) == lots


def test_a_lot_page_lists_its_movements_and_its_forms_record_them(english, users, today):
    lot = _receive(users["pharmacist"], "ABC", today + timedelta(days=100), 5)
    client = english("pharmacist")
    date_text = today.strftime("%d/%m/%Y")
    response = client.post(
        reverse("stock:lot_remove", args=[lot.pk]),
        {"kind": "wasted", "vials": "1", "on_date": date_text, "reason": "dropped"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("stock:lot_remove", args=[lot.pk]),
        {"kind": "returned", "vials": "9", "on_date": date_text, "reason": "recall"},
    )
    assert response.context["form"].errors["vials"] == ["Lot ABC holds 4 vials only."]
    response = client.post(
        reverse("stock:lot_count", args=[lot.pk]), {"counted": "3", "on_date": date_text}
    )
    assert response.status_code == 302
    page = client.get(reverse("stock:lot", args=[lot.pk])).content.decode()
    assert "3 vials on hand" in page
    for text in ("received", "wasted or broken", "dropped", "corrected by inventory", "-1"):
        assert text in page
    assert "pharmacist" in page


def test_the_menu_links_the_stock_and_the_administrator_reaches_it_from_settings(english):
    def menu(role):
        return english(role).get(reverse("patients:list")).content.decode().split("</nav>")[0]

    assert f'href="{STOCK}"' in menu("pharmacist")
    assert f'href="{STOCK}"' in menu("department_head")
    assert f'href="{STOCK}"' not in menu("clinician")
    assert f'href="{STOCK}"' not in menu("administrator")  # its menu is full at 1,280 px
    settings_page = english("administrator").get(reverse("department:settings"))
    assert f'href="{STOCK}"' in settings_page.content.decode()


@pytest.mark.parametrize("removals", [1, 15])
def test_lot_page_query_count_is_constant(
    english, users, today, removals, django_assert_num_queries
):
    user = users["pharmacist"]
    lot = _receive(user, "ABC", today + timedelta(days=100), 20)
    for _ in range(removals):
        services.lot_remove(lot=lot, kind="wasted", vials=1, on_date=today, user=user)
    client = english("pharmacist")
    # session, user, user and group permissions; the lot; its movements with who recorded them;
    # the session saved (savepoint, update, release)
    with django_assert_num_queries(9):
        response = client.get(reverse("stock:lot", args=[lot.pk]))
    assert response.context["on_hand"] == 20 - removals
