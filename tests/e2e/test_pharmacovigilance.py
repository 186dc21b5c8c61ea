"""A clinician records an adverse event as pharmacovigilance expects: grade, causality, action
on belimumab and the report's date, which the page asks for when the report is ticked; the
timeline shows them (in French, the browser's language)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from belimumab.clinical.models import AdverseEvent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def french(text: str) -> str:
    with translation.override("fr"):
        return str(translation.gettext(text))


def test_clinician_records_a_graded_event_reported_to_pharmacovigilance(
    page, live_server, login, users, make_patient, screenshot
):
    today = timezone.localdate()
    patient = make_patient(code="SLE-PV", start=today - timedelta(days=120))
    onset = today - timedelta(days=10)
    login("clinician")
    page.goto(f"{live_server.url}/clinical/patients/{patient.pk}/adverse-events/new/")
    page.fill("input[name=term]", "Pneumopathie")
    page.select_option("select[name=category]", "infection")
    page.fill("input[name=site]", "Poumon droit")
    page.fill("input[name=onset_date]", onset.isoformat())
    page.check("input[name=serious]")
    page.select_option("select[name=outcome]", "resolving")
    page.select_option("select[name=severity_grade]", "3")
    page.select_option("select[name=causality]", "possibly_related")
    page.select_option("select[name=action_taken]", "delayed")
    page.check("input[name=reported_to_pv]")
    page.click("form.col-lg-6 button[type=submit]")

    # the report's date is missing: said beside its field, nothing saved
    error = page.locator("#div_id_pv_report_date")
    expect(error).to_contain_text(
        french("Give the date the event was reported to pharmacovigilance.")
    )
    assert not AdverseEvent.objects.exists()
    reported = onset + timedelta(days=2)
    page.fill("input[name=pv_report_date]", reported.isoformat())
    screenshot(page, "adverse_event_form")
    page.click("form.col-lg-6 button[type=submit]")

    expect(page).to_have_url(re.compile(rf"/clinical/patients/{patient.pk}/timeline/$"))
    row = page.locator("#adverse-events tbody tr").first
    expect(row).to_contain_text("Pneumopathie")
    expect(row).to_contain_text(french("3 - severe"))
    expect(row).to_contain_text(french("Possibly related"))
    expect(row).to_contain_text(french("Dose delayed"))
    expect(row).to_contain_text(reported.strftime("%d/%m/%Y"))
    event = AdverseEvent.objects.get()
    assert (event.severity_grade, event.reported_to_pv, event.pv_report_date) == (
        3,
        True,
        reported,
    )
