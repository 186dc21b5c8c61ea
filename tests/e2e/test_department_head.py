"""A department head logs in, lands on the dashboard of the study cohort (fixtures/study),
reads the headline figures in French, filters the initiation period, and downloads the
analysis dataset for R."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import wait_until_ready

# serialized_rollback: each test starts from the migrated data (the role groups), whatever ran
# before it (a serialized-rollback test flushes the tables without recreating them)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def study():
    call_command("import_cohort", "fixtures/study", stdout=io.StringIO(), stderr=io.StringIO())


def test_department_head_reads_filters_and_exports_the_study(
    page, live_server, login, users, screenshot, study
):
    login("department_head")
    expect(page).to_have_url(re.compile(r"/reports/$"))  # home sends department heads here

    headline = page.locator("#headline")
    expect(headline.locator('[data-figure="analysed"]')).to_have_text("14")
    expect(headline).to_contain_text("16")  # initiated
    expect(headline.locator('[data-figure="retention-m6"]')).to_have_text("86 %")
    expect(headline.locator('[data-figure="retention-m12"]')).to_have_text("79 %")
    expect(headline.locator('[data-figure="responders-M12"]')).to_have_text("8 / 14")
    expect(headline.locator('[data-figure="steroid-decrease"]')).to_have_text("45 %")
    expect(headline).to_contain_text("11,9 → 6,5")
    expect(page.locator("#evolution")).to_contain_text("6 (4,25-8)")
    expect(page.locator("#excluded")).to_contain_text("STR-15")
    expect(page.locator("#excluded")).to_contain_text("STR-16")
    # the three figures are drawn by plotly.js from their data blocks
    wait_until_ready(page, ".plotly-figure", count=3)
    expect(page.locator("#figure1 .plotly-figure .main-svg").first).to_be_visible()
    expect(page.locator("#retention .plotly-figure .main-svg").first).to_be_visible()
    screenshot(page, "dashboard")

    # initiated in 2014 or 2015: STR-01 to STR-09
    page.fill("input[name=start_from]", "01/01/2014")
    page.fill("input[name=start_to]", "31/12/2015")
    page.select_option("select[name=route]", "iv")
    page.click("#filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"start_to=31%2F12%2F2015"))
    expect(page.locator("input[name=start_to]")).to_have_value("31/12/2015")
    expect(page.locator('[data-figure="analysed"]')).to_have_text("9")
    expect(page.locator("#table2")).not_to_contain_text("STR-10")

    page.click("#exports button")
    with page.expect_download() as download_info:
        page.click('[data-export="dataset-csv"]')
    download = download_info.value
    assert download.suggested_filename == "belimumab-cohort-dataset.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["patient"] for r in rows} == {f"STR-{i:02d}" for i in range(1, 10)}
    assert len(rows) == 27  # 9 patients x M0, M6, M12
    assert "birth_date" not in rows[0] and "last_name" not in rows[0]
