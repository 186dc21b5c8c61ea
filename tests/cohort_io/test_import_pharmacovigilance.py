"""adverse_events.csv with the optional pharmacovigilance columns: read, checked with the entry
form's rules (`FILE:LINE: COLUMN: message`, all or nothing), and files without them unchanged."""

from __future__ import annotations

import pytest

from belimumab.clinical.models import AdverseEvent
from tests.cohort_io.test_import import (  # noqa: F401  (autouse fixtures: English, regimens)
    base_files,
    english,
    regimens,
    run,
    snapshot,
    write,
)

pytestmark = pytest.mark.django_db

HEADER = [
    "patient", "onset_date", "term", "category", "serious", "outcome",
    "severity_grade", "causality", "action_taken", "reported_to_pv", "pv_report_date",
]  # fmt: skip


def _with_pv(*rows: list[str]) -> dict[str, list[list[str]]]:
    files = base_files()
    files["adverse_events"] = [HEADER, *rows]
    return files


def test_columns_are_read(tmp_path):
    files = _with_pv(
        ["T-001", "2026-02-10", "Bronchitis", "infection", "no", "resolved",
         "2", "Possibly_Related", "none", "no", ""],
        ["T-001", "2026-03-02", "Pneumonia", "infection", "yes", "resolved",
         "3", "related", "interrupted", "yes", "2026-03-05"],
        ["T-001", "2026-04-01", "Rash", "rash", "no", "resolved", "", "", "", "", ""],
    )  # fmt: skip
    result = run(write(tmp_path / "pv", files))
    assert result.ok, [str(p) for p in result.problems]
    rows = list(
        AdverseEvent.objects.order_by("onset_date").values_list(
            "term", "severity_grade", "causality", "action_taken", "reported_to_pv",
            "pv_report_date",
        )
    )  # fmt: skip
    assert [(r[0], r[1], r[2], r[3], r[4], str(r[5])) for r in rows] == [
        ("Bronchitis", 2, "possibly_related", "none", False, "None"),
        ("Pneumonia", 3, "related", "interrupted", True, "2026-03-05"),
        ("Rash", None, "", "", False, "None"),
    ]
    # the same files again: nothing to write
    again = run(write(tmp_path / "pv", files))
    assert again.ok and again.changes == 0


def test_a_file_without_the_columns_keeps_what_was_recorded(tmp_path):
    files = _with_pv(
        ["T-001", "2026-02-10", "Bronchitis", "infection", "no", "resolved",
         "2", "related", "delayed", "yes", "2026-02-11"],
    )  # fmt: skip
    assert run(write(tmp_path / "one", files)).ok
    plain = base_files()  # the same event without the pharmacovigilance columns
    assert run(write(tmp_path / "two", plain)).ok
    event = AdverseEvent.objects.get()
    assert (event.severity_grade, event.causality, event.reported_to_pv) == (2, "related", True)


BAD = [
    (["6", "", "", "", ""], "severity_grade: 6 is outside 1..5"),
    (["two", "", "", "", ""], "severity_grade: 'two' is not a whole number"),
    (
        ["", "probable", "", "", ""],
        "causality: 'probable' is not one of: related, possibly_related, unlikely_related, "
        "unrelated",
    ),
    (
        ["", "", "stopped", "", ""],
        "action_taken: 'stopped' is not one of: none, delayed, interrupted, withdrawn",
    ),
    (["", "", "", "maybe", ""], "reported_to_pv: 'maybe': write yes or no"),
    (
        ["", "", "", "yes", ""],
        "pv_report_date: Give the date the event was reported to pharmacovigilance.",
    ),
    (
        ["", "", "", "yes", "2026-02-09"],
        "pv_report_date: The event was reported before its onset.",
    ),
    (["", "", "", "yes", "2027-01-02"], "pv_report_date: 2027-01-02 is in the future"),
    (
        ["", "", "", "no", "2026-02-12"],
        "reported_to_pv: A report date is given: tick 'reported to pharmacovigilance' or clear it.",
    ),
    (
        ["5", "", "", "", ""],
        "outcome: Grade 5 is death related to the event: the outcome is fatal.",
    ),
]


@pytest.mark.parametrize(
    ("cells", "message"), BAD, ids=[m.split(":")[0] + str(i) for i, (_, m) in enumerate(BAD)]
)
def test_bad_cells_are_reported_with_their_place_and_nothing_is_written(tmp_path, cells, message):
    files = _with_pv(["T-001", "2026-02-10", "Bronchitis", "infection", "no", "resolved", *cells])
    before = snapshot()
    result = run(write(tmp_path / "bad", files))
    assert [str(p) for p in result.problems] == [f"adverse_events.csv:2: {message}"]
    assert not result.written and snapshot() == before
