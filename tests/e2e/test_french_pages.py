"""The four daily pages in French at 1,280 px, as a hospital screen shows them: no English word
of the known offenders in what the reader sees, numbers and dates the French way."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from playwright.sync_api import expect

from belimumab.cohort_io.services import cohort_import
from belimumab.patients.models import Patient
from belimumab.pharmacy.models import Infusion
from tests.e2e.conftest import wait_until_ready
from tests.test_i18n import _OFFENDER

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo():
    result = cohort_import(source=settings.BASE_DIR / "fixtures" / "demo", shift_to_today=True)
    assert result.ok, [str(p) for p in result.problems]


def _read(page, url: str) -> str:
    page.goto(url)
    text = page.locator("main").inner_text()
    assert _OFFENDER.findall(text) == [], url
    return text


def test_the_four_pages_in_french_at_1280_px(page, live_server, login, users, demo, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    patient = Patient.objects.annotate(
        n=Count("adverse_events", distinct=True) + Count("labs", distinct=True)
    ).order_by("-n", "code")[0]
    infusion = Infusion.objects.filter(course__regimen__route="iv").order_by("pk")[0]

    login("pharmacist")
    worklist = _read(page, live_server.url + reverse("pharmacy:worklist"))
    assert re.search(r"\d{2}/\d{2}/\d{4}", worklist) and "Dernière perfusion" in worklist
    page.screenshot(path=tmp_path / "worklist.png", full_page=True)
    sheet = _read(page, live_server.url + reverse("pharmacy:infusion_sheet", args=[infusion.pk]))
    assert "Feuille de préparation" in sheet
    page.screenshot(path=tmp_path / "sheet.png", full_page=True)
    page.locator("form[action$='/logout/'] button").click()

    login("clinician")
    timeline = _read(page, live_server.url + reverse("clinical:timeline", args=[patient.pk]))
    assert "UI/mL" in timeline and "10⁹/L" in timeline
    wait_until_ready(page, ".plotly-figure")
    page.screenshot(path=tmp_path / "timeline.png", full_page=True)
    page.locator("form[action$='/logout/'] button").click()

    login("department_head")
    dashboard = _read(page, live_server.url + reverse("reports:dashboard"))
    # thousands grouped by a narrow no-break space, a decimal comma
    assert re.search(r"\d{1,3}\u202f\d{3},\d{2}", dashboard), "cost not grouped the French way"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    wait_until_ready(page, ".plotly-figure", count=3)
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
