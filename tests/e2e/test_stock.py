"""A pharmacist receives a delivery by scanning a pack as a keyboard-wedge scanner types it (the
code, then Enter), enters the vials and finds the lot on the stock page (issue 14)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

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
