"""A pharmacist goes from the worklist to the planning: the vials per day against the stock, the
first short day highlighted and the order suggested, at 1,280 px in French (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from belimumab.stock import services as stock

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_pharmacist_reads_the_planning(
    page, live_server, login, users, make_patient, make_infusion, screenshot
):
    today = timezone.localdate()
    for code, weight, ago in (
        ("PLAN-A", "70.0", 14),
        ("PLAN-B", "82.5", 12),
        ("PLAN-C", "50.0", 30),
    ):
        patient = make_patient(code=code, start=today - timedelta(days=ago))
        make_infusion(patient, today - timedelta(days=ago), weight=weight)
    pen = make_patient(code="PLAN-SC", start=today - timedelta(days=28), regimen="sc_standard")
    make_infusion(pen, today - timedelta(days=28), pens=4, premedication=False)
    stock.lot_receive(
        presentation="iv120",
        number="E2E-120",
        expiry=today + timedelta(days=1),
        vials=12,
        on_date=today,
        user=users["pharmacist"],
    )
    login("pharmacist")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/pharmacy/")
    page.click("a[data-planning-link]")
    expect(page.locator("h1")).to_have_text("Planification")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # today: A 6 x 120 and C (overdue) 4 x 120 drawn from the 12 vials; B's 2 x 400 on day 2
    short = (today + timedelta(days=2)).strftime("%d/%m/%Y")
    # no pen at all: the pens run short today, first
    expect(page.locator(".alert-danger")).to_contain_text(
        f"Le stock est insuffisant le {today:%d/%m/%Y}"
    )
    expect(page.locator("[data-short-from='iv400']")).to_have_text(
        f"Flacon de 400 mg (IV) : à partir du {short}"
    )
    expect(page.locator("[data-short]")).to_have_count(2)  # the first short day of each
    expect(page.locator("li[data-order='iv400']")).to_contain_text("commander 4")
    expect(page.locator("li[data-order='iv120']")).to_contain_text("commander 10")
    expect(page.locator("th[data-presentation]")).to_have_count(3)  # 120 mg, 400 mg, pens
    expect(page.locator("li[data-order='sc200']")).to_contain_text("commander 4")
    screenshot(page, "planning")
