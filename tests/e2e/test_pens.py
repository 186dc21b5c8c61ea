"""A pharmacist dispenses 4 pens to a patient on subcutaneous belimumab from the worklist: the
form asks the pens (no premedication, no reaction, no vial plan), the next dispensation is due
4 weeks later and the patient page shows the pens and the weeks they cover (French)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from belimumab.pharmacy.models import Infusion
from tests.e2e.conftest import wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_pharmacist_dispenses_pens_from_the_worklist(
    page, live_server, login, users, make_user, make_patient, make_infusion
):
    make_user("pharmacist2", "pharmacist", first_name="Paul", last_name="Lefèvre")
    today = timezone.localdate()
    patient = make_patient(
        code="SC-001", start=today - timedelta(days=28), regimen="sc_standard", last_name="Petit"
    )
    make_infusion(  # 4 pens 28 days ago: covered until yesterday, due today
        patient,
        today - timedelta(days=28),
        prescribed_dose_mg=Decimal(200),
        prepared_dose_mg=Decimal(200),
        premedication=False,
        pens=4,
    )

    login("pharmacist")
    row = page.locator('[data-worklist="due"] tr[data-patient="SC-001"]')
    expect(row.locator("[data-pens]")).to_have_text("4 stylos")
    expect(row.locator("[data-dispensation]")).to_have_text("dispensation à faire")
    row.get_by_role("link", name="Dispenser").click()

    expect(page).to_have_url(re.compile(r"/pharmacy/patients/\d+/infusions/new/$"))
    expect(page.locator("h1")).to_have_text("Enregistrer une dispensation")
    wait_until_ready(page, "#infusion-form")
    expect(page.locator("input[name=pens]")).to_have_value("4")
    expect(page.locator("input[name=premedication]")).to_have_count(0)
    expect(page.locator("select[name=reaction]")).to_have_count(0)
    expect(page.locator('#dose-plan [data-plan="pens"]')).to_be_visible()
    expect(page.locator('#dose-plan [data-plan="covering"]')).to_have_count(0)

    # the stock holds no pen lot: the lots are written as recorded
    expect(page.locator('#dose-plan [data-lot-proposal="sc200"] [data-no-stock]')).to_be_visible()
    page.fill("input[name=lots_as_recorded]", "P1, P2, P3, P4")
    page.select_option("select[name=checked_by]", label="Paul Lefèvre")
    page.get_by_role("button", name="Enregistrer la dispensation").click()

    next_due = (today + timedelta(days=28)).strftime("%d/%m/%Y")
    expect(page.locator(".alert-success")).to_contain_text("Dispensation enregistrée pour SC-001")
    expect(page.locator(".alert-success")).to_contain_text(next_due)
    expect(page.locator("[data-next-due]")).to_contain_text(next_due)
    saved = Infusion.objects.get(patient=patient, date=today)
    expect(page.locator(f'tr[data-infusion="{saved.pk}"] [data-weeks]')).to_have_text(
        "(4 semaines couvertes)"
    )
    assert (saved.pens, saved.premedication) == (4, False)

    page.goto(f"{live_server.url}/pharmacy/")
    expect(page.locator('tr[data-patient="SC-001"]')).to_have_count(0)  # covered for 4 weeks
