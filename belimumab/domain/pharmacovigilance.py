"""What pharmacovigilance asks of an adverse event: CTCAE grade, causality, action taken on the
drug, and whether (and when) the event was reported to the pharmacovigilance centre.

Codes only; the Django layer words them. The rules are checked by the entry form and by the
import alike (one function per rule, each returning a problem code or None).

Sources: CTCAE v5.0 (NCI, 2017), grades 1-5: "Grade 3 Severe or medically significant ...",
"Grade 5 Death related to AE"; the causality and action-taken terms follow the CIOMS/ICH E2B
headings (the WHO-UMC causality categories shortened to four, as the department's forms have
them; belimumab's dose is weight-based, so "dose reduced" is not an action: delayed instead).
"""

from __future__ import annotations

from datetime import date
from typing import Final

GRADES: Final[tuple[int, ...]] = (1, 2, 3, 4, 5)
# CTCAE: grade 3 and above are severe, life-threatening or fatal
SEVERE_GRADE: Final[int] = 3
FATAL_GRADE: Final[int] = 5

CAUSALITIES: Final[tuple[str, ...]] = (
    "related",
    "possibly_related",
    "unlikely_related",
    "unrelated",
)
ACTIONS: Final[tuple[str, ...]] = ("none", "delayed", "interrupted", "withdrawn")

# problem codes
REPORT_DATE_REQUIRED: Final = "report_date_required"
REPORT_DATE_WITHOUT_FLAG: Final = "report_date_without_flag"
REPORT_BEFORE_ONSET: Final = "report_before_onset"
REPORT_IN_FUTURE: Final = "report_in_future"
FATAL_GRADE_NOT_FATAL: Final = "fatal_grade_not_fatal"
FATAL_OUTCOME_NOT_GRADE_5: Final = "fatal_outcome_not_grade_5"


def is_severe(grade: int | None) -> bool:
    """CTCAE grade 3 or more; an event without a grade (recorded before grading) is not."""
    return grade is not None and grade >= SEVERE_GRADE


def report_date_problem(
    *, reported: bool, report_date: date | None, onset: date | None, today: date
) -> str | None:
    """The problem with the date the event was reported to pharmacovigilance, if any.

    The date is required when the event was reported and only then; it cannot precede the
    event's onset (nothing to report yet) nor be after `today`.
    """
    if not reported:
        return REPORT_DATE_WITHOUT_FLAG if report_date is not None else None
    if report_date is None:
        return REPORT_DATE_REQUIRED
    if report_date > today:
        return REPORT_IN_FUTURE
    if onset is not None and report_date < onset:
        return REPORT_BEFORE_ONSET
    return None


def grade_outcome_problem(*, grade: int | None, fatal_outcome: bool) -> str | None:
    """CTCAE grade 5 is death related to the event: it goes with a fatal outcome, both ways.

    A fatal outcome without a grade (events recorded before grading) is left alone.
    """
    if grade == FATAL_GRADE and not fatal_outcome:
        return FATAL_GRADE_NOT_FATAL
    if fatal_outcome and grade is not None and grade != FATAL_GRADE:
        return FATAL_OUTCOME_NOT_GRADE_5
    return None
