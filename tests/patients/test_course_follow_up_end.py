"""End of follow-up on a course: a date and a reason together, not before the start, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from belimumab.core.audit import record_history
from belimumab.core.services import StaleRecord
from belimumab.domain.cohort import FOLLOW_UP_END_REASONS
from belimumab.patients import services
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


# --------------------------------------------------------------------------- service


def _end(course: Course, user: object, **changes: object) -> Course:
    arguments: dict[str, object] = {
        "end_date": date(2026, 9, 30),
        "reason": "lost_to_follow_up",
        "note": "No answer since June",
        "expected_version": course.version,
    }
    arguments.update(changes)
    return services.course_follow_up_end(course=course, user=user, **arguments)  # type: ignore[arg-type]


def test_the_service_records_it_audited_and_without_a_stop(course: Course, users) -> None:
    before = course.version
    _end(course, users["pharmacist"])
    course.refresh_from_db()
    assert (course.follow_up_end, course.follow_up_end_reason, course.follow_up_end_note) == (
        date(2026, 9, 30),
        "lost_to_follow_up",
        "No answer since June",
    )
    assert (course.stop_date, course.stop_reason, course.version) == (None, "", before + 1)
    entry = record_history(course)[0]
    assert entry.who == "pharmacist"
    changes = {change.field: (change.before, change.after) for change in entry.changes}
    assert changes["follow_up_end"] == (None, date(2026, 9, 30))
    assert changes["follow_up_end_reason"] == ("", "lost_to_follow_up")


def test_a_stale_version_writes_nothing(course: Course, users) -> None:
    with pytest.raises(StaleRecord):
        _end(course, users["clinician"], expected_version=course.version - 1)
    course.refresh_from_db()
    assert course.follow_up_end is None


def test_an_end_before_the_start_is_refused_beside_the_date(course: Course, users) -> None:
    with pytest.raises(ValidationError) as caught:
        _end(course, users["clinician"], end_date=date(2026, 1, 4))
    assert set(caught.value.message_dict) == {"follow_up_end"}
    assert Course.objects.get(pk=course.pk).follow_up_end is None


def test_a_stopped_course_is_refused(course: Course, users) -> None:
    Course.objects.filter(pk=course.pk).update(stop_date=date(2026, 5, 1), stop_reason="other")
    course.refresh_from_db()
    with pytest.raises(ValidationError):
        _end(course, users["clinician"])


def test_reopening_clears_it_and_the_history_keeps_both(course: Course, users) -> None:
    _end(course, users["pharmacist"])
    services.course_follow_up_reopen(
        course=course, user=users["clinician"], expected_version=course.version
    )
    course.refresh_from_db()
    assert (course.follow_up_end, course.follow_up_end_reason, course.follow_up_end_note) == (
        None,
        "",
        "",
    )
    states = list(
        course.history.order_by("history_date").values_list(
            "follow_up_end", "history_change_reason", "history_user__username"
        )
    )
    assert states[-2:] == [
        (date(2026, 9, 30), None, "pharmacist"),
        (None, "follow-up reopened", "clinician"),
    ]


# --------------------------------------------------------------------------- view


def _url(course: Course, query: str = "") -> str:
    return reverse("patients:course_follow_up_end", args=[course.pk]) + query


def _post(course: Course, **changes: str) -> dict[str, object]:
    return {
        "follow_up_end": "2026-09-30",
        "follow_up_end_reason": "transferred",
        "follow_up_end_note": "Lyon",
        "version": course.version,
        **changes,
    }


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("pharmacist", True),
        ("clinician", True),
        ("department_head", False),
        ("administrator", False),
    ],
)
def test_who_may_end_follow_up(client_for, course: Course, role: str, allowed: bool) -> None:
    client = client_for(role)
    assert client.get(_url(course)).status_code == (200 if allowed else 403)
    response = client.post(_url(course), _post(course))
    course.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert response["Location"] == reverse("clinical:patient_detail", args=[course.patient_id])
        assert (course.follow_up_end, course.follow_up_end_reason) == (
            date(2026, 9, 30),
            "transferred",
        )
        assert course.history.first().history_user.username == role
    else:
        assert response.status_code == 403
        assert course.follow_up_end is None


def test_next_goes_back_to_a_local_page_only(client_for, course: Course) -> None:
    client = client_for("pharmacist")
    response = client.post(_url(course, "?next=/pharmacy/"), _post(course))
    assert response["Location"] == "/pharmacy/"
    page = client.get(_url(course, "?next=/pharmacy/"))
    assert 'name="next" value="/pharmacy/"' in page.content.decode()
    course.refresh_from_db()
    hostile = client.post(_url(course, "?next=https://evil.example/"), _post(course))
    assert hostile["Location"] == reverse("clinical:patient_detail", args=[course.patient_id])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"follow_up_end": "2026-01-04"},
            "follow_up_end",
            "La fin du suivi est antérieure à la date de début.",
        ),
        (
            {"follow_up_end": (date.today() + timedelta(days=30)).isoformat()},
            "follow_up_end",
            "Cette date est dans le futur.",
        ),
        ({"follow_up_end": ""}, "follow_up_end", "Ce champ est obligatoire."),
        ({"follow_up_end_reason": ""}, "follow_up_end_reason", "Ce champ est obligatoire."),
        (
            {"follow_up_end_reason": "retired"},
            "follow_up_end_reason",
            "Sélectionnez un choix valide.",
        ),
    ],
)
def test_errors_show_beside_the_field_in_french(
    client_for, course: Course, changes: dict[str, str], field: str, message: str
) -> None:
    client = client_for("clinician")
    response = client.post(_url(course), _post(course, **changes), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(error.startswith(message) for error in errors), errors
    assert Course.objects.get(pk=course.pk).follow_up_end is None


def test_a_lost_race_shows_both_versions(client_for, course: Course, users) -> None:
    data = _post(course)
    _end(course, users["clinician"], reason="death", note="")
    response = client_for("pharmacist").post(_url(course), data)
    assert response.status_code == 200
    assert response.context["stale"] is not None
    assert Course.objects.get(pk=course.pk).follow_up_end_reason == "death"


def test_the_reopen_button_clears_it(client_for, course: Course, users) -> None:
    _end(course, users["clinician"])
    client = client_for("pharmacist")
    assert (
        "Reopen follow-up" in client.get(_url(course), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    response = client.post(_url(course), {"action": "reopen", "version": course.version})
    assert response.status_code == 302
    assert Course.objects.get(pk=course.pk).follow_up_end is None


def test_a_stopped_course_sends_back_to_the_patient_page(client_for, course: Course) -> None:
    Course.objects.filter(pk=course.pk).update(stop_date=date(2026, 5, 1), stop_reason="other")
    response = client_for("clinician").get(_url(course))
    assert response.status_code == 302


def test_the_patient_page_offers_it_and_shows_it(client_for, course: Course, users) -> None:
    page = reverse("clinical:patient_detail", args=[course.patient_id])
    html = client_for("pharmacist").get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _url(course) in html and "End follow-up" in html
    assert _url(course) not in client_for("department_head").get(page).content.decode()
    _end(course, users["pharmacist"])
    html = client_for("clinician").get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Follow-up ended on" in html and "Lost to follow-up" in html
    assert "No answer since June" in html
    history = client_for("clinician").get(
        reverse("patients:history", args=[course.patient_id]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "end of follow-up" in history.content.decode()
    assert "lost_to_follow_up" in history.content.decode()


def test_the_timeline_marks_the_end_of_follow_up(client_for, course: Course, users) -> None:
    _end(course, users["clinician"])
    timeline = client_for("clinician").get(
        reverse("clinical:timeline", args=[course.patient_id]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Fin du suivi : Perdu de vue" in timeline.content.decode()
