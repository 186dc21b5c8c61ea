"""A pharmacist receives a delivery by scanning a pack as a keyboard-wedge scanner types it (the
code, then Enter), enters the vials and finds the lot on the stock page; records an infusion drawing
from it, finds the patient from the lot's traceability page and prints the day's sheets as one PDF
(issue 14)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import wait_until_ready
from tests.stock.helpers import GTIN_120, datamatrix, yymmdd

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_pharmacist_receives_a_scanned_pack(page, live_server, login, users, screenshot):
    expiry = timezone.localdate() + timedelta(days=400)
    login("pharmacist")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    page.click("nav a[href='/stock/']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.click("a[href='/stock/receive/']")
    # the scanner types the whole code (GS as the FNC1 separator) and Enter
    page.locator("input[name=scan]").press_sequentially(
        datamatrix(GTIN_120, "SCAN-42", yymmdd(expiry), "XYZ987")
    )
    page.keyboard.press("Enter")
    expect(page.locator("input[name=number]")).to_have_value("SCAN-42")
    expect(page.locator("input[name=expiry]")).to_have_value(expiry.strftime("%d/%m/%Y"))
    expect(page.locator("input[name=gtin]")).to_have_value(GTIN_120)
    page.fill("input[name=vials]", "12")
    page.click("#reception-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("SCAN-42")
    page.goto(f"{live_server.url}/stock/")
    row = page.locator("tr[data-lot='SCAN-42']")
    expect(row).to_contain_text("12")
    expect(page.locator("#stock-iv120 h2")).to_contain_text("12 flacons utilisables")
    screenshot(page, "stock")
    row.locator("a").click()
    expect(page).to_have_url(re.compile(r"/stock/lots/\d+/$"))
    expect(page.locator("#movements")).to_contain_text("pharmacist")


def test_a_scanned_lot_is_drawn_for_an_infusion_and_traced_to_the_patient(
    page, live_server, login, users, make_user, make_patient, screenshot
):
    """Receive a scanned pack's lot, record a first infusion of 36 kg (360 mg: 3 x 120 mg) by
    scanning its packs into the lots field, then find the patient from the lot's traceability
    page (issue 14's browser journey, in French)."""
    make_user("pharmacist2", "pharmacist", first_name="Paul", last_name="Lefèvre")
    today = timezone.localdate()
    patient = make_patient(code="TRACE-01", start=today, last_name="Moulin")
    expiry = today + timedelta(days=300)
    pack = datamatrix(GTIN_120, "RECALL-7", yymmdd(expiry), "SN1")
    login("pharmacist")
    page.goto(f"{live_server.url}/stock/receive/")
    page.locator("input[name=scan]").press_sequentially(pack)
    page.keyboard.press("Enter")
    expect(page.locator("input[name=number]")).to_have_value("RECALL-7")
    page.fill("input[name=vials]", "10")
    page.click("#reception-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("RECALL-7")

    page.goto(f"{live_server.url}/pharmacy/patients/{patient.pk}/infusions/new/")
    wait_until_ready(page, "#infusion-form")
    page.locator("input[name=weight_kg]").press_sequentially("36")
    proposal = page.locator('#dose-plan [data-lot-proposal="iv120"]')
    expect(proposal).to_contain_text("RECALL-7 \N{MULTIPLICATION SIGN} 3")
    lots = page.locator("textarea[name=lots]")
    for _pack in range(2):  # the scanner types each pack's code, then Enter
        lots.press_sequentially(pack)
        lots.press("Enter")
    # the third vial chosen among the usable lots the panel lists
    page.locator('#dose-plan [data-choose-lot="RECALL-7"]').click()
    expect(lots).to_have_value(re.compile(r"RECALL-7 x 1\n$"))
    page.select_option("select[name=checked_by]", label="Paul Lefèvre")
    page.get_by_role("button", name="Enregistrer la perfusion").click()
    expect(page.locator(".alert-success")).to_contain_text("TRACE-01")

    page.goto(f"{live_server.url}/stock/")
    page.locator("tr[data-lot='RECALL-7'] a").click()
    expect(page.locator("#on-hand")).to_contain_text("7")
    page.locator("[data-traceability]").click()
    recipients = page.locator("#recipients")
    expect(recipients).to_contain_text("TRACE-01")
    expect(recipients).to_contain_text("Paul Lefèvre")
    screenshot(page, "lot_traceability")
    recipients.locator("a[data-patient='TRACE-01']").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/$"))

    # the day's sheets as one PDF, from the worklist: the infusion's sheet names the lot drawn
    page.goto(live_server.url + reverse("pharmacy:worklist"))
    link = page.locator("#print-sheets a", has_text="PDF")
    pdf = page.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.body())).pages]
    mine = [text for text in pages if "TRACE-01" in text]
    assert len(mine) == 1 and "RECALL-7" in mine[0] and "Paul Lefèvre" in mine[0]
