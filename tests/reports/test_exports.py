"""The exports' content, hand-checked: one marker for a missing value in every column type, the
French-spreadsheet CSV, the report's XLSX as one sheet per table (read back with openpyxl)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from belimumab.reports import exports
from belimumab.reports.report import build_report
from tests.reports.builders import Cohort, db_cohort

BOM = b"\xef\xbb\xbf"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _cohort():
    """P01: SLEDAI 8 -> 4 -> visit without a score at M12, C3 0.7 at D0, prednisone 15 then 7.5,
    a grade 3 pneumonia; P02: one visit at D0 (SLEDAI 6), nothing else (missing dates,
    numbers, texts)."""
    return (
        Cohort()
        .patient(1)
        .visit(1, 0, 8)
        .visit(1, 182, 4)
        .visit(1, 365, None)
        .lab(1, 0, "c3", 0.7, 0.79, 1.53)
        .dose(1, "prednisone", -10, 15)
        .dose(1, "prednisone", 100, 7.5)
        .adverse_event(
            1, 30, "infection", serious=True, term="Pneumonia; right lung", severity_grade=3
        )
        .patient(2)
        .visit(2, 0, 6)
        .build()
    )


def _rows(content: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def _row(rows, patient, tp):
    (found,) = [r for r in rows if r["patient"] == patient and r["timepoint"] == tp]
    return found


# --- one marker for a missing value ----------------------------------------------------------


def test_missing_values_are_empty_cells_in_every_column_type():
    ds = _cohort()
    rows = _rows(exports.export_bytes("dataset", "csv", ds, build_report(ds)))
    p2_m6 = _row(rows, "P02", "M6")
    # dates, numbers, texts: all missing, all empty
    for column in ("visit_date", "sledai", "pga", "flare", "c3", "c3_date", "stop_date"):
        assert p2_m6[column] == "", column
    p1_m12 = _row(rows, "P01", "M12")
    assert p1_m12["visit_date"] == "2016-03-01" and p1_m12["sledai"] == ""  # visit, no score
    # no other spelling of "missing" anywhere in the file
    cells = {value for row in rows for value in row.values()}
    assert not cells & {"NA", "NaT", "nan", "NaN", "None", "<NA>", "null"}


def test_missing_values_are_empty_in_xlsx_and_null_in_json():
    ds = _cohort()
    report = build_report(ds)
    book = load_workbook(io.BytesIO(exports.export_bytes("dataset", "xlsx", ds, report)))
    sheet = book["dataset"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    p2_m6 = _row(rows, "P02", "M6")
    assert [p2_m6[c] for c in ("visit_date", "sledai", "flare", "c3_date")] == [None] * 4
    assert _row(rows, "P01", "M0")["c3"] == 0.7
    records = json.loads(exports.export_bytes("dataset", "json", ds, report))["rows"]
    p2_m6 = _row(records, "P02", "M6")
    assert [p2_m6[c] for c in ("visit_date", "sledai", "flare", "c3_date")] == [None] * 4


# --- the French spreadsheet's CSV --------------------------------------------------------------


def test_french_csv_semicolons_decimal_comma_day_first_dates_and_a_bom():
    ds = _cohort()
    content = exports.export_bytes("dataset", "csv_fr", ds, build_report(ds))
    assert content.startswith(BOM)
    first_line = content[len(BOM) :].split(b"\r\n")[0].decode()
    assert first_line.startswith("patient;timepoint;idx;day;nominal_date;")
    rows = _rows(content, ";")
    m0 = _row(rows, "P01", "M0")
    assert (m0["d0"], m0["nominal_date"], m0["c3_date"]) == ("02/03/2015",) * 3
    assert (m0["c3"], m0["steroid_mg_day"], m0["sledai"]) == ("0,7", "15,0", "8")
    assert _row(rows, "P01", "M6")["steroid_mg_day"] == "7,5"
    assert _row(rows, "P02", "M6")["visit_date"] == ""  # the same missing marker
    assert m0["as_of"] == "01/01/2025"


def test_french_csv_of_the_report_quotes_text_holding_a_semicolon():
    ds = _cohort()
    content = exports.export_bytes("report", "csv_fr", ds, build_report(ds))
    rows = dict(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows["as_of"] == "01/01/2025"
    assert rows["adverse_events.table.0.term"] == "Pneumonia; right lung"
    assert '"Pneumonia; right lung"' in content.decode("utf-8-sig")
    assert rows["timepoints.M0.sledai.mean"] == "7,0"  # (8 + 6) / 2


# --- the report's XLSX: one sheet per table ---------------------------------------------------

SHEETS = [
    "Table 1",
    "Table 2",
    "Time points",
    "Evolution",
    "Models",
    "Retention",
    "Adverse events",
    "Adverse events by grade",
    "Cost",
    "Waste by month",
]


def _sheet(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_report_xlsx_has_one_sheet_per_table_with_headers_for_a_paper():
    ds = _cohort()
    report = build_report(ds)
    book = load_workbook(io.BytesIO(exports.export_bytes("report", "xlsx", ds, report)))
    assert book.sheetnames == SHEETS
    table1 = _sheet(book, "Table 1")
    assert table1[0][:4] == ["Characteristic", "Category", "n", "%"]
    assert table1[1][:3] == ["Patients", None, 2]
    assert table1[2][:5] == ["Age at initiation (years)", None, 2, None, 34]  # n, mean
    assert ["Lupus manifestations", "Cutaneous and articular", 2, 100, *[None] * 7] in table1
    assert ["Concomitant treatments at initiation", "Prednisone", 1, 50, *[None] * 7] in table1
    table2 = _sheet(book, "Table 2")
    assert table2[0][:6] == [
        "Patient",
        "Treatments at initiation",
        "Stop",
        "M0 SELENA-SLEDAI",
        "M0 mg/day",
        "M6 SELENA-SLEDAI",
    ]
    # P01: 8 -> 4 (a fall of 4: responder at M6), 15 -> 7.5 mg/day; M12 visit without a score
    assert table2[1][:9] == ["P01", "Prednisone 15 mg/day", None, 8, 15, 4, 7.5, "yes", None]
    assert table2[0][7] == "M6 responder"
    timepoints = _sheet(book, "Time points")
    assert timepoints[0][:4] == [
        "Time point",
        "Reached the time point",
        "Not reached yet (not counted)",
        "On belimumab",
    ]
    # M6: P01 responder (8 -> 4), P02 not evaluable (no visit): 1 of 2 reached, 50 %
    assert timepoints[2][:8] == ["M6", 2, 0, 2, 1, 0, 1, 50]
    evolution = _sheet(book, "Evolution")
    sledai_m0 = next(r for r in evolution if r[0] == "SELENA-SLEDAI" and r[2] == "M0")
    assert sledai_m0[3:8] == [2, 7, pytest.approx(1.414213562), 7, 6.5]  # n mean sd median q1
    models = _sheet(book, "Models")
    assert models[0][:8] == ["Variable", "Model", "Contrast", "Estimate", "SE", "df", "t", "p"]
    assert len(models) == 1 + 7 * 2 * 2  # 7 variables, 2 models, 2 contrasts
    assert models[1][:3] == ["SELENA-SLEDAI", "Random intercept + AR(1)", "M6 - M0"]
    retention = _sheet(book, "Retention")
    assert retention[0][:4] == ["Months", "Days", "At risk", "Still treated (%)"]
    assert retention[1][:4] == [0, 0, 2, 100]
    adverse = _sheet(book, "Adverse events")
    assert adverse == [
        ["Category", "Event", "Site", "Serious", "Events", "Patients"],
        ["Infection", "Pneumonia; right lung", None, "yes", 1, 1],
    ]
    grades = _sheet(book, "Adverse events by grade")
    assert grades[0] == [
        "Category",
        "Grade 1",
        "Grade 2",
        "Grade 3",
        "Grade 4",
        "Grade 5",
        "Not graded",
        "Grade ≥ 3",
    ]
    assert grades[1:] == [["Infection", 0, 0, 1, 0, 0, 0, 1], ["All events", 0, 0, 1, 0, 0, 0, 1]]
    cost = {r[0]: r[1:] for r in _sheet(book, "Cost")}
    infusions = cost["Intravenous infusions"][0]
    assert cost["Vials of 120 mg opened"][0] == 3 * infusions  # 3 x 120 + 400 per infusion
    assert cost["Vials of 400 mg opened"][0] == infusions
    assert cost["Total cost"] == [
        pytest.approx(infusions * (3 * 121.5 + 405)),
        "EUR",
    ]  # the default currency (DOMAIN.md: a French hospital)


def test_report_xlsx_shows_numbers_with_a_format_and_keeps_their_value():
    ds = _cohort()
    book = load_workbook(io.BytesIO(exports.export_bytes("report", "xlsx", ds, build_report(ds))))
    header = book["Table 1"][1]
    assert all(cell.font.bold for cell in header)
    treated = next(r for r in book["Table 1"].iter_rows(min_row=2) if r[1].value == "Prednisone")
    assert treated[3].value == 50 and treated[3].number_format == "0.0"
    evolution = book["Evolution"]
    sd = next(row for row in evolution.iter_rows(min_row=2) if row[0].value == "SELENA-SLEDAI")[5]
    assert sd.value == pytest.approx(2**0.5) and sd.number_format == "0.00"


# --- the dashboard's links and cohort_report ---------------------------------------------------


@pytest.mark.django_db
def test_dashboard_offers_the_french_csv_and_serves_it(client_for):
    db_cohort(2)
    client = client_for("department_head")
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:dashboard")).content.decode()
    url = reverse("reports:export", kwargs={"kind": "dataset", "fmt": "csv_fr"})
    assert f'href="{url}"' in html and "Analysis dataset (CSV, French spreadsheet)" in html
    assert "Report (XLSX, one sheet per table)" in html
    response = client.get(url)
    assert response["Content-Disposition"] == (
        'attachment; filename="belimumab-cohort-dataset-fr.csv"'
    )
    text = response.content.decode("utf-8-sig")
    for personal in ("Martin", "Claire", "15/06/1984", "1984-06-15"):  # never names nor births
        assert personal not in text
    rows = _rows(response.content, ";")
    assert _row(rows, "C001", "M0")["d0"] == "02/03/2015"
    assert _row(rows, "C001", "M6")["steroid_mg_day"] == "7,5"


@pytest.mark.django_db
def test_cohort_report_writes_the_french_csv_and_the_sheets(tmp_path):
    db_cohort(2)
    target = tmp_path / "dataset.csv"
    call_command(
        "cohort_report", "--dataset", "--format", "csv_fr", "-o", str(target),
        stderr=io.StringIO(),
    )  # fmt: skip
    content = target.read_bytes()
    assert content.startswith(BOM)
    assert _row(_rows(content, ";"), "C002", "M0")["nominal_date"] == "09/03/2015"
    book_path = tmp_path / "report.xlsx"
    call_command(
        "cohort_report", "--format", "xlsx", "--language", "en", "-o", str(book_path),
        stderr=io.StringIO(),
    )  # fmt: skip
    book = load_workbook(book_path)
    assert book.sheetnames == SHEETS
    assert [c.value for c in book["Table 2"]["A"]][1:] == ["C001", "C002"]
