"""End of follow-up on a course: a date and a reason together, not before the start, audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from belimumab.domain.cohort import FOLLOW_UP_END_REASONS
from belimumab.patients.models import Course, FollowUpEndReason

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)


@pytest.fixture
def course(make_patient) -> Course:
    return make_patient(start=START).courses.get()


def test_the_reasons_are_the_domain_codes() -> None:
    assert tuple(FollowUpEndReason.values) == FOLLOW_UP_END_REASONS


@pytest.mark.parametrize(
    ("end", "reason", "errors"),
    [
        (None, "", {}),
        (date(2026, 6, 1), "lost_to_follow_up", {}),
        (START, "death", {}),  # on the start date: accepted
        (date(2026, 1, 4), "transferred", {"follow_up_end"}),  # the day before the start
        (date(2026, 6, 1), "", {"follow_up_end_reason"}),
        (None, "study_end", {"follow_up_end"}),
        (date(2026, 6, 1), "retired", {"follow_up_end_reason"}),  # not a reason
    ],
)
def test_full_clean(course: Course, end: date | None, reason: str, errors: set[str]) -> None:
    course.follow_up_end, course.follow_up_end_reason = end, reason
    if not errors:
        course.full_clean()
        return
    with pytest.raises(ValidationError) as caught:
        course.full_clean()
    assert errors <= set(caught.value.message_dict)


def test_clean_says_why_in_french(course: Course) -> None:
    course.follow_up_end, course.follow_up_end_reason = date(2026, 1, 1), "death"
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        course.full_clean()
    with translation.override("fr"):  # the messages are lazy: read them in French
        messages = [str(message) for message in caught.value.message_dict["follow_up_end"]]
    assert messages == ["La fin du suivi est antérieure à la date de début."]


@pytest.mark.parametrize(
    ("end", "reason"),
    [
        (date(2026, 6, 1), ""),  # a date without its reason
        (None, "death"),  # a reason without its date
        (date(2025, 12, 31), "death"),  # before the start
    ],
)
def test_the_database_refuses_what_clean_refuses(
    course: Course, end: date | None, reason: str
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(follow_up_end=end, follow_up_end_reason=reason)


def test_an_end_of_follow_up_is_not_a_stop_and_is_audited(course: Course) -> None:
    course.follow_up_end = date(2026, 9, 30)
    course.follow_up_end_reason = FollowUpEndReason.TRANSFERRED
    course.follow_up_end_note = "Moved to Lyon"
    course.full_clean()
    course.save()
    course.refresh_from_db()
    assert (course.stop_date, course.stop_reason) == (None, "")
    assert course.is_active
    latest = course.history.first()
    assert (latest.follow_up_end, latest.follow_up_end_reason, latest.follow_up_end_note) == (
        date(2026, 9, 30),
        "transferred",
        "Moved to Lyon",
    )
    assert course.history.last().follow_up_end is None  # the state before is kept
