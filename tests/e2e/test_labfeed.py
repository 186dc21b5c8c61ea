"""A clinician approves two results of the laboratory's feed; the patient's timeline shows them
with the reference range the message gave (not the laboratory defaults)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from belimumab.clinical.models import LabResult
from belimumab.labfeed import services
from tests.labfeed.conftest import obx, oru

EN_DASH = "\N{EN DASH}"  # between the limits on the timeline

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_clinician_approves_two_results_and_finds_them_on_the_timeline(
    page, live_server, login, users, make_patient
):
    patient = make_patient(code="SLE-LAB", hospital_id="800123")
    observed = (timezone.localdate() - timedelta(days=3)).strftime("%Y%m%d0815")
    sender = services.sender_for_files("lab-files")
    receipt = services.message_receive(
        sender=sender,
        text=oru(
            "LAB-E2E-1",
            "800123",
            obx(1, "4485-9^Complement C3^LN", "0.62", "g/L", "0.90-1.80", observed=observed),
            obx(2, "4498-2^Complement C4^LN", "0.09", "g/L", "0.10-0.40", observed=observed),
        ),
    )
    assert receipt.created == 2
    login("clinician")
    page.goto(f"{live_server.url}/labfeed/")
    rows = page.locator("#ready tbody tr")
    expect(rows).to_have_count(2)
    for _ in range(2):
        page.locator("#ready button[value=accept]").first.click()
        expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#ready")).to_have_count(0)
    assert LabResult.objects.filter(patient=patient).count() == 2

    page.goto(f"{live_server.url}/clinical/patients/{patient.pk}/timeline/")
    labs = page.locator("#labs tbody")
    c3 = labs.locator("tr", has_text="C3")
    c4 = labs.locator("tr", has_text="C4")
    # the message's ranges: 0.90-1.80 and 0.10-0.40 (the defaults are 0.79-1.53, 0.15-0.40)
    expect(c3).to_contain_text("0,62 g/L")
    expect(c3).to_contain_text(f"0,9 {EN_DASH} 1,8")
    expect(c4).to_contain_text("0,09 g/L")
    expect(c4).to_contain_text(f"0,1 {EN_DASH} 0,4")
