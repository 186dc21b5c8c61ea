"""Waste in money on the dashboard, in the exports and in the command (issue 14): the report's
filters and cut-off, French money, the pinned queries (tests/reports/test_dashboard.py)."""

from __future__ import annotations

import io
import json
from datetime import date

import plotly.graph_objects as go
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from belimumab.reports import exports
from belimumab.reports.charts import waste_bars
from belimumab.reports.templatetags.report_format import money
from tests.reports.builders import day, db_cohort
from tests.reports.test_dashboard import DASHBOARD_QUERIES

pytestmark = pytest.mark.django_db

URL = "reports:dashboard"
NBSP, NNBSP = "\u00a0", "\u202f"

# db_cohort: each patient's infusions on D0, D14, D28, then every 28 days to D196, 700 mg
# prescribed (70 kg), at the default prices 121.50 / 405.00 (1.0125 per mg both):
# - the 1st, 5th and 9th (D0, D112, D196): 640 mg given from 400 + 2 x 120 (rounded), 648.00,
#   nothing wasted; the exact dose needs 6 x 120 = 729.00: saved 81.00;
# - the others: 700 mg from 400 + 3 x 120 = 760 mg, 769.50, 60 mg wasted x 1.0125 = 60.75,
#   saved 729 - 769.50 = -40.50.
# Patient C002 starts on 9 March 2015: 9 Mar (rounded), 23 Mar, 6 Apr, 4 May, 1 Jun (rounded).
FILTERED = {"start_from": day(3).isoformat(), "as_of": "2015-06-15", "route": "iv"}
EXPECTED_MONTHS = [
    # month, infusions, wasted mg, waste cost, rounded, saved
    ("2015-03", 2, 60.0, 60.75, 1, 40.5),  # 81 - 40.50
    ("2015-04", 1, 60.0, 60.75, 0, -40.5),
    ("2015-05", 1, 60.0, 60.75, 0, -40.5),
    ("2015-06", 1, 0.0, 0.0, 1, 81.0),
]


def _months(report):
    return [
        (
            m["month"],
            m["iv_infusions"],
            m["waste_mg"],
            m["waste_cost"],
            m["rounded_infusions"],
            m["rounding_saved"],
        )
        for m in report["drug_cost"]["waste_by_month"]["months"]
    ]


def test_money_as_a_french_pharmacist_and_an_english_reader_write_it():
    with translation.override("fr"):
        assert money(1234.56, "EUR") == f"1{NNBSP}234,56{NBSP}€"
        assert money(-40.5, "EUR") == f"-40,50{NBSP}€"
        assert money(0, "EUR") == f"0,00{NBSP}€"
        assert money(1234.5, "CHF") == f"1{NNBSP}234,50{NBSP}CHF"
    with translation.override("en-gb"):
        assert money(1234.56, "EUR") == "€1,234.56"
        assert money(-40.5, "GBP") == "-£40.50"
    assert money(None, "EUR") == ""


def test_the_dashboard_shows_the_waste_per_month_of_the_filtered_cohort(
    client_for, django_assert_num_queries
):
    db_cohort(2)  # C001 from 2 March 2015 (left out by the filter), C002 from 9 March
    client = client_for("department_head")
    with django_assert_num_queries(DASHBOARD_QUERIES):  # no query added
        response = client.get(reverse(URL), FILTERED)
    report = response.context["report"]
    assert report["cohort"]["initiated"] == 1
    assert _months(report) == EXPECTED_MONTHS  # nothing after the 15 June cut-off
    total = report["drug_cost"]["waste_by_month"]["total"]
    assert (total["iv_infusions"], total["waste_mg"]) == (5, 180.0)
    assert (total["waste_cost"], total["rounding_saved"]) == (182.25, 40.5)
    html = response.content.decode()
    assert 'id="waste-by-month"' in html and 'id="waste-months"' in html
    # French: months named, money with a decimal comma and the symbol after it
    assert f"182,25{NBSP}€" in html and f"-40,50{NBSP}€" in html and "juin 2015" in html
    assert "Les stylos sous-cutanés sont à dose unique" in html
    # the section's other amounts read the same way: 2 x 648 + 3 x 769.50
    assert f'data-figure="cost-total">3{NNBSP}604,50{NBSP}€<' in html
    assert html.count('class="plotly-figure') == 4


def test_a_subcutaneous_selection_has_no_waste(client_for):
    db_cohort(2)
    response = client_for("department_head").get(reverse(URL), {"route": "sc"})
    by_month = response.context["report"]["drug_cost"]["waste_by_month"]
    assert by_month["months"] == [] and by_month["total"]["waste_cost"] == 0
    html = response.content.decode()
    assert 'id="waste-months"' not in html and html.count('class="plotly-figure') == 3


def test_the_exports_and_the_command_carry_the_waste_per_month(tmp_path):
    db_cohort(2)
    out = io.StringIO()
    call_command(
        "cohort_report", "--format", "json", "--from", day(3).isoformat(),
        "--as-of", "2015-06-15", stdout=out,
    )  # fmt: skip
    report = json.loads(out.getvalue())
    assert _months(report) == EXPECTED_MONTHS
    assert list(report["drug_cost"])[-1] == "waste_by_month"
    rows = dict(exports.report_records(report)[1])
    assert rows["drug_cost.waste_by_month.months.3.rounding_saved"] == 81.0
    assert rows["drug_cost.waste_by_month.total.waste_cost"] == 182.25
    target = tmp_path / "report.xlsx"
    call_command(
        "cohort_report", "--format", "xlsx", "--language", "fr", "--from", day(3).isoformat(),
        "--as-of", "2015-06-15", "-o", str(target), stderr=io.StringIO(),
    )  # fmt: skip
    book = load_workbook(target)
    sheet = [list(r) for r in book["Pertes par mois"].iter_rows(values_only=True)]
    assert sheet[0][0] == "Mois" and sheet[0][5] == "Coût du médicament perdu (EUR)"
    assert sheet[1] == ["2015-03", 2, 1400, 1340, 60, 60.75, 1, 40.5]  # 640 + 760, 640 + 700
    assert sheet[-1] == ["Total", 5, 3560, 3380, 180, 182.25, 2, 40.5]
    cost = {r[0]: r[1] for r in book["Coût"].iter_rows(values_only=True)}
    assert cost["Coût du médicament perdu"] == 182.25
    assert cost["Économie due à l'arrondi des doses"] == 40.5


def test_cut_off_before_any_infusion_gives_no_month(client_for):
    db_cohort(1, start=date(2015, 3, 2))
    response = client_for("department_head").get(reverse(URL), {"as_of": "2015-03-01"})
    assert response.context["report"]["drug_cost"]["waste_by_month"]["months"] == []


def test_the_waste_chart_is_a_valid_plotly_figure_with_a_bar_per_month():
    months = [
        {"month": "2015-03", "waste_cost": 60.75, "rounding_saved": 40.5},
        {"month": "2015-04", "waste_cost": 0.0, "rounding_saved": -30.0},
    ]
    labels = {"currency": "EUR", "waste_cost": "Wasted", "rounding_saved": "Saved"}
    fig = go.Figure(waste_bars(months, labels, ", "))  # plotly validates the spec
    wasted, saved = fig.data
    assert list(wasted.x) == ["2015-03-01", "2015-04-01"] and list(wasted.y) == [60.75, 0.0]
    assert (saved.name, list(saved.y)) == ("Saved", [40.5, -30.0])
    assert fig.layout.xaxis.tickformat == "%m/%Y" and fig.layout.separators == ", "
