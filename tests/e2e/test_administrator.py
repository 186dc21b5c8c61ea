"""An administrator changes the 120 mg vial price from a date on the settings screen: the
infusions before that date keep the old price, those from that date on cost the new one, and
the change is in the settings' history (issue 12)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

# serialized_rollback: each test starts from the migrated data (the role groups and the
# department's settings seeded at installation)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_administrator_changes_the_vial_price_from_a_date(
    page, live_server, login, users, make_patient, make_infusion, screenshot
):
    patient = make_patient(code="PRICE", start=date(2026, 1, 5))
    # 6 x 120 mg each: 729,00 at 121.50 a vial, 780,00 at 130
    make_infusion(patient, date(2026, 2, 2), vials_120=6)
    make_infusion(patient, date(2026, 3, 2), vials_120=6)
    login("administrator")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/settings/")
    expect(page.locator("#prices")).to_contain_text("121,50 EUR")
    # the administrator's menu (the longest: every page) fits the screen in French
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.click("a[href$='/settings/prices/new/']")
    page.select_option("select[name=vial_mg]", "120")
    page.fill("input[name=price]", "130,00")
    page.fill("input[name=effective_from]", "2026-03-01")
    page.click("#settings-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/settings/$"))
    prices = page.locator("#prices")
    expect(prices).to_contain_text("01/03/2026")
    expect(prices).to_contain_text("130,00 EUR")
    history = page.locator("table").last
    expect(history).to_contain_text("administrator")
    expect(history).to_contain_text("130")
    screenshot(page, "department-settings")

    page.goto(live_server.url + reverse("clinical:patient_detail", args=[patient.pk]))
    infusions = page.locator("tr[data-infusion]")
    expect(infusions.filter(has_text="02/02/2026")).to_contain_text("729,00")  # before
    expect(infusions.filter(has_text="02/03/2026")).to_contain_text("780,00")  # after
    # thousands grouped by a narrow no-break space
    expect(page.locator("[data-cost-to-date]")).to_have_text("1\u202f509,00 EUR")
