"""A clinician enters a visit by ticking descriptors, sees the live total, saves it and finds it
on the patient's timeline (French formats: dates 25/11/2026, decimals 0,5)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit
from belimumab.clinical.sledai_labels import ACTIVITY_LABELS, RESPONSE_REASONS
from tests.e2e.conftest import wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def french(text) -> str:
    """What the page shows in French (the English text until the catalogue is written)."""
    with translation.override("fr"):
        return str(text)


@pytest.fixture
def history(make_patient, make_infusion):
    """A patient 200 days into belimumab: baseline visit, serology, steroids, infusions with a
    gap, an infection; labs of the 6-month time point suggest two descriptors."""
    today = timezone.localdate()
    d0 = today - timedelta(days=200)
    patient = make_patient(code="SLE-E2E", start=d0)
    Visit.objects.create(
        patient=patient,
        date=d0,
        descriptors_recorded=True,
        descriptors=["arthritis", "rash", "low_complement", "increased_dna_binding"],
        sledai=10,
        pga=Decimal("1.5"),
        flare="none",
    )
    m6 = d0 + timedelta(days=182)
    for day, c3, dna in (
        (d0, "0.62", "180"),
        (d0 + timedelta(days=90), "0.7", "110"),
        (m6, "0.74", "75"),
    ):
        for test, value, unit, lower, upper in (
            ("c3", c3, "g/L", "0.79", "1.53"),
            ("c4", "0.12", "g/L", "0.15", "0.40"),
            ("anti_dsdna", dna, "IU/mL", "0", "50"),
            ("ch50", "35", "U/mL", "38", "79"),
        ):
            LabResult.objects.create(
                patient=patient,
                date=day,
                test=test,
                value=Decimal(value),
                unit=unit,
                lower_limit=Decimal(lower),
                upper_limit=Decimal(upper),
            )
    for day, dose in (
        (d0 - timedelta(days=60), "20"),
        (d0 + timedelta(days=60), "10"),
        (d0 + timedelta(days=120), "5"),
    ):
        TreatmentDose.objects.create(
            patient=patient, drug="prednisone", start_date=day, dose=Decimal(dose)
        )
    infusions = [d0, d0 + timedelta(days=14), d0 + timedelta(days=28)]
    infusions += [d0 + timedelta(days=28 + 28 * k) for k in (1, 2, 5, 6)]  # 2 cycles missed
    for day in infusions:
        make_infusion(patient, day)
    AdverseEvent.objects.create(
        patient=patient,
        onset_date=d0 + timedelta(days=70),
        term="Bronchitis",
        category="infection",
        site="Lower respiratory tract",
    )
    return patient, m6


def test_clinician_enters_a_visit_and_finds_it_on_the_timeline(
    page, live_server, login, users, screenshot, history
):
    patient, m6 = history
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login("clinician")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(f"{live_server.url}/clinical/patients/{patient.pk}/visits/new/")
    wait_until_ready(page, "#visit-form")

    page.fill("input[name=date]", m6.isoformat())
    page.locator("input[name=date]").dispatch_event("change")
    suggestion = page.locator("[data-descriptor=low_complement] [data-suggestion]")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text(m6.strftime("%d/%m/%Y"))

    total = page.locator("[data-sledai-total]")
    expect(total).to_have_text("0")
    page.check("#d-rash")
    expect(total).to_have_text("2")
    page.check("#d-low_complement")
    page.check("#d-increased_dna_binding")
    expect(total).to_have_text("6")
    expect(page.locator("[data-sledai-class]")).to_have_text(french(ACTIVITY_LABELS["moderate"]))
    page.uncheck("#d-increased_dna_binding")
    expect(total).to_have_text("4")
    expect(page.locator("[data-sledai-class]")).to_have_text(french(ACTIVITY_LABELS["mild"]))

    page.fill("input[name=pga]", "0,5")
    page.check("input[name=flare][value=none]")
    expect(page.locator("[data-flare-suggestion]")).to_be_visible()
    page.locator("h1").scroll_into_view_if_needed()
    screenshot(page, "visit_form")

    page.click("#visit-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/clinical/patients/{patient.pk}/timeline/$"))
    visit = Visit.objects.get(patient=patient, date=m6)
    assert visit.sledai == 4 and visit.descriptors == ["rash", "low_complement"]
    assert visit.pga == Decimal("0.5")

    row = page.locator("#visits tbody tr").first
    expect(row).to_contain_text(m6.strftime("%d/%m/%Y"))
    expect(row).to_contain_text("0,5")
    expect(page.locator("#timepoints")).to_contain_text(m6.strftime("%d/%m/%Y"))
    reason = french(RESPONSE_REASONS["drop_4"]) % {"sledai_m0": 10, "sledai_t": 4, "drop": 6}
    expect(page.locator("#status-M6")).to_contain_text(reason)
    expect(page.locator("#status-M6 [data-responder]")).to_have_attribute("data-responder", "true")
    wait_until_ready(page, ".plotly-figure", count=2)
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    page.locator("h1").scroll_into_view_if_needed()
    screenshot(page, "timeline")
    assert errors == []


def test_what_was_entered_before_the_script_loaded_is_scored_and_checked(
    page, live_server, login, users, hold_script, history
):
    """On a slow connection the date is typed and descriptors ticked while sledai.js is still
    on its way: once it runs, the live total counts them and the lab suggestions follow the
    date typed, not the one the server rendered."""
    patient, m6 = history
    third_month = m6 - timedelta(days=92)  # the labs of D0 + 90 days: low C3, high anti-dsDNA
    login("clinician")
    script = hold_script("sledai")
    page.goto(f"{live_server.url}/clinical/patients/{patient.pk}/visits/new/", wait_until="commit")
    page.fill("input[name=date]", third_month.isoformat())
    page.check("#d-rash")
    page.check("#d-low_complement")
    expect(page.locator("#visit-form")).not_to_have_attribute("data-ready", "true")

    script.release()
    wait_until_ready(page, "#visit-form")
    expect(page.locator("[data-sledai-total]")).to_have_text("4")
    expect(page.locator("[data-sledai-class]")).to_have_text(french(ACTIVITY_LABELS["mild"]))
    suggestion = page.locator("[data-descriptor=increased_dna_binding] [data-suggestion]")
    expect(suggestion).to_contain_text(third_month.strftime("%d/%m/%Y"))


def test_clinician_types_c3_in_mg_dl_accepts_the_conversion_and_reads_it_in_g_l(
    page, live_server, login, users, make_patient
):
    """C3 = 85 typed in g/L (a mg/dL value): refused beside the field with the conversion
    offered; one click puts 0,85 in the field, and the timeline shows 0,85 g/L (DOMAIN.md
    "Plausibility of what is entered")."""
    today = timezone.localdate()
    patient = make_patient(code="SLE-C3", start=today - timedelta(days=30))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login("clinician")
    page.goto(f"{live_server.url}/clinical/patients/{patient.pk}/labs/new/")
    page.fill("input[name=c3_value]", "85")
    page.click("#lab-form button[type=submit]")
    expect(page.locator("#error_c3_value")).to_contain_text("mg/dL")
    assert not LabResult.objects.exists()

    use = page.locator("[data-plausible-target=id_c3_value]")
    expect(use).to_contain_text("0,85")
    use.click()
    expect(page.locator("input[name=c3_value]")).to_have_value("0,85")
    page.click("#lab-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/clinical/patients/{patient.pk}/timeline/$"))
    assert LabResult.objects.get(patient=patient, test="c3").value == Decimal("0.85")
    expect(page.locator("#labs tbody tr").first).to_contain_text("0,85 g/L")
    assert errors == []
