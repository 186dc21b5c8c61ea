"""Pharmacist's pages: worklist, record / correct / deactivate, live dose plan, sheet."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from belimumab.patients.models import Course
from belimumab.pharmacy.models import Infusion
from tests.department.helpers import settings_changed

pytestmark = pytest.mark.django_db
TIMES = "\N{MULTIPLICATION SIGN}"


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def _settings(**changes):
    return settings_changed(**changes)


def _record_url(patient):
    return reverse("pharmacy:infusion_record", args=[patient.pk])


# --- worklist -----------------------------------------------------------------------------------


def _cohort(make_patient, make_infusion, today, n):
    for i in range(n):
        due = make_patient(code=f"DUE{i:03d}", start=today - timedelta(days=14))
        make_infusion(due, today - timedelta(days=14))  # D14 due today
        late = make_patient(code=f"LATE{i:03d}", start=today - timedelta(days=40))
        make_infusion(late, today - timedelta(days=40))  # D14 due 26 days ago
        review = make_patient(code=f"REV{i:03d}", start=today - timedelta(days=120))
        make_infusion(review, today - timedelta(days=120))  # D14 due 106 days ago
        make_patient(code=f"NEW{i:03d}", start=today + timedelta(days=2))


def _codes(section):
    return [r.patient.code for r in section]


def test_worklist_shows_its_four_sections(client_for, make_patient, make_infusion, today):
    _cohort(make_patient, make_infusion, today, 1)
    response = client_for("pharmacist").get(reverse("pharmacy:worklist"))
    assert response.status_code == 200
    html = response.content.decode()
    wl = response.context["worklist"]
    assert _codes(wl.due) == ["DUE000"]
    assert _codes(wl.overdue) == ["LATE000"]
    assert _codes(wl.to_review) == ["REV000"]
    assert _codes(wl.first_infusion) == ["NEW000"]
    assert today.strftime("%d/%m/%Y") in html  # French by default
    assert "MARTIN Claire" in html  # names for a role with patients.view_identity
    assert "700" in html and f"6 {TIMES} 120 mg" in html  # dose and vials at 70 kg
    assert reverse("pharmacy:infusion_record", args=[wl.due[0].patient.pk]) in html
    since = (today - timedelta(days=120)).strftime("%d/%m/%Y")
    assert f"aucune administration depuis le {since}" in _row_html(html, "REV000")
    assert "Première perfusion à faire" in html and "À revoir" in html
    assert f"{today.strftime('%d/%m/%Y')}: 6 {TIMES} 120 mg" in html  # vials of the day


def test_worklist_hides_names_without_identity_permission(
    client_for, make_patient, make_infusion, today
):
    _cohort(make_patient, make_infusion, today, 1)
    html = client_for("department_head").get(reverse("pharmacy:worklist")).content.decode()
    assert "DUE000" in html
    assert "Martin" not in html and "MARTIN" not in html
    assert "/infusions/new/" not in html  # no "Record" button without pharmacy.add_infusion


@pytest.mark.parametrize("n", [1, 12])
def test_worklist_query_count_is_constant(
    client_for, make_patient, make_infusion, today, n, django_assert_num_queries
):
    _cohort(make_patient, make_infusion, today, n)  # 4 and 48 patients
    client = client_for("pharmacist")
    # session, user, user permissions, group permissions; the counts of the 4 sections (one
    # query) and the page of each with course, patient and regimen; and the session saved by
    # the first request since the login (savepoint, update, release); the department's
    # settings once (days ahead, page size, rounding tolerance)
    with django_assert_num_queries(13):
        response = client.get(reverse("pharmacy:worklist"))
    assert {k: len(s) for k, s in response.context["worklist"].sections.items()} == {
        "due": n,
        "overdue": n,
        "to_review": n,
        "first_infusion": n,
    }


def test_worklist_pages_each_section(client_for, make_patient, make_infusion, today):
    _cohort(make_patient, make_infusion, today, 7)  # 7 in each section
    client = client_for("pharmacist")
    with settings_changed(WORKLIST_PAGE_SIZE=3):
        first = client.get(reverse("pharmacy:worklist"))
        due = first.context["worklist"].due
        assert (due.count, due.page, due.pages, len(due)) == (7, 1, 3, 3)
        assert _codes(due) == ["DUE000", "DUE001", "DUE002"]
        html = first.content.decode()
        assert 'data-count="7"' in html and "?due=2" in html and "?to_review=2" in html
        # the next page of "due" keeps the page of "overdue"
        third = client.get(reverse("pharmacy:worklist"), {"due": "3", "overdue": "2"})
        wl = third.context["worklist"]
        assert _codes(wl.due) == ["DUE006"]
        assert _codes(wl.overdue) == ["LATE003", "LATE004", "LATE005"]
        assert _codes(wl.first_infusion) == ["NEW000", "NEW001", "NEW002"]
        # a page beyond the last shows the last; garbage shows the first
        assert (
            client.get(reverse("pharmacy:worklist"), {"due": "99"}).context["worklist"].due.page
            == 3
        )
        assert (
            client.get(reverse("pharmacy:worklist"), {"due": "x"}).context["worklist"].due.page == 1
        )


def test_worklist_search_by_patient_code(client_for, make_patient, make_infusion, today):
    _cohort(make_patient, make_infusion, today, 3)
    response = client_for("pharmacist").get(reverse("pharmacy:worklist"), {"q": "late001"})
    wl = response.context["worklist"]
    assert _codes(wl.overdue) == ["LATE001"]
    assert wl.due.count == wl.to_review.count == wl.first_infusion.count == 0
    assert 'value="late001"' in response.content.decode()


def _row_html(html: str, code: str) -> str:
    start = html.index(f'<tr data-patient="{code}">')
    return html[start : html.index("</tr>", start)]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_worklist_marks_the_delay_apart_from_past_missed_cycles(
    client_for, make_patient, make_infusion, today, language
):
    def given(code, *days, **kwargs):
        patient = make_patient(code=code, start=today - timedelta(days=days[0]), **kwargs)
        for day in days:
            make_infusion(patient, today - timedelta(days=day), weight="81.0")

    given("ONTIME", 200, 186, 172, 88, 56, 28)  # 84 days between C4 and C5; C8 due today
    given("LATE12", 200, 186, 172, 88, 56, 40)  # the same history, C8 due 12 days ago
    given("LATE40", 96, 82, 68)  # C4 due 40 days ago: one cycle missed now
    make_patient(code="FIRST", start=today - timedelta(days=429))
    given("ODD<&>", 14, last_name="O'Brien <b>")
    client = client_for("pharmacist")
    client.cookies["django_language"] = language
    html = client.get(reverse("pharmacy:worklist")).content.decode()
    fr = language == "fr"
    ontime = _row_html(html, "ONTIME")
    assert "data-delay-days" not in ontime and "data-missed-now" not in ontime
    past = "2 cures manquées par le passé" if fr else "2 cycles missed in the past"
    assert f'data-missed-before="2">{past}</span>' in ontime
    late = _row_html(html, "LATE12")
    days = "12 jours de retard" if fr else "12 days late"
    assert f'data-delay-days="12">{days}</span>' in late
    assert "data-missed-now" not in late and f'data-missed-before="2">{past}</span>' in late
    missed = "1 cure manquée" if fr else "1 cycle missed"
    assert f'data-missed-now="1">{missed}</span>' in _row_html(html, "LATE40")
    first = _row_html(html, "FIRST")
    assert "data-delay-days" not in first and "data-missed" not in first
    # 810 mg rounded to 800 (2 x 400) within the 5 % tolerance, the prescribed dose beside it
    assert 'data-rounded-from="810"' in ontime and "(810)</span>" in ontime
    assert f"2 {TIMES} 400 mg" in ontime
    assert "O&#x27;BRIEN &lt;B&gt; Claire" in html and 'data-patient="ODD&lt;&amp;&gt;"' in html


def test_worklist_labels_shared_between_pages_follow_each_pages_language(
    client_for, make_patient, make_infusion, today
):
    """The worklist's dates, weights and delays are formatted once per language and process
    (display.worklist_words): French, English, then French again, each in its own words."""
    patient = make_patient(code="LANG", start=today - timedelta(days=96))
    for day in (96, 82, 68):
        make_infusion(patient, today - timedelta(days=day), weight="72.5")
    client = client_for("pharmacist")
    due = (today - timedelta(days=40)).strftime

    def row(language: str) -> str:
        client.cookies["django_language"] = language
        return _row_html(client.get(reverse("pharmacy:worklist")).content.decode(), "LANG")

    french = row("fr")
    assert "72,5" in french and "40 jours de retard" in french and due("%d/%m/%Y") in french
    english = row("en")
    assert "72.5" in english and "40 days late" in english and due("%d/%m/%Y") in english
    assert "72,5" not in english and "jours" not in english
    assert row("fr") == french


def test_a_row_to_review_offers_the_end_of_follow_up(
    client_for, make_patient, make_infusion, today
):
    """Pharmacists end a follow-up from the worklist and come back to it (?next=)."""
    _cohort(make_patient, make_infusion, today, 1)
    course = Course.objects.get(patient__code="REV000")
    url = reverse("patients:course_follow_up_end", args=[course.pk])
    html = client_for("pharmacist").get(reverse("pharmacy:worklist")).content.decode()
    assert f'href="{url}?next=/pharmacy/"' in _row_html(html, "REV000")
    assert url not in _row_html(html, "LATE000")  # overdue, not to review
    head = client_for("department_head").get(reverse("pharmacy:worklist")).content.decode()
    assert url not in head


def test_worklist_rows_without_identity_or_record_permission(
    client_for, make_patient, make_infusion, today
):
    _cohort(make_patient, make_infusion, today, 1)
    response = client_for("department_head").get(reverse("pharmacy:worklist"))
    lines = [line for *_, section_lines in response.context["sections"] for line in section_lines]
    assert lines and all(line["name"] == "" and line["record_url"] is None for line in lines)


@pytest.mark.parametrize(
    "name", ["pharmacy:worklist", "pharmacy:dose_plan", "pharmacy:infusion_sheet"]
)
@pytest.mark.parametrize("role", ["pharmacist", "clinician", "department_head", "administrator"])
def test_read_only_pages_refuse_post(client_for, make_patient, make_infusion, today, name, role):
    patient = make_patient(start=today - timedelta(days=3))
    infusion = make_infusion(patient, today - timedelta(days=3))
    kwargs = {"pk": infusion.pk} if name == "pharmacy:infusion_sheet" else {}
    assert client_for(role).post(reverse(name, kwargs=kwargs)).status_code == 405


# --- recording ---------------------------------------------------------------------------------


def test_form_offers_active_pharmacy_people_only(client_for, iv_patient, checker, make_user):
    make_user("gone", "pharmacist", is_active=False)
    response = client_for("pharmacist").get(_record_url(iv_patient))
    assert response.status_code == 200
    people = {u.username for u in response.context["form"].fields["checked_by"].queryset}
    assert people == {"pharmacist", "pharmacist2"}
    html = response.content.decode()
    assert 'data-dose-plan-url="/pharmacy/dose-plan/"' in html
    assert "js/infusion_form.js" in html
    assert not re.search(r"<script>(?!</script>)|<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'class="d-none"' in html  # the weight confirmation waits until it is needed


def test_pharmacist_records_an_infusion_and_sees_the_next_due_date(
    client_for, iv_patient, payload, today
):
    response = client_for("pharmacist").post(_record_url(iv_patient), payload())
    assert response.status_code == 302
    assert response["Location"] == reverse("clinical:patient_detail", args=[iv_patient.pk])
    infusion = Infusion.objects.get(date=today)
    assert (infusion.prescribed_dose_mg, infusion.vials_120, infusion.vials_400) == (
        Decimal("700.0"),
        6,
        0,
    )
    message = str(next(iter(get_messages(response.wsgi_request))))
    next_due = (today + timedelta(days=28)).strftime("%d/%m/%Y")
    assert "IV01" in message and next_due in message and "C5" in message


def test_client_side_numbers_are_ignored(client_for, iv_patient, payload, today):
    """Only the weight (and a prepared dose, checked) come from the form: vials are recomputed."""
    data = payload(prescribed_dose_mg="50", vials_120="0", vials_400="9")
    client_for("pharmacist").post(_record_url(iv_patient), data)
    infusion = Infusion.objects.get(date=today)
    assert (infusion.prescribed_dose_mg, infusion.vials_400) == (Decimal("700.0"), 0)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_kg": "0"}, "weight_kg", "between 10 and 250 kg"),
        ({"weight_kg": "-70"}, "weight_kg", "between 10 and 250 kg"),
        ({"weight_kg": "251"}, "weight_kg", "250"),
        ({"weight_kg": "abc"}, "weight_kg", "number"),
        ({"weight_kg": ""}, "weight_kg", "required"),
        ({"date": "FUTURE"}, "date", "future"),
        ({"date": "BEFORE"}, "date", "before the start"),
        ({"checked_by": "PREPARER"}, "checked_by", "someone other"),
        ({"prepared_dose_mg": "500"}, "rounding_reason", "give the reason"),
        ({"prepared_dose_mg": "900"}, "prepared_dose_mg", "cannot exceed"),
        ({"diluent": "glucose_5"}, "diluent", "valid choice"),
        ({"lots_as_recorded": ""}, "lots_as_recorded", "The stock holds no lot"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_saves_nothing(
    client_for, iv_patient, payload, users, today, changes, field, message
):
    special = {
        "FUTURE": (today + timedelta(days=1)).isoformat(),
        "BEFORE": (today - timedelta(days=71)).isoformat(),
        "PREPARER": users["pharmacist"].pk,
    }
    data = payload(**{k: special.get(v, v) for k, v in changes.items()})
    before = Infusion.objects.count()
    response = _english(client_for("pharmacist")).post(_record_url(iv_patient), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field]).lower() or message in " ".join(errors[field])
    assert Infusion.objects.count() == before
    html = response.content.decode()
    assert 'class="invalid-feedback' in html  # rendered beside the field by crispy


def test_messages_follow_the_user_language(client_for, iv_patient, payload, today):
    """French is the default: dates in messages are French-formatted (catalogue by the lead)."""
    client_for("pharmacist").post(_record_url(iv_patient), payload())
    response = client_for("pharmacist").post(_record_url(iv_patient), payload())
    error = " ".join(response.context["form"].errors["date"])
    assert today.strftime("%d/%m/%Y") in error


def test_same_date_twice_gives_one_infusion_and_a_clear_message(
    client_for, iv_patient, payload, today
):
    client = _english(client_for("pharmacist"))
    assert client.post(_record_url(iv_patient), payload()).status_code == 302
    response = client.post(_record_url(iv_patient), payload())
    assert "already has an infusion" in " ".join(response.context["form"].errors["date"])
    assert Infusion.objects.filter(date=today).count() == 1


def test_weight_change_redisplays_the_form_with_a_required_confirmation(
    client_for, iv_patient, payload, today
):
    client = _english(client_for("pharmacist"))
    response = client.post(_record_url(iv_patient), payload(weight_kg="80"))
    assert response.status_code == 200
    assert "14.3 %" in " ".join(response.context["form"].errors["confirm_weight"])
    html = response.content.decode()
    box = re.search(r'<div id="confirm-weight-box" class="([^"]*)"', html)
    assert box and "d-none" not in box.group(1)
    assert not Infusion.objects.filter(date=today).exists()

    response = client.post(_record_url(iv_patient), payload(weight_kg="80", confirm_weight="on"))
    assert response.status_code == 302
    assert Infusion.objects.get(date=today).prescribed_dose_mg == Decimal("800.0")


def test_french_decimal_comma_is_accepted(client_for, iv_patient, payload, today):
    client_for("pharmacist").post(_record_url(iv_patient), payload(weight_kg="70,5"))
    assert Infusion.objects.get(date=today).prescribed_dose_mg == Decimal("705.0")


def test_rounded_dose_within_tolerance_is_recorded(client_for, iv_patient, payload, today):
    with _settings(ROUNDING_TOLERANCE_PCT=10.0):
        response = client_for("pharmacist").post(
            _record_url(iv_patient), payload(prepared_dose_mg="640")
        )
    assert response.status_code == 302
    infusion = Infusion.objects.get(date=today)
    assert (infusion.prepared_dose_mg, infusion.vials_400, infusion.vials_120) == (
        Decimal("640.0"),
        1,
        2,
    )


def test_patient_without_course_cannot_get_an_infusion(client_for, make_patient):
    patient = make_patient(code="NOCOURSE")
    patient.courses.update(is_active=False)
    response = client_for("pharmacist").get(_record_url(patient))
    assert response.status_code == 302


# --- correction and deactivation ---------------------------------------------------------------


def _recorded(client_for, iv_patient, payload, today):
    client_for("pharmacist").post(_record_url(iv_patient), payload())
    return Infusion.objects.get(date=today)


def test_correction_with_a_stale_version_overwrites_nothing(client_for, iv_patient, payload, today):
    infusion = _recorded(client_for, iv_patient, payload, today)
    url = reverse("pharmacy:infusion_edit", args=[infusion.pk])
    client = _english(client_for("pharmacist"))
    form = client.get(url).context["form"]
    assert form["weight_kg"].value() == Decimal("70.0")
    first = client.post(url, payload(weight_kg="72", version=infusion.version))
    assert first.status_code == 302
    stale = client.post(url, payload(weight_kg="74", version=infusion.version))
    assert stale.status_code == 200
    assert stale.context["stale"]["current"].weight_kg == Decimal("72.0")
    assert "data-conflict" in stale.content.decode()
    # each row is ((label, saved value), (label, your value)): the weight shows both
    weight_row = next(row for row in stale.context["stale"]["rows"] if "74" in row[1][1])
    assert "72" in weight_row[0][1]
    stored = Infusion.objects.get(pk=infusion.pk)
    assert stored.weight_kg == Decimal("72.0") and stored.version == infusion.version + 1


def test_deactivation_asks_a_reason_and_keeps_the_row(client_for, iv_patient, payload, today):
    infusion = _recorded(client_for, iv_patient, payload, today)
    url = reverse("pharmacy:infusion_deactivate", args=[infusion.pk])
    client = _english(client_for("pharmacist"))
    response = client.post(url, {"reason": "", "version": infusion.version})
    assert "reason" in response.context["form"].errors
    assert Infusion.objects.get(pk=infusion.pk).is_active
    response = client.post(url, {"reason": "entered twice", "version": infusion.version})
    assert response.status_code == 302
    assert Infusion.objects.filter(pk=infusion.pk, is_active=False).exists()
    assert client.get(url).status_code == 404  # already deactivated


# --- live dose plan ----------------------------------------------------------------------------


def _plan(client, patient, **params):
    response = client.get(reverse("pharmacy:dose_plan"), {"patient": patient.pk, **params})
    assert response.status_code == 200
    return response.json()


def test_dose_plan_shows_dose_vials_and_rounding_in_french(client_for, iv_patient):
    with _settings(ROUNDING_TOLERANCE_PCT=10.0):
        data = _plan(client_for("pharmacist"), iv_patient, weight="70")
    assert data["ok"] is True and data["needs_weight_confirmation"] is False
    html = data["html"]
    assert "700 mg" in html and f"6 {TIMES} 120 mg = 720 mg" in html
    assert "8,75 mL" in html  # volume to draw, French decimal comma
    assert "640 mg" in html and "8,6 %" in html  # rounded dose and how far under
    assert 'data-use-dose="640"' in html
    assert "81,00 EUR" in html  # saving against the covering plan


def test_dose_plan_without_rounding_at_the_default_tolerance(client_for, iv_patient):
    html = _plan(client_for("pharmacist"), iv_patient, weight="70,0")["html"]
    assert 'data-plan="no-rounding"' in html and 'data-plan="rounded"' not in html


@pytest.mark.parametrize("weight", ["", "abc", "0", "-2", "400", "NaN", "1e9"])
def test_dose_plan_never_fails_on_bad_weights(client_for, iv_patient, weight):
    data = _plan(client_for("pharmacist"), iv_patient, weight=weight)
    assert data["ok"] is False and 'data-dose-state="waiting"' in data["html"]


def test_dose_plan_flags_a_big_weight_change(client_for, iv_patient):
    assert _plan(client_for("pharmacist"), iv_patient, weight="60")["needs_weight_confirmation"]


def test_dose_plan_bad_patient(client_for, today):
    client = client_for("pharmacist")
    assert client.get(reverse("pharmacy:dose_plan"), {"patient": "x"}).json()["ok"] is False
    assert client.get(reverse("pharmacy:dose_plan"), {"patient": 999999}).status_code == 404


# --- preparation sheet -------------------------------------------------------------------------


def test_preparation_sheet_has_what_the_preparer_needs(client_for, iv_patient, payload, today):
    with _settings(ROUNDING_TOLERANCE_PCT=10.0):
        client_for("pharmacist").post(_record_url(iv_patient), payload(prepared_dose_mg="640"))
    infusion = Infusion.objects.get(date=today)
    response = client_for("pharmacist").get(reverse("pharmacy:infusion_sheet", args=[infusion.pk]))
    html = response.content.decode()  # French by default
    assert "IV01" in html and "MARTIN Claire" in html
    assert "700 mg" in html and "640 mg" in html  # prescribed and prepared
    assert "8,00 mL" in html  # 640 mg at 80 mg/mL
    assert "4,8 mL" in html and "1,5 mL" in html  # water per 400 and 120 mg vial
    assert "A123, B456" in html and "Paul Checker" in html
    assert "css/preparation_sheet.css" in html
    english = _english(client_for("pharmacist"))
    html = english.get(reverse("pharmacy:infusion_sheet", args=[infusion.pk])).content.decode()
    assert "250 mL" in html and "Sodium chloride 0.9 %" in html
    assert "8 h after reconstitution" in html and "glucose" in html


def test_preparation_sheet_hides_identity(client_for, iv_patient):
    infusion = iv_patient.infusions.first()
    response = client_for("department_head").get(
        reverse("pharmacy:infusion_sheet", args=[infusion.pk])
    )
    html = response.content.decode()
    assert "IV01" in html and "Martin" not in html and "MARTIN" not in html


def test_patient_page_shows_the_panel_after_recording(client_for, iv_patient, payload, today):
    response = client_for("pharmacist").post(_record_url(iv_patient), payload(), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="infusions"' in html
    assert (today + timedelta(days=28)).strftime("%d/%m/%Y") in html  # next due (C5)
    assert reverse("pharmacy:infusion_record", args=[iv_patient.pk]) in html
    sheet = reverse("pharmacy:infusion_sheet", args=[Infusion.objects.get(date=today).pk])
    assert sheet in html


def test_correcting_the_weight_recomputes_the_prescribed_dose(
    client_for, iv_patient, payload, today
):
    """The prepared dose is left empty on the form when it was the prescribed one."""
    infusion = _recorded(client_for, iv_patient, payload, today)
    url = reverse("pharmacy:infusion_edit", args=[infusion.pk])
    client = client_for("pharmacist")
    form = client.get(url).context["form"]
    assert form["prepared_dose_mg"].value() is None
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(weight_kg="72", premedication="on")
    assert client.post(url, data).status_code == 302
    stored = Infusion.objects.get(pk=infusion.pk)
    assert (stored.prescribed_dose_mg, stored.prepared_dose_mg) == (Decimal("720.0"),) * 2
    assert stored.rounding_reason == ""


@pytest.mark.parametrize("given", [1, 12])
def test_infusion_form_query_count_is_constant(
    client_for, make_patient, make_infusion, given, django_assert_num_queries
):
    """The new-infusion form reads the patient's courses and infusions once (the context for
    today serves the page too), whatever the number of administrations already given."""
    patient = make_patient(start=date(2025, 1, 6))
    for k in range(given):
        make_infusion(patient, date(2025, 1, 6) + timedelta(days=28 * k))
    client = client_for("pharmacist")
    url = reverse("pharmacy:infusion_record", kwargs={"patient_id": patient.pk})
    # session, user, user and group permissions; the patient, its courses (with regimen) and
    # its infusions' dates and weights, once; the preparer and checker choices (two user
    # lists); the session saved (savepoint, update, release); the department's settings once
    # (prices, rounding, currency of the proposal). 15 when the context was read twice.
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["context"].cycle_index == given
