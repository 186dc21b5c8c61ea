"""The pharmacovigilance rules of an adverse event, one row per case."""

from __future__ import annotations

from datetime import date

import pytest

from belimumab.domain import pharmacovigilance as pv

ONSET = date(2026, 3, 10)
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("reported", "report_date", "onset", "expected"),
    [
        (False, None, ONSET, None),
        (False, date(2026, 3, 12), ONSET, pv.REPORT_DATE_WITHOUT_FLAG),
        (True, None, ONSET, pv.REPORT_DATE_REQUIRED),
        (True, date(2026, 3, 9), ONSET, pv.REPORT_BEFORE_ONSET),
        (True, ONSET, ONSET, None),  # reported the day it began
        (True, TODAY, ONSET, None),
        (True, date(2026, 11, 26), ONSET, pv.REPORT_IN_FUTURE),
        (True, date(2026, 3, 9), None, None),  # no onset (refused by its own rule)
    ],
)
def test_report_date(reported, report_date, onset, expected):
    assert (
        pv.report_date_problem(reported=reported, report_date=report_date, onset=onset, today=TODAY)
        == expected
    )


@pytest.mark.parametrize(
    ("grade", "fatal", "expected"),
    [
        (None, False, None),
        (None, True, None),  # recorded before grading
        (3, False, None),
        (5, True, None),
        (5, False, pv.FATAL_GRADE_NOT_FATAL),
        (4, True, pv.FATAL_OUTCOME_NOT_GRADE_5),
    ],
)
def test_grade_and_fatal_outcome(grade, fatal, expected):
    assert pv.grade_outcome_problem(grade=grade, fatal_outcome=fatal) == expected


def test_severe_is_grade_3_or_more():
    assert [pv.is_severe(g) for g in (None, 1, 2, 3, 4, 5)] == [
        False,
        False,
        False,
        True,
        True,
        True,
    ]
