"""Subcutaneous courses: a record is a dispensation of N pens covering N weeks (issue 16).

Dates checked by hand on a calendar: 1 March 2026 is a Sunday; 4 pens cover the weeks of 1, 8,
15 and 22 March, so the next dispensation is due on 29 March and counts as missed (one week)
from 5 April.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from belimumab.clinical.charts import activity_figure, dispensation_text
from belimumab.clinical.charts import labels as chart_labels
from belimumab.clinical.selectors import patient_records, timeline_chart_data
from belimumab.domain import schedule
from belimumab.domain.pens import covered_dates
from belimumab.pharmacy.models import CourseSchedule, Infusion
from belimumab.pharmacy.selectors import infusion_context, patient_infusion_panel, worklist
from belimumab.pharmacy.services import infusion_record

pytestmark = pytest.mark.django_db
MARCH_1 = date(2026, 3, 1)


@pytest.fixture
def dispense(make_infusion):
    """Record a dispensation of `pens` pens of the weekly 200 mg dose (no weight, no vial)."""

    def make(patient, day, pens, **fields):
        return make_infusion(
            patient,
            day,
            weight=fields.pop("weight", "60.0"),
            prescribed_dose_mg=Decimal(200),
            prepared_dose_mg=Decimal(200),
            premedication=False,
            pens=pens,
            **fields,
        )

    return make


def _stored(patient):
    return CourseSchedule.objects.get(course=patient.courses.get())


def _status(patient, today):
    stored = _stored(patient)
    snap = schedule.CourseSnapshot(
        regimen=patient.courses.get().regimen.as_domain(),
        given_count=stored.given_count,
        last_given=stored.last_given,
        next_due=stored.next_due,
        missed_before=stored.missed_before,
        missed_from=stored.missed_from,
    )
    return schedule.status_on(snap, today)


@pytest.fixture
def english():
    """The service's messages as written (French is the default language)."""
    with translation.override("en"):
        yield


def _english(client):
    client.cookies["django_language"] = "en"
    return client


# --- the schedule: weeks covered ----------------------------------------------------------------


def test_four_pens_on_1_march_are_due_again_on_29_march(make_patient, dispense):
    patient = make_patient(code="SC01", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    stored = _stored(patient)
    assert (stored.given_count, stored.last_given, stored.next_due) == (
        4,  # weeks covered: 1, 8, 15, 22 March
        date(2026, 3, 22),
        date(2026, 3, 29),
    )
    assert stored.missed_from == date(2026, 4, 5)
    assert (stored.missed_before, stored.last_pens) == (0, 4)
    # nothing due nor late before 29 March: no week of the four is missed
    for day in (date(2026, 3, 8), date(2026, 3, 22), date(2026, 3, 28), date(2026, 3, 29)):
        status = _status(patient, day)
        assert (status.overdue_days, status.total_missed_cycles) == (0, 0), day
    assert _status(patient, date(2026, 3, 29)).cycle_label == "W5"


def test_late_after_the_covered_weeks(make_patient, dispense):
    patient = make_patient(code="SC02", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    late = _status(patient, date(2026, 4, 10))  # 12 days after 29 March
    assert (late.overdue_days, late.missed_cycles_now) == (12, 1)  # the week of 29 March
    assert _status(patient, date(2026, 4, 4)).missed_cycles_now == 0  # 6 days late: late only


def test_missed_weeks_between_two_dispensations(make_patient, dispense):
    """4 pens on 1 March, 4 more on 12 April: the weeks of 29 March and 5 April were not
    covered (2 missed); the new pens cover 12 April to 3 May, next due on 10 May."""
    patient = make_patient(code="SC03", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    dispense(patient, date(2026, 4, 12), 4)
    stored = _stored(patient)
    assert (stored.given_count, stored.missed_before, stored.next_due) == (
        8,
        2,
        date(2026, 5, 10),
    )
    panel = patient_infusion_panel(patient=patient, today=date(2026, 4, 20))
    assert panel["missed_cycles"] == 2
    (gap,) = panel["gaps"]
    assert (gap.start, gap.end, gap.interruption_days) == (
        date(2026, 3, 22),
        date(2026, 4, 12),
        14,
    )


def test_dispensed_on_time_misses_nothing_and_early_pens_are_not_lost(make_patient, dispense):
    patient = make_patient(code="SC04", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    dispense(patient, date(2026, 3, 20), 4)  # 9 days early: one pen of the first left
    stored = _stored(patient)
    # 1, 8, 15 March, then 20, 27 March, 3, 10, 17 April: due on 24 April
    assert (stored.given_count, stored.missed_before, stored.next_due) == (
        8,
        0,
        date(2026, 4, 24),
    )


def test_one_pen_records_keep_their_weekly_meaning(make_patient, dispense):
    patient = make_patient(code="SC05", start=MARCH_1, regimen="sc_standard")
    for week in range(3):
        dispense(patient, MARCH_1 + timedelta(weeks=week), 1)
    stored = _stored(patient)
    assert (stored.given_count, stored.next_due, stored.missed_before) == (
        3,
        date(2026, 3, 22),
        0,
    )


def test_an_iv_course_is_untouched_by_pens(make_patient, make_infusion):
    patient = make_patient(code="IV09", start=MARCH_1)
    make_infusion(patient, MARCH_1)
    assert (_stored(patient).next_due, _stored(patient).last_pens) == (date(2026, 3, 15), None)


def test_the_patient_page_status_counts_the_weeks_covered_beyond_today(make_patient, dispense):
    """On 10 March, the pens of 1 March still cover 15 and 22 March: due on 29 March."""
    patient = make_patient(code="SC06", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    panel = patient_infusion_panel(patient=patient, today=date(2026, 3, 10))
    assert (panel["next_due"], panel["status"].overdue_days, panel["missed_cycles"]) == (
        date(2026, 3, 29),
        0,
        0,
    )
    (row,) = panel["courses"][0].rows
    assert (row.cycle_label, row.last_week_label, row.weeks) == ("W1", "W4", 4)


def test_the_next_dispensation_starts_after_the_weeks_covered(make_patient, dispense):
    patient = make_patient(code="SC07", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    ctx = infusion_context(patient=patient, on_date=date(2026, 3, 29))
    assert (ctx.cycle_index, ctx.previous_pens, ctx.is_sc) == (4, 4, True)


def test_a_dispensation_has_at_least_one_pen(make_patient, dispense):
    patient = make_patient(code="SC08", start=MARCH_1, regimen="sc_standard")
    with pytest.raises(IntegrityError), transaction.atomic():
        Infusion.objects.filter(pk=dispense(patient, MARCH_1, 1).pk).update(pens=0)


# --- the worklist ----------------------------------------------------------------------------


def test_worklist_row_of_an_sc_course_says_dispensation_and_pens(
    client_for, make_patient, dispense, today
):
    due = make_patient(code="SCDUE", start=today - timedelta(days=28), regimen="sc_standard")
    dispense(due, today - timedelta(days=28), 4)  # covered until yesterday: due today
    covered = make_patient(code="SCOK", start=today - timedelta(days=10), regimen="sc_standard")
    dispense(covered, today - timedelta(days=10), 4)  # due in 18 days: not on the list
    wl = worklist(today=today)
    (row,) = wl.due.rows
    assert (row.patient.code, row.mark.next_due, row.pens, row.plan) == ("SCDUE", today, 4, None)
    assert [r.patient.code for s in wl.sections.values() for r in s] == ["SCDUE"]
    html = _english(client_for("pharmacist")).get(reverse("pharmacy:worklist")).content.decode()
    line = html[html.index('data-patient="SCDUE"') :]
    line = line[: line.index("</tr>")]
    assert "dispensation due" in line and "4 pens" in line and ">Dispense</a>" in line
    assert "\N{MULTIPLICATION SIGN}" not in line  # no vial plan


@pytest.mark.parametrize("n", [1, 8])
def test_worklist_with_sc_rows_keeps_its_query_count(
    client_for, make_patient, dispense, today, n, django_assert_num_queries
):
    for i in range(n):
        patient = make_patient(
            code=f"SC{i:03d}", start=today - timedelta(days=28), regimen="sc_standard"
        )
        dispense(patient, today - timedelta(days=28), 4)
    client = client_for("pharmacist")
    # as tests/pharmacy/test_views.py (13 with the department settings read): the pens come with
    # the stored snapshot
    with django_assert_num_queries(13):
        response = client.get(reverse("pharmacy:worklist"))
    assert len(response.context["worklist"].due) == n


# --- the form ------------------------------------------------------------------------------------


@pytest.fixture
def sc_patient(make_patient, dispense, today):
    patient = make_patient(code="SC10", start=today - timedelta(days=28), regimen="sc_standard")
    dispense(patient, today - timedelta(days=28), 4)
    return patient


def test_sc_form_speaks_of_a_dispensation_and_asks_the_pens(client_for, sc_patient):
    client = _english(client_for("pharmacist"))
    response = client.get(reverse("pharmacy:infusion_record", args=[sc_patient.pk]))
    form = response.context["form"]
    assert "pens" in form.fields and form["pens"].value() == 4  # as many as last time
    for iv_only in ("premedication", "reaction", "reaction_notes", "diluent", "prepared_dose_mg"):
        assert iv_only not in form.fields
    html = response.content.decode()
    assert "Record a dispensation" in html and "Record the dispensation" in html
    assert "Dose and pens" in html and "Pens dispensed" in html
    assert "Premedication" not in html and "Reaction during infusion" not in html
    assert "Vials covering" not in html and "mg/kg" not in html


def test_iv_form_is_unchanged(client_for, iv_patient):
    client = _english(client_for("pharmacist"))
    response = client.get(reverse("pharmacy:infusion_record", args=[iv_patient.pk]))
    form = response.context["form"]
    assert "pens" not in form.fields
    for name in ("premedication", "reaction", "diluent", "prepared_dose_mg"):
        assert name in form.fields
    assert "Record an infusion" in response.content.decode()


def _sc_payload(users, checker, today, **changes):
    data = {
        "date": today.isoformat(),
        "weight_kg": "",
        "pens": "4",
        "lots_as_recorded": "P1, P2, P3, P4",
        "prepared_by": users["pharmacist"].pk,
        "checked_by": checker.pk,
        "notes": "",
    }
    data.update(changes)
    return data


def test_pharmacist_dispenses_four_pens(client_for, sc_patient, users, checker, today):
    client = _english(client_for("pharmacist"))
    url = reverse("pharmacy:infusion_record", args=[sc_patient.pk])
    response = client.post(url, _sc_payload(users, checker, today))
    assert response.status_code == 302
    saved = Infusion.objects.get(patient=sc_patient, date=today)
    assert (saved.pens, saved.premedication, saved.reaction, saved.diluent) == (
        4,
        False,
        "none",
        "",
    )
    assert (saved.prescribed_dose_mg, saved.vials_120, saved.vials_400) == (Decimal(200), 0, 0)
    assert _stored(sc_patient).next_due == today + timedelta(days=28)
    (text,) = [str(m) for m in get_messages(response.wsgi_request)]
    due = (today + timedelta(days=28)).strftime("%d/%m/%Y")  # British English: day first
    assert text.startswith("Dispensation recorded for SC10.")
    assert f"Next dispensation due on {due} (W9)." in text


@pytest.mark.parametrize(
    ("pens", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("27", "Ensure this value is less than or equal to 26."),
        ("", "This field is required."),
        ("two", "Enter a whole number."),
    ],
)
def test_bad_pens_are_refused_beside_the_field(
    client_for, sc_patient, users, checker, today, pens, message
):
    client = _english(client_for("pharmacist"))
    url = reverse("pharmacy:infusion_record", args=[sc_patient.pk])
    response = client.post(url, _sc_payload(users, checker, today, pens=pens))
    assert response.status_code == 200
    assert response.context["form"].errors["pens"] == [message]
    assert not Infusion.objects.filter(patient=sc_patient, date=today).exists()


def test_the_department_sets_the_most_pens_a_dispensation_holds(
    client_for, sc_patient, users, checker, today
):
    client = _english(client_for("pharmacist"))
    url = reverse("pharmacy:infusion_record", args=[sc_patient.pk])
    with override_settings(BELIMUMAB={**django_settings.BELIMUMAB, "MAX_PENS_PER_DISPENSATION": 3}):
        response = client.post(url, _sc_payload(users, checker, today, pens="4"))
    assert response.context["form"].errors["pens"] == [
        "Ensure this value is less than or equal to 3."
    ]
    assert not Infusion.objects.filter(patient=sc_patient, date=today).exists()


def test_patient_page_shows_dispensations_with_pens_and_weeks(client_for, sc_patient):
    client = _english(client_for("pharmacist"))
    html = client.get(reverse("clinical:patient_detail", args=[sc_patient.pk])).content.decode()
    assert "Belimumab dispensations (subcutaneous)" in html
    assert 'data-pens="4"' in html and "4 pens" in html
    assert 'data-weeks="4"' in html and "4 weeks covered" in html
    assert "Record a dispensation" in html


def test_correcting_a_dispensation_keeps_its_pens_and_moves_the_due_date(
    client_for, sc_patient, users, checker, today
):
    record = Infusion.objects.get(patient=sc_patient)
    client = _english(client_for("pharmacist"))
    url = reverse("pharmacy:infusion_edit", args=[record.pk])
    form = client.get(url).context["form"]
    assert form["pens"].value() == 4
    data = _sc_payload(
        users, checker, today, date=record.date.isoformat(), pens="6", version=record.version
    )
    assert client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.pens == 6
    assert _stored(sc_patient).next_due == record.date + timedelta(weeks=6)


# --- the timeline -------------------------------------------------------------------------------


def test_timeline_shows_dispensations_and_counts_missed_weeks(make_patient, dispense):
    patient = make_patient(code="SC11", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    dispense(patient, date(2026, 4, 12), 4)
    data = timeline_chart_data(patient_records(patient=patient), date(2026, 4, 20))
    assert data["infusions"] == []
    assert data["dispensations"] == [(MARCH_1, 4), (date(2026, 4, 12), 4)]
    assert data["missed"] == [{"start": date(2026, 3, 22), "end": date(2026, 4, 12), "missed": 2}]
    with translation.override("en"):
        assert dispensation_text(4) == "Dispensation: 4 pens, 4 weeks covered"
        assert dispensation_text(1) == "Dispensation: 1 pen, 1 week covered"
        figure = activity_figure(data, chart_labels())
    (trace,) = [
        t for t in figure["data"] if t.get("name") == "Belimumab dispensations (subcutaneous)"
    ]
    assert trace["x"] == [MARCH_1, date(2026, 4, 12)]


def test_preparation_sheet_of_a_dispensation(client_for, make_patient, dispense):
    patient = make_patient(code="SC12", start=MARCH_1, regimen="sc_standard")
    dispense(patient, MARCH_1, 4)
    second = dispense(patient, date(2026, 3, 29), 12)
    client = _english(client_for("pharmacist"))
    response = client.get(reverse("pharmacy:infusion_sheet", args=[second.pk]))
    assert response.context["sheet"].cycle_label == "W5"  # after the 4 weeks covered
    html = response.content.decode()
    assert "Subcutaneous dispensation: 12 pens (12 weeks)" in html


def test_the_service_refuses_a_dispensation_without_pens(
    english, sc_patient, users, checker, today
):
    fields = {
        "date": today,
        "weight_kg": None,
        "lots_as_recorded": "P1",
        "prepared_by": users["pharmacist"],
        "checked_by": checker,
        "notes": "",
    }
    with pytest.raises(ValidationError) as refused:
        infusion_record(
            patient=sc_patient, user=users["pharmacist"], fields={**fields, "pens": 0}, today=today
        )
    assert refused.value.message_dict == {
        "pens": ["Enter the number of pens dispensed: 1 or more."]
    }
    with pytest.raises(ValidationError) as refused:
        infusion_record(
            patient=sc_patient, user=users["pharmacist"], fields={**fields, "pens": 27}, today=today
        )
    assert refused.value.message_dict == {"pens": ["A dispensation holds at most 26 pens."]}
    assert Infusion.objects.filter(patient=sc_patient).count() == 1
    saved = infusion_record(
        patient=sc_patient,
        user=users["pharmacist"],
        fields={**fields, "pens": 2, "premedication": True, "reaction": "mild"},
        today=today,
    )
    assert (saved.pens, saved.premedication, saved.reaction) == (2, False, "none")


def test_an_iv_infusion_is_one_pen_whatever_is_sent(iv_patient, users, checker, today):
    saved = infusion_record(
        patient=iv_patient,
        user=users["pharmacist"],
        fields={
            "date": today,
            "weight_kg": Decimal(70),
            "lots_as_recorded": "A1",
            "diluent": "nacl_0.9",
            "prepared_by": users["pharmacist"],
            "checked_by": checker,
            "pens": 5,
        },
        today=today,
    )
    assert saved.pens == 1


# --- the stored snapshot against the rule, on random dispensations ------------------------------

_serial = iter(range(10**6))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.tuples(st.integers(min_value=0, max_value=300), st.integers(min_value=1, max_value=12)),
        max_size=8,
        unique_by=lambda r: r[0],
    ),
    elapsed=st.integers(min_value=0, max_value=120),
)
def test_stored_sc_status_equals_the_rule_over_the_weeks_covered(
    make_patient, dispense, records, elapsed
):
    patient = make_patient(code=f"HS{next(_serial)}", start=MARCH_1, regimen="sc_standard")
    for offset, count in records:
        dispense(patient, MARCH_1 + timedelta(days=offset), count)
    weeks = covered_dates([(MARCH_1 + timedelta(days=o), n) for o, n in records])
    on = MARCH_1 + timedelta(days=max((o for o, _ in records), default=0) + elapsed)
    # every record is dispensed by `on`; the weeks they cover beyond it count too
    rule = schedule.status_on(schedule.course_snapshot(schedule.SC_STANDARD, MARCH_1, weeks), on)
    assert _status(patient, on) == rule
    assert patient_infusion_panel(patient=patient, today=on)["status"] == rule
    assert _stored(patient).given_count == sum(n for _, n in records)  # no pen lost


@pytest.mark.parametrize("given_count", [1, 12])
def test_sc_form_query_count_is_constant(
    client_for, make_patient, dispense, given_count, django_assert_num_queries
):
    """As the IV form (tests/pharmacy/test_views.py): session, user, user and group
    permissions; the patient, its courses and its records once; the two people lists; the
    department settings; the pens' lots in stock for the proposal (issue 14); the session
    saved (savepoint, update, release)."""
    patient = make_patient(code="SC13", start=date(2025, 1, 6), regimen="sc_standard")
    for k in range(given_count):
        dispense(patient, date(2025, 1, 6) + timedelta(weeks=4 * k), 4)
    client = client_for("pharmacist")
    url = reverse("pharmacy:infusion_record", kwargs={"patient_id": patient.pk})
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.context["context"].cycle_index == 4 * given_count
