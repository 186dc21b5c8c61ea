"""The cohort report from the database: queries, filters, command line, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from belimumab.clinical.models import Visit
from belimumab.patients.models import Course, Patient, Regimen
from belimumab.reports import exports, selectors
from belimumab.reports.dataset import ANALYSIS_COLUMNS
from belimumab.reports.report import SCHEMA, json_ready
from tests.reports.builders import D0, day, db_cohort

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [3, 30])
def test_seven_queries_whatever_the_number_of_patients(n, django_assert_num_queries):
    db_cohort(n)
    # patients + first course, infusions, visits, labs, treatments, adverse events,
    # adjudications
    with django_assert_num_queries(7):
        rows = selectors.cohort_rows()
    assert len(rows["patients"]) == n
    assert len(rows["visits"]) == 3 * n


def test_first_course_active_records_and_filters():
    first, second, other, sc = db_cohort(4)
    # a second course later: the cohort keeps the first one (the initiation)
    Course.objects.create(
        patient=first, regimen=Regimen.objects.get(code="sc_standard"), start_date=day(500)
    )
    # a deactivated visit and a deactivated patient are not read
    Visit.objects.filter(patient=second).update(is_active=False)
    Patient.objects.filter(pk=other.pk).update(is_active=False)
    Course.objects.filter(patient=sc).update(regimen=Regimen.objects.get(code="sc_standard"))
    Patient.objects.filter(pk=sc.pk).update(indication="other")

    rows = selectors.cohort_rows()
    assert [r["patient__code"] for r in rows["patients"]] == ["C001", "C002", "C004"]
    assert rows["patients"][0]["start_date"] == D0
    assert {r["patient_id"] for r in rows["visits"]} == {first.pk, sc.pk}

    def codes(**filters):
        rows = selectors.cohort_rows(selectors.CohortFilters(**filters))
        return [r["patient__code"] for r in rows["patients"]]

    assert codes(route="sc") == ["C004"]
    assert codes(route="iv") == ["C001", "C002"]
    assert codes(indication="sle") == ["C001", "C002"]
    assert codes(start_from=day(7), start_to=day(21)) == ["C002", "C004"]
    assert codes(start_to=day(6)) == ["C001"]


def _command(*args: str) -> bytes:
    out = io.StringIO()
    call_command("cohort_report", *args, stdout=out)
    return out.getvalue().encode("utf-8")


def test_the_command_and_the_page_give_the_same_numbers(client_for):
    db_cohort(5)
    from_command = json.loads(_command("--format", "json", "--route", "iv"))
    response = client_for("department_head").get(
        reverse("reports:export", kwargs={"kind": "report", "fmt": "json"}), {"route": "iv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    from_page = json.loads(response.content)
    assert from_command == from_page
    assert from_page["schema"] == SCHEMA
    assert from_page["filters"]["route"] == "iv"
    assert from_page["cohort"]["analysed"] == 5
    m0 = from_page["timepoints"]["M0"]
    assert m0["sledai"]["n"] == 5 and m0["steroid_mg_day"]["mean"] == 15
    assert from_page["timepoints"]["M6"]["steroid_sparing"]["mean_dose_decrease_pct"] == 50
    assert from_page["drug_cost"]["rounded_infusions"] == 15  # 3 per patient (640 for 700)
    assert set(from_page["models"]) == {
        "sledai",
        "steroid_mg_day",
        "steroid_mg_day_all",
        "anti_dsdna",
        "ch50",
        "c3",
        "c4",
    }


def test_command_formats(tmp_path):
    db_cohort(3)
    for fmt in ("csv", "xlsx", "html", "json"):
        target = tmp_path / f"report.{fmt}"
        call_command(
            "cohort_report", "--format", fmt, "--output", str(target), stderr=io.StringIO()
        )
        assert target.stat().st_size > 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in html and "C001" in html  # self-contained, figures inline
    assert "&lt;script" not in html and html.count('class="plotly-graph-div"') == 4
    rows = list(csv.reader(io.StringIO((tmp_path / "report.csv").read_text())))
    assert rows[0] == ["path", "value"]
    assert ["cohort.analysed", "3"] in rows
    dataset = tmp_path / "dataset.csv"
    call_command(
        "cohort_report", "--dataset", "--format", "csv", "-o", str(dataset), stderr=io.StringIO()
    )
    header, *lines = list(csv.reader(io.StringIO(dataset.read_text())))
    assert header == list(ANALYSIS_COLUMNS) and len(lines) == 9  # 3 patients x 3 time points
    with pytest.raises(CommandError):
        call_command("cohort_report", "--dataset", "--format", "html")
    with pytest.raises(CommandError):
        call_command("cohort_report", "--from", "2015-13-01")


@pytest.mark.parametrize("kind", ["dataset", "report"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_exports_carry_codes_never_names_nor_birth_dates(client_for, kind, fmt):
    db_cohort(2)
    Patient.objects.filter(code="C001").update(last_name="Zébulon", first_name="Ophélie")
    response = client_for("administrator").get(
        reverse("reports:export", kwargs={"kind": kind, "fmt": fmt})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES[fmt]
    assert f'filename="belimumab-cohort-{kind}.{fmt}"' in response["Content-Disposition"]
    text = _text(response.content, fmt)
    assert "C001" in text
    for personal in ("Zébulon", "Ophélie", "Martin", "1984-06-15", "15/06/1984"):
        assert personal not in text


def _text(content: bytes, fmt: str) -> str:
    if fmt != "xlsx":
        return content.decode("utf-8")
    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def test_spreadsheet_formulas_are_neutralised(client_for):
    (patient,) = db_cohort(1)
    Patient.objects.filter(pk=patient.pk).update(code="=HYPERLINK(1)")
    client = client_for("department_head")
    url = reverse("reports:export", kwargs={"kind": "dataset", "fmt": "csv"})
    lines = list(csv.reader(io.StringIO(client.get(url).content.decode())))
    codes = {line[0] for line in lines[1:]}
    assert codes == {"'=HYPERLINK(1)"}
    url = reverse("reports:export", kwargs={"kind": "dataset", "fmt": "xlsx"})
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == ["'=HYPERLINK(1)"] * 3
    # the report's sheets: the code neutralised in Table 2, numbers stay numbers
    client.cookies["django_language"] = "en"
    url = reverse("reports:export", kwargs={"kind": "report", "fmt": "xlsx"})
    book = load_workbook(io.BytesIO(client.get(url).content))
    assert book["Table 2"]["A2"].value == "'=HYPERLINK(1)"
    assert [c.value for c in book["Table 1"][2]][:3] == ["Patients", None, 1]


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.dates()
    | st.integers(-5, 5).map(np.int64)
    | st.floats(allow_nan=True).map(np.float64)
    | st.booleans().map(np.bool_)
)
_json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(
            st.text(max_size=4) | st.integers(0, 9) | st.booleans(), inner, max_size=4
        )
    ),
    max_leaves=30,
)


def _exponents(value) -> bool:
    """Whether json.dumps writes a float of `value` with an exponent (1e-05, 1e+16)."""
    if isinstance(value, dict):
        return any(_exponents(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_exponents(v) for v in value)
    return isinstance(value, float) and "e" in repr(value)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_json_text_is_the_standard_indented_json(value):
    """The JSON exports' encoder (orjson) writes the values json.dumps writes, in the same
    layout: the same text, but for exponents (orjson writes 1e-5 for json.dumps's 1e-05)."""
    reference = json.dumps(json_ready(value), ensure_ascii=False, indent=2)
    text = exports.json_text(value)
    assert json.loads(text) == json.loads(reference)
    if not _exponents(json_ready(value)):
        assert text == reference
    odd = {"when": pd.Timestamp("2015-03-02"), "cost": Decimal("1.5"), "x": [float("nan")]}
    assert exports.json_text(odd, default=str) == json.dumps(
        json_ready(odd), ensure_ascii=False, indent=2, default=str
    )
    with pytest.raises(TypeError):
        exports.json_text({"cost": Decimal("1.5")})


def test_safe_cell():
    assert [exports.safe_cell(v) for v in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=1")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "'\rx",
        "a=1",
    ]
    assert exports.safe_cell(-3.5) == -3.5 and exports.safe_cell(Decimal("-1")) == Decimal("-1")


def test_dataset_export_is_long_and_ready_for_r(client_for):
    db_cohort(2, start=date(2016, 1, 4))
    response = client_for("department_head").get(
        reverse("reports:export", kwargs={"kind": "dataset", "fmt": "csv"})
    )
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["patient"], r["timepoint"]) for r in records] == [
        (code, tp) for code in ("C001", "C002") for tp in ("M0", "M6", "M12")
    ]
    first = records[0]
    assert first["d0"] == "2016-01-04" and first["nominal_date"] == "2016-01-04"
    assert first["steroid_mg_day"] == "15.0" and first["on_treatment"] == "True"
    assert first["responder"] == ""  # no response at M0: an empty cell, R reads NA
    assert records[1]["day"] == "182" and records[1]["steroid_mg_day"] == "7.5"


def test_json_text_merges_keys_that_become_equal_like_json_ready():
    """{'3': a, 3: b} has one key once the keys are text (found by the hypothesis test above)."""
    value = {"3": None, 3: 1, "a": [{1: True, "1": False}]}
    assert exports.json_text(value) == json.dumps(json_ready(value), ensure_ascii=False, indent=2)
