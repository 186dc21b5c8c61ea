"""A pharmacist opens the worklist, records an infusion (the vial plan appears as the weight is
typed), sees the next due date, and prints the preparation sheet (French formats: 25/11/2026,
8,75 mL), then the day's sheets as one PDF."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from belimumab.pharmacy.models import Infusion
from belimumab.stock import services as stock_services
from tests.department.helpers import department_set
from tests.e2e.conftest import wait_until_ready

# serialized_rollback: each test starts from the migrated data (the role groups), whatever ran
# before it (a serialized-rollback test flushes the tables without recreating them)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture(autouse=True)
def rounding_at_ten_percent(transactional_db):
    """A department allowing 10 % dose rounding, so that 700 mg can become 640 mg (its
    settings, as an administrator saves them)."""
    department_set(rounding_tolerance_pct=10)


@pytest.fixture
def cohort(make_patient, make_infusion, users):
    """Eight patients: due today, in 1 and 3 days, 5 days late, no administration for 90 days
    (to review), just treated, registered without an infusion, on time after missed cycles;
    and lots in stock, so that recording draws from them (issue 14)."""
    today = timezone.localdate()
    for number, presentation, expires_in, vials in (
        ("E2E-120A", "iv120", 300, 10),
        ("E2E-120B", "iv120", 100, 10),  # expires first: proposed first
        ("E2E-400", "iv400", 200, 4),
    ):
        stock_services.lot_receive(
            presentation=presentation,
            number=number,
            expiry=today + timedelta(days=expires_in),
            vials=vials,
            on_date=today - timedelta(days=10),
            user=users["pharmacist"],
        )

    def patient(code, last, first, start, given, weight="68.5", regimen="iv_standard"):
        p = make_patient(
            code=code,
            start=today - timedelta(days=start),
            regimen=regimen,
            last_name=last,
            first_name=first,
        )
        for days_ago in given:
            make_infusion(p, today - timedelta(days=days_ago), weight=weight, vials_120=6)
        return p

    due_today = patient("LUP-001", "Bernard", "Claire", 28, (28, 14))
    patient("LUP-002", "Petit", "Sophie", 81, (81, 67, 53, 25), weight="58.0")
    patient("LUP-003", "Robert", "Inès", 20, (20, 13, 6), regimen="sc_standard", weight="61.0")
    patient("LUP-004", "Richard", "Emma", 61, (61, 47, 33), weight="82.0")
    patient("LUP-005", "Durand", "Léa", 200, (200, 186, 172, 144, 90), weight="75.5")
    patient("LUP-006", "Moreau", "Julie", 60, (60, 46, 32, 3), weight="64.0")
    patient("LUP-007", "Simon", "Chloé", 10, ())
    patient("LUP-008", "Laurent", "Manon", 200, (200, 186, 172, 88, 56, 28), weight="81.0")
    return due_today


def test_pharmacist_records_an_infusion_from_the_worklist(
    page, live_server, login, users, screenshot, make_user, cohort
):
    make_user("pharmacist2", "pharmacist", first_name="Paul", last_name="Lefèvre")
    users["pharmacist"].first_name, users["pharmacist"].last_name = "Anne", "Girard"
    users["pharmacist"].save()
    today = timezone.localdate()

    login("pharmacist")
    expect(page).to_have_url(re.compile(r"/pharmacy/$"))  # home sends pharmacists here
    due = page.locator('[data-worklist="due"]')
    expect(due.locator('tr[data-patient="LUP-001"]')).to_contain_text(today.strftime("%d/%m/%Y"))
    expect(due.locator('tr[data-patient="LUP-001"]')).to_contain_text("BERNARD Claire")
    overdue = page.locator('[data-worklist="overdue"] tr[data-patient="LUP-004"]')
    expect(overdue.locator("[data-delay-days]")).to_have_attribute("data-delay-days", "5")
    review = page.locator('[data-worklist="to_review"] tr[data-patient="LUP-005"]')
    since = (today - timedelta(days=90)).strftime("%d/%m/%Y")
    expect(review).to_contain_text(f"aucune administration depuis le {since}")
    first = page.locator('[data-worklist="first_infusion"] tr[data-patient="LUP-007"]')
    expect(first).to_contain_text((today - timedelta(days=10)).strftime("%d/%m/%Y"))
    expect(first.locator("[data-delay-days]")).to_have_count(0)
    on_time = due.locator('tr[data-patient="LUP-008"]')  # history apart, no delay today
    expect(on_time.locator("[data-missed-before]")).to_have_text("2 cures manquées par le passé")
    expect(on_time.locator("[data-delay-days]")).to_have_count(0)
    expect(on_time.locator("[data-rounded-from]")).to_have_attribute("data-rounded-from", "810")
    expect(due.locator("[data-vials-per-day]")).to_contain_text(today.strftime("%d/%m/%Y"))
    # a 1,280-px screen shows the whole table, action buttons included
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "worklist")
    table = page.locator("table.worklist")
    assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    for button in page.locator("table.worklist a.btn").all():
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280
    page.set_viewport_size({"width": 1400, "height": 900})

    due.locator('tr[data-patient="LUP-001"] a[href$="/infusions/new/"]').click()
    expect(page).to_have_url(re.compile(r"/pharmacy/patients/\d+/infusions/new/$"))
    panel = page.locator("#dose-plan")
    expect(panel.locator('[data-dose-state="waiting"]')).to_be_visible()
    wait_until_ready(page, "#infusion-form")

    page.locator("input[name=weight_kg]").press_sequentially("70,0")
    expect(panel.locator('[data-plan="covering"]')).to_contain_text(f"6 {TIMES} 120 mg = 720 mg")
    expect(panel.locator('[data-plan="covering"]')).to_contain_text("8,75 mL")
    expect(panel.locator('[data-plan="rounded"]')).to_contain_text("640 mg")
    expect(panel.locator('[data-plan="rounded"]')).to_contain_text("8,6 %")
    # the lots proposed for the covering vials, first expiry first
    expect(panel.locator('[data-lot-proposal="iv120"]')).to_contain_text(f"E2E-120B {TIMES} 6")
    panel.locator("[data-use-dose]").click()
    expect(page.locator("input[name=prepared_dose_mg]")).to_have_value("640")
    # the proposal follows the vials of the dose to prepare: 1 x 400 + 2 x 120
    expect(panel.locator('[data-lot-proposal="iv400"]')).to_contain_text(f"E2E-400 {TIMES} 1")
    expect(panel.locator('[data-lot-proposal="iv120"]')).to_contain_text(f"E2E-120B {TIMES} 2")

    # the lots field left empty: the proposal is drawn for the vials opened
    page.select_option("select[name=checked_by]", label="Paul Lefèvre")
    screenshot(page, "infusion_form")
    page.locator("#infusion-form button[type=submit]").click()

    next_due = (today + timedelta(days=28)).strftime("%d/%m/%Y")
    expect(page.locator(".alert-success")).to_contain_text(next_due)
    expect(page.locator("[data-next-due]")).to_contain_text(next_due)
    infusion = Infusion.objects.get(patient=cohort, date=today)
    assert infusion.prepared_dose_mg == Decimal("640.0")
    assert (infusion.vials_400, infusion.vials_120) == (1, 2)
    assert infusion.checked_by.username == "pharmacist2"
    drawn = sorted((d.lot.number, d.vials) for d in infusion.lot_draws.select_related("lot"))
    assert drawn == [("E2E-120B", 2), ("E2E-400", 1)]

    page.locator(f'tr[data-infusion="{infusion.pk}"] a[href$="/sheet/"]').click()
    sheet = page.locator(".prep-sheet")
    expect(sheet).to_contain_text("8,00 mL")  # 640 mg at 80 mg/mL
    expect(sheet).to_contain_text("4,8 mL")
    expect(sheet).to_contain_text("Paul Lefèvre")
    expect(sheet.locator("[data-lots]").first).to_contain_text(f"E2E-120B {TIMES} 2")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 820, "height": 1160})  # about A4 at 96 dpi
    screenshot(page, "preparation_sheet")

    # the day's sheets as one PDF, from the worklist's link (issue 14)
    page.emulate_media(media="screen")
    page.goto(live_server.url + reverse("pharmacy:worklist"))
    link = page.locator("#print-sheets a", has_text="PDF")
    pdf = page.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.body())).pages]
    mine = [text for text in pages if cohort.code in text]
    assert len(mine) == 1 and "8,00 mL" in mine[0] and "Paul Lefèvre" in mine[0]


def test_a_weight_typed_before_the_script_loaded_gets_its_plan(
    page, live_server, login, users, hold_script, cohort
):
    """On a slow connection the weight is typed while infusion_form.js is still on its way: the
    script, once it runs, shows the plan for the weight already in the field."""
    login("pharmacist")
    script = hold_script("infusion_form")
    page.goto(
        f"{live_server.url}/pharmacy/patients/{cohort.pk}/infusions/new/", wait_until="commit"
    )
    page.locator("input[name=weight_kg]").fill("70,0")
    panel = page.locator("#dose-plan")
    expect(panel.locator('[data-dose-state="waiting"]')).to_be_visible()
    expect(page.locator("#infusion-form")).not_to_have_attribute("data-ready", "true")

    script.release()
    wait_until_ready(page, "#infusion-form")
    expect(panel.locator('[data-plan="covering"]')).to_contain_text(f"6 {TIMES} 120 mg = 720 mg")
    expect(panel.locator('[data-plan="rounded"]')).to_contain_text("640 mg")


def _at_risk_at_month(page, month: int) -> str:
    """The retention table's "at risk" figure under `month` on the dashboard."""
    table = page.locator("#retention table")
    months = [cell.strip() for cell in table.locator("thead th").all_inner_texts()]
    return (
        table.locator("tbody tr").first.locator("td").nth(months.index(str(month)) - 1).inner_text()
    )


def test_pharmacist_ends_a_follow_up_from_the_worklist(page, live_server, login, users, cohort):
    """A patient without an administration for 90 days is "to review"; the pharmacist records
    that she was transferred on the day of her last infusion: the row leaves the worklist and the
    dashboard's retention censors her there (no longer at risk at 6 months)."""
    today = timezone.localdate()
    last_given = today - timedelta(days=90)

    login("department_head")
    page.goto(f"{live_server.url}/reports/")
    assert _at_risk_at_month(page, 6) == "2"  # LUP-005 and LUP-008 have been followed 200 days
    page.locator("form[action$='/logout/'] button").click()

    login("pharmacist")
    row = page.locator('[data-worklist="to_review"] tr[data-patient="LUP-005"]')
    row.get_by_role("link", name="Terminer le suivi").click()
    page.locator("input[name=follow_up_end]").fill(last_given.strftime("%d/%m/%Y"))
    page.select_option("select[name=follow_up_end_reason]", label="Transféré dans un autre hôpital")
    page.locator("input[name=follow_up_end_note]").fill("CHU de Nancy")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page).to_have_url(re.compile(r"/pharmacy/$"))  # back to the worklist (?next=)
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator('tr[data-patient="LUP-005"]')).to_have_count(0)
    expect(page.locator('[data-worklist="due"] tr[data-patient="LUP-001"]')).to_have_count(1)
    page.locator("form[action$='/logout/'] button").click()

    login("department_head")
    page.goto(f"{live_server.url}/reports/")
    assert _at_risk_at_month(page, 6) == "1"  # censored at her transfer, day 110
