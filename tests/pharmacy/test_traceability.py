"""Traceability answers (issue 14): who received a lot (page, CSV, XLSX), which lots a patient
received; query counts constant in the number of infusions."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from belimumab.pharmacy import services
from belimumab.pharmacy.models import InfusionLot
from belimumab.stock import services as stock_services
from belimumab.stock.models import VialLot

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot(users, today):
    stock_services.lot_receive(
        presentation="iv120",
        number="=TRACE-1",  # a lot number starting like a formula stays text in the exports
        expiry=today + timedelta(days=90),
        vials=500,
        on_date=today - timedelta(days=200),
        user=users["pharmacist"],
    )
    return VialLot.objects.get(number="=TRACE-1")


@pytest.fixture
def given(make_patient, users, checker, today, lot):
    """`n` patients, each given one infusion of 6 vials of the lot today (70 kg, 720 mg)."""

    def make(n):
        infusions = []
        for i in range(n):
            patient = make_patient(code=f"TR{i:03d}", start=today - timedelta(days=1))
            fields = {
                "date": today,
                "weight_kg": Decimal("70"),
                "diluent": "nacl_0.9",
                "prepared_by": users["pharmacist"],
                "checked_by": checker,
                "reaction": "none",
                "lots_as_recorded": "",
            }
            infusions.append(
                services.infusion_record(
                    patient=patient, user=users["pharmacist"], fields=fields, today=today
                )
            )
        return infusions

    return make


def _client(client_for, role="pharmacist"):
    client = client_for(role)
    client.cookies["django_language"] = "en"
    return client


def test_the_lot_page_lists_every_patient_with_preparer_and_checker(client_for, given, lot, today):
    infusions = given(2)
    response = _client(client_for).get(reverse("pharmacy:lot_traceability", args=[lot.pk]))
    assert response.status_code == 200
    rows = response.context["recipients"]
    assert [(r.patient_code, r.vials, r.date, r.from_stock) for r in rows] == [
        ("TR000", 6, today, True),
        ("TR001", 6, today, True),
    ]
    assert {r.prepared_by for r in rows} == {"pharmacist"}
    assert {r.checked_by for r in rows} == {"Paul Checker"}
    html = response.content.decode()
    assert "12 vials given to 2 patients." in html
    assert f'data-infusion="{infusions[0].pk}"' in html


def test_a_deactivated_infusion_leaves_the_lot_page(client_for, given, lot, users):
    infusion = given(1)[0]
    services.infusion_deactivate(
        infusion=infusion, user=users["pharmacist"], expected_version=infusion.version, reason="x"
    )
    response = _client(client_for).get(reverse("pharmacy:lot_traceability", args=[lot.pk]))
    assert response.context["recipients"] == []


def test_the_csv_export(client_for, given, lot, today):
    given(2)
    response = _client(client_for).get(
        reverse("pharmacy:lot_traceability", args=[lot.pk]) + "?format=csv"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="lot-iv120-_TRACE-1.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Date",
        "Patient",
        "Vials",
        "Prepared by",
        "Checked by",
        "From the stock",
        "Lot",
        "Presentation",
        "Expiry date",
    ]
    expiry = (today + timedelta(days=90)).isoformat()
    assert rows[1] == [
        today.isoformat(),
        "TR000",
        "6",
        "pharmacist",
        "Paul Checker",
        "yes",
        "'=TRACE-1",
        "120 mg vial (IV)",
        expiry,
    ]
    assert len(rows) == 3


def test_the_xlsx_export(client_for, given, lot, today):
    given(2)
    response = _client(client_for).get(
        reverse("pharmacy:lot_traceability", args=[lot.pk]) + "?format=xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Patient", "Vials")
    assert rows[1][0].date() == today and rows[1][1:3] == ("TR000", 6)
    assert rows[1][6] == "'=TRACE-1"
    assert len(rows) == 3


@pytest.mark.parametrize("n", [1, 6])
def test_the_lot_page_query_count_is_constant(client_for, given, lot, n, django_assert_num_queries):
    """Session, user, permissions (user, groups), the lot, its recipients in one query, the
    department's settings (the menu), the session saved (savepoint, update, release: the first
    request since the login)."""
    given(n)
    client = _client(client_for)
    url = reverse("pharmacy:lot_traceability", args=[lot.pk])
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["recipients"]) == n
    with django_assert_num_queries(6):  # the same, the CSV instead of the page, session pushed
        client.get(url + "?format=csv")


def test_a_patient_page_of_lots_lists_structured_and_recorded_lots(
    client_for, given, lot, make_infusion, today
):
    infusion = given(1)[0]
    make_infusion(
        infusion.patient, today - timedelta(days=30), lots_as_recorded="OLD-LOT", vials_120=6
    )
    history_lot = VialLot.objects.create(
        presentation="iv400", number="H1", expiry=today - timedelta(days=100)
    )
    InfusionLot.objects.create(
        infusion=infusion.patient.infusions.get(date=today - timedelta(days=30)),
        lot=history_lot,
        vials=1,
    )
    response = _client(client_for, "clinician").get(
        reverse("pharmacy:patient_lots", args=[infusion.patient.pk])
    )
    lots = response.context["lots"]
    assert [(r.date, r.number, r.vials, r.from_stock) for r in lots] == [
        (today, "=TRACE-1", 6, True),
        (today - timedelta(days=30), "H1", 1, False),
        (today - timedelta(days=30), "OLD-LOT", None, False),
    ]
    html = response.content.decode()
    assert reverse("pharmacy:lot_traceability", args=[lot.pk]) in html
    assert "imported from history" in html and "data-lot-as-recorded" in html


@pytest.mark.parametrize("n", [1, 6])
def test_the_patient_lots_query_count_is_constant(
    client_for, make_patient, make_infusion, lot, today, n, django_assert_num_queries
):
    patient = make_patient(code="TRP", start=today - timedelta(days=400))
    for k in range(n):
        infusion = make_infusion(patient, today - timedelta(days=28 * k), lots_as_recorded="X")
        InfusionLot.objects.create(infusion=infusion, lot=lot, vials=2)
    client = _client(client_for)
    url = reverse("pharmacy:patient_lots", args=[patient.pk])
    # session, user, permissions (user, groups), the patient, its draws, its recorded lots,
    # the read logged, the session saved (savepoint, update, release: the first request since
    # the login)
    with django_assert_num_queries(11):
        response = client.get(url)
    assert len(response.context["lots"]) == 2 * n


def test_the_stock_lot_page_and_the_patient_page_link_to_traceability(client_for, given, lot):
    infusion = given(1)[0]
    html = _client(client_for).get(reverse("stock:lot", args=[lot.pk])).content.decode()
    assert reverse("pharmacy:lot_traceability", args=[lot.pk]) in html
    page = _client(client_for, "clinician").get(
        reverse("clinical:patient_detail", args=[infusion.patient.pk])
    )
    assert reverse("pharmacy:patient_lots", args=[infusion.patient.pk]) in page.content.decode()


def test_the_sheet_shows_the_lots_drawn_and_as_recorded(client_for, given, lot):
    infusion = given(1)[0]
    infusion.lots_as_recorded = "EXTRA-7"
    infusion.save()
    html = (
        _client(client_for)
        .get(reverse("pharmacy:infusion_sheet", args=[infusion.pk]))
        .content.decode()
    )
    assert "=TRACE-1 \u00d7 6" in html and "EXTRA-7" in html
