"""The import reads dd/mm/yyyy (a French spreadsheet's dates) beside ISO, always day first."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from belimumab.clinical.models import Visit
from belimumab.cohort_io.formats import parse_date
from belimumab.cohort_io.readers import tables_from_rows
from belimumab.cohort_io.shifting import latest_date, shift_dates
from belimumab.patients.models import Course, Patient
from belimumab.pharmacy.models import Infusion
from tests.cohort_io.test_import import base_files, run, snapshot, write


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03", date(2026, 12, 3)),
        ("03/12/2026", date(2026, 12, 3)),  # 3 December, never 12 March
        ("3/12/2026", date(2026, 12, 3)),
        ("12/03/2026", date(2026, 3, 12)),
        ("31/01/2026", date(2026, 1, 31)),
        ("29/02/2024", date(2024, 2, 29)),
        ("29/02/2026", None),  # not a leap year
        ("01/13/2026", None),  # month 13: a month-first date is refused, not swapped
        ("12/31/2026", None),
        ("03/12/26", None),  # two-digit year: which century?
        ("03-12-2026", None),
        ("2026/12/03", None),
        ("3.12.2026", None),
        ("", None),
        ("03/12/2026 ", None),
    ],
)
def test_a_date_cell_is_iso_or_day_first(text, expected):
    assert parse_date(text) == expected


def _day_first(text: str) -> str:
    year, month, day = text.split("-")
    return f"{day}/{month}/{year}"


def _all_dates_day_first(files):
    """Every ISO date cell of the files rewritten as a French spreadsheet writes it."""
    for rows in files.values():
        for row in rows[1:]:
            for index, cell in enumerate(row):
                if len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
                    row[index] = _day_first(cell)
    return files


@pytest.mark.django_db
def test_day_first_files_import_the_same_days_as_iso(tmp_path):
    result = run(write(tmp_path / "fr", _all_dates_day_first(base_files())))
    assert result.ok, [str(p) for p in result.problems]
    alice = Patient.objects.get(code="T-001")
    assert alice.birth_date == date(1985, 3, 14)
    assert Course.objects.get(patient=alice).start_date == date(2026, 1, 5)
    assert sorted(Infusion.objects.filter(patient=alice).values_list("date", flat=True)) == [
        date(2026, 1, 5),
        date(2026, 1, 19),
        date(2026, 2, 2),
    ]
    assert sorted(Visit.objects.filter(patient=alice).values_list("date", flat=True)) == [
        date(2026, 1, 5),
        date(2026, 7, 6),
    ]
    iso_rows = snapshot()
    # The same cohort in ISO afterwards changes nothing: the same days, matched by their keys.
    again = run(write(tmp_path / "iso", base_files()))
    assert again.ok and snapshot() == iso_rows


@pytest.mark.django_db
def test_a_month_first_date_is_refused_with_its_place(tmp_path):
    files = base_files()
    files["visits"][1][1] = "01/31/2026"  # 31 January written month first
    before = snapshot()
    result = run(write(tmp_path / "bad", files))
    assert [str(p) for p in result.problems] == [
        "visits.csv:2: date: '01/31/2026' is not a date: write YYYY-MM-DD or DD/MM/YYYY"
    ]
    assert snapshot() == before


def test_a_date_shift_moves_day_first_dates_and_writes_them_in_iso():
    tables = tables_from_rows(
        {
            "visits": (
                ["patient", "date", "sledai_total"],
                [{"patient": "P-1", "date": "30/11/2026"}],
            )
        }
    )
    assert latest_date(tables) == date(2026, 11, 30)
    shifted = shift_dates(tables, 3)
    assert shifted["visits"].rows[0][1]["date"] == "2026-12-03"
