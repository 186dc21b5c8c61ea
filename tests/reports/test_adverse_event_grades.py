"""The tolerance table's pharmacovigilance figures, on a hand-built cohort (no database)."""

from __future__ import annotations

from datetime import date

from belimumab.reports.report import build_report
from tests.reports.builders import Cohort, day


def _cohort() -> Cohort:
    return (
        Cohort()
        .patient(1)
        .adverse_event(1, 10, "infection", severity_grade=2, causality="possibly_related")
        .adverse_event(
            1,
            40,
            "infection",
            serious=True,
            term="Pneumonia",
            severity_grade=3,
            causality="related",
            action_taken="interrupted",
            reported_to_pv=True,
            pv_report_date=day(45),
        )
        .adverse_event(1, 400, "infection", severity_grade=4)  # after the first year
        .patient(2)
        .adverse_event(2, 20, "rash", severity_grade=1, action_taken="none")
        .adverse_event(2, 30, "neutropenia")  # recorded before grading
        .adverse_event(
            2,
            300,
            "other",
            severity_grade=5,
            causality="unlikely_related",
            action_taken="withdrawn",
            reported_to_pv=True,
            pv_report_date=day(320),
        )
        .patient(3)
        .adverse_event(3, 5, "infusion_reaction", severity_grade=1, causality="related")
    )


def test_grades_of_the_first_year():
    ae = build_report(_cohort().build())["adverse_events"]
    # 6 events in the first year: grades 2, 3 | 1, -, 5 | 1
    assert ae["total"] == 6 and ae["serious"] == 1  # existing keys unchanged
    assert ae["by_grade"] == {"1": 2, "2": 1, "3": 1, "4": 0, "5": 1, "not_graded": 1}
    assert ae["grade_3_or_more"] == 2 and ae["grade_3_or_more_patients"] == 2
    # worst grade: patient 1 -> 3, patient 2 -> 5, patient 3 -> 1
    assert ae["patients_by_worst_grade"] == {
        "1": 1,
        "2": 0,
        "3": 1,
        "4": 0,
        "5": 1,
        "not_graded": 0,
    }
    assert ae["by_category_grade"]["infection"] == {
        "1": 0,
        "2": 1,
        "3": 1,
        "4": 0,
        "5": 0,
        "not_graded": 0,
    }
    assert ae["by_category_grade"]["neutropenia"]["not_graded"] == 1
    assert ae["by_causality"] == {
        "related": 2,
        "possibly_related": 1,
        "unlikely_related": 1,
        "unrelated": 0,
        "not_assessed": 2,
    }
    assert ae["by_action"] == {
        "none": 1,
        "delayed": 0,
        "interrupted": 1,
        "withdrawn": 1,
        "not_assessed": 3,
    }
    assert ae["reported_to_pharmacovigilance"] == 2


def test_a_report_after_the_cut_off_has_not_been_made_yet():
    # as of D0 + 310: the grade 5 event (onset D0 + 300) exists, its report (D0 + 320) not yet
    ae = build_report(_cohort().build(as_of=day(310)))["adverse_events"]
    assert ae["by_grade"]["5"] == 1 and ae["reported_to_pharmacovigilance"] == 1


def test_no_event_gives_zeros():
    ae = build_report(Cohort().patient(1).build(as_of=date(2016, 6, 1)))["adverse_events"]
    assert ae["by_grade"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "not_graded": 0}
    assert ae["grade_3_or_more"] == 0 and ae["by_category_grade"] == {}
    assert ae["reported_to_pharmacovigilance"] == 0
