"""patients.csv's follow_up_end, follow_up_end_reason and follow_up_end_note columns."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from belimumab.cohort_io.readers import tables_from_rows
from belimumab.cohort_io.services import cohort_import
from belimumab.cohort_io.shifting import shift_dates
from belimumab.domain import cohort
from belimumab.patients.models import Course
from tests.cohort_io.test_import import STUDY, base_files, english, regimens, run, write  # noqa: F401

pytestmark = pytest.mark.django_db

COLUMNS = ["follow_up_end", "follow_up_end_reason", "follow_up_end_note"]


def with_follow_up_end(*cells: list[str]) -> dict[str, list[list[str]]]:
    """The base files with the three columns; `cells` for T-001 and T-002 (T-002 stopped)."""
    files = base_files()
    files["patients"][0] += COLUMNS
    for row, values in zip(files["patients"][1:], cells, strict=True):
        row += values
    return files


def test_an_end_of_follow_up_is_imported_beside_a_running_course(tmp_path: Path) -> None:
    files = with_follow_up_end(["2026-09-30", "Transferred", "Moved to Lyon"], ["", "", ""])
    result = run(write(tmp_path / "in", files))
    assert result.ok, [str(p) for p in result.problems]
    course = Course.objects.get(patient__code="T-001")
    assert (course.follow_up_end, course.follow_up_end_reason, course.follow_up_end_note) == (
        date(2026, 9, 30),
        "transferred",
        "Moved to Lyon",
    )
    assert (course.stop_date, course.stop_reason) == (None, "")  # not a stop
    assert Course.objects.get(patient__code="T-002").follow_up_end is None


def test_files_without_the_columns_keep_the_stored_end(tmp_path: Path) -> None:
    files = with_follow_up_end(["2026-09-30", "death", ""], ["", "", ""])
    assert run(write(tmp_path / "with", files)).ok
    again = run(write(tmp_path / "without", base_files()))
    assert again.ok, [str(p) for p in again.problems]
    assert Course.objects.get(patient__code="T-001").follow_up_end == date(2026, 9, 30)


def test_an_empty_cell_clears_it(tmp_path: Path) -> None:
    assert run(
        write(tmp_path / "a", with_follow_up_end(["2026-09-30", "death", "x"], ["", "", ""]))
    ).ok
    cleared = with_follow_up_end(["", "", ""], ["", "", ""])
    cleared["patients"][0].remove("follow_up_end_note")
    for row in cleared["patients"][1:]:
        row.pop()
    assert run(write(tmp_path / "b", cleared)).ok
    course = Course.objects.get(patient__code="T-001")
    assert (course.follow_up_end, course.follow_up_end_reason, course.follow_up_end_note) == (
        None,
        "",
        "",
    )


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            ["2026-09-30", "retired", ""],
            "patients.csv:2: follow_up_end_reason: 'retired' is not one of: lost_to_follow_up, "
            "transferred, death, study_end",
        ),
        (
            ["2026-01-04", "death", ""],
            "patients.csv:2: follow_up_end: before the start date 2026-01-05",
        ),
        (
            ["2026-09-30", "", ""],
            "patients.csv:2: follow_up_end_reason: required when there is an end of follow-up",
        ),
        (
            ["", "lost_to_follow_up", ""],
            "patients.csv:2: follow_up_end: required when there is a reason for the end of "
            "follow-up",
        ),
        (["2027-01-01", "death", ""], "patients.csv:2: follow_up_end: 2027-01-01 is in the future"),
        (
            ["2026-09-30", "death", "x" * 301],
            "patients.csv:2: follow_up_end_note: too long: 301 characters, at most 300",
        ),
    ],
)
def test_bad_cells_are_reported_and_nothing_is_written(
    tmp_path: Path, cells: list[str], expected: str
) -> None:
    result = run(write(tmp_path / "bad", with_follow_up_end(cells, ["", "", ""])))
    assert [str(p) for p in result.problems] == [expected]
    assert not Course.objects.exists()


def test_a_reason_without_the_date_column_is_reported(tmp_path: Path) -> None:
    files = base_files()
    files["patients"][0].append("follow_up_end_reason")
    files["patients"][1].append("death")
    files["patients"][2].append("")
    result = run(write(tmp_path / "bad", files))
    assert [str(p) for p in result.problems] == [
        "patients.csv:2: follow_up_end_reason: a reason for the end of follow-up needs the "
        "follow_up_end column"
    ]


def test_a_date_shift_moves_the_end_of_follow_up() -> None:
    files = with_follow_up_end(["2026-09-30", "study_end", ""], ["", "", ""])
    header, *rows = files["patients"]
    tables = tables_from_rows(
        {"patients": (header, [dict(zip(header, r, strict=True)) for r in rows])}
    )
    shifted = shift_dates(tables, 10)
    assert shifted["patients"].rows[0][1]["follow_up_end"] == "2026-10-10"


def test_the_study_fixture_closes_every_course_and_still_reaches_m12(tmp_path: Path) -> None:
    """Every study course ends: stopped, or follow-up ended at D0 + 365 (end of the study's
    follow-up), so none stays on a worklist; an end on the nominal M12 date still reaches M12."""
    result = cohort_import(source=STUDY, today=date(2026, 11, 25))
    assert result.ok, [str(p) for p in result.problems]
    courses = list(Course.objects.select_related("patient"))
    assert len(courses) == 16
    stopped = {c.patient.code for c in courses if c.stop_date}
    assert stopped == {"STR-01", "STR-12", "STR-13", "STR-14"}
    for course in courses:
        if course.stop_date:
            assert course.follow_up_end is None
            continue
        assert course.follow_up_end == course.start_date + timedelta(days=365)
        assert course.follow_up_end_reason == "study_end"
        assert cohort.reached(
            course.start_date, "M12", date(2026, 11, 25), follow_up_end=course.follow_up_end
        )
