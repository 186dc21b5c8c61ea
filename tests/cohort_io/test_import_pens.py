"""infusions.csv's optional `pens` column: an SC row is a dispensation of N pens (issue 16).

Without the column (every file written before it), a row of an SC course is one pen, one week.
T-002 of the base files is an SC course started on 2026-02-02 (a Monday), stopped 2026-06-01.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from belimumab.cohort_io.formats import FILES
from belimumab.pharmacy.models import CourseSchedule, Infusion
from tests.cohort_io.test_import import base_files, english, regimens, run, snapshot, write  # noqa: F401

pytestmark = pytest.mark.django_db


def with_pens(*cells: str) -> dict[str, list[list[str]]]:
    """The base files with a `pens` column; `cells` for the four infusion rows in order."""
    files = base_files()
    files["infusions"][0].append("pens")
    for row, value in zip(files["infusions"][1:], cells, strict=True):
        row.append(value)
    return files


def _sc_schedule() -> CourseSchedule:
    return CourseSchedule.objects.get(course__patient__code="T-002")


def test_the_format_declares_an_optional_pens_column() -> None:
    assert "pens" in FILES["infusions"].columns
    assert "pens" not in FILES["infusions"].required


def test_without_the_column_an_sc_row_is_one_pen(tmp_path: Path) -> None:
    result = run(write(tmp_path / "old", base_files()))
    assert result.ok, [str(p) for p in result.problems]
    assert Infusion.objects.get(patient__code="T-002").pens == 1
    stored = _sc_schedule()
    assert (stored.given_count, stored.next_due, stored.last_pens) == (1, date(2026, 2, 9), 1)
    assert set(Infusion.objects.values_list("pens", flat=True)) == {1}


def test_the_column_says_how_many_pens(tmp_path: Path) -> None:
    result = run(write(tmp_path / "new", with_pens("", "", "1", "4")))
    assert result.ok, [str(p) for p in result.problems]
    assert Infusion.objects.get(patient__code="T-002").pens == 4
    # 4 pens on 2 February cover 2, 9, 16 and 23 February: due on 2 March
    stored = _sc_schedule()
    assert (stored.given_count, stored.last_given, stored.next_due, stored.last_pens) == (
        4,
        date(2026, 2, 23),
        date(2026, 3, 2),
        4,
    )
    assert list(Infusion.objects.filter(patient__code="T-001").values_list("pens", flat=True)) == [
        1,
        1,
        1,
    ]


def test_a_file_without_the_column_keeps_the_stored_pens(tmp_path: Path) -> None:
    assert run(write(tmp_path / "new", with_pens("", "", "", "4"))).ok
    again = run(write(tmp_path / "old", base_files()))
    assert again.ok, [str(p) for p in again.problems]
    assert Infusion.objects.get(patient__code="T-002").pens == 4


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("", "", "", "0"), "infusions.csv:5: pens: 0 is outside 1..26"),
        (("", "", "", "four"), "infusions.csv:5: pens: 'four' is not a whole number"),
        (
            ("2", "", "", "4"),
            "infusions.csv:2: pens: pens are dispensed for a subcutaneous course only: leave it "
            "empty or 1",
        ),
    ],
)
def test_bad_pens_are_problems_and_nothing_is_written(
    tmp_path: Path, cells: tuple[str, ...], expected: str
) -> None:
    assert run(write(tmp_path / "first", base_files())).ok
    before = snapshot()
    result = run(write(tmp_path / "bad", with_pens(*cells)))
    assert [str(p) for p in result.problems] == [expected]
    assert not result.written
    assert snapshot() == before
