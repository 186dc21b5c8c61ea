"""DOMAIN.md "Plausibility of what is entered", the pharmacy's rows, through the infusion form:
weight for an IV dose (10-250 kg; a change of more than 10 % asks) and the interval since the
previous administration of the course (the same day refused; earlier than the schedule minus 7
days asks)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from belimumab.pharmacy.models import Infusion

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist(client_for):
    client = client_for("pharmacist")
    client.cookies["django_language"] = "en"
    return client


def _url(patient):
    return reverse("pharmacy:infusion_record", args=[patient.pk])


def _errors(response, field):
    assert response.status_code == 200, response.status_code
    return " ".join(response.context["form"].errors.get(field, []))


WEIGHTS = [
    # weight typed (the last infusion was at 70 kg), outcome
    ("0.1", "refused"),
    ("0.5", "refused"),
    ("9.9", "refused"),
    ("250.1", "refused"),
    ("70", "saved"),
    ("77", "saved"),  # +10.0 %
    ("63", "saved"),  # -10.0 %
    ("77.1", "asked"),
    ("62.9", "asked"),
]


@pytest.mark.parametrize(("weight", "outcome"), WEIGHTS)
def test_weight_for_an_iv_dose(pharmacist, iv_patient, payload, today, weight, outcome):
    response = pharmacist.post(_url(iv_patient), payload(weight_kg=weight))
    if outcome == "saved":
        assert response.status_code == 302
        assert Infusion.objects.get(date=today).confirmed_checks == []
        return
    assert not Infusion.objects.filter(date=today).exists()
    if outcome == "refused":
        assert "must be between 10 and 250 kg" in _errors(response, "weight_kg")
        return
    assert "since the last infusion" in _errors(response, "confirm_weight")
    confirmed = payload(weight_kg=weight, confirm_weight="on")
    assert pharmacist.post(_url(iv_patient), confirmed).status_code == 302
    assert Infusion.objects.get(date=today).confirmed_checks == ["weight_change"]


INTERVALS = [
    # days before today (the course's administrations: today - 70, - 56, - 42), outcome
    (42, "refused"),  # the same day as the last one
    (21, "saved"),  # 21 days after the last: 28 - 7
    (22, "asked"),  # 20 days after
    (41, "asked"),  # the next day
    (49, "asked"),  # between D14 (7 days before) and D28 (7 days after, 28 scheduled)
]


@pytest.mark.parametrize(("days", "outcome"), INTERVALS)
def test_interval_since_the_previous_administration(
    pharmacist, iv_patient, payload, today, days, outcome
):
    day = today - timedelta(days=days)
    data = payload(date=day.isoformat())
    before = Infusion.objects.count()
    response = pharmacist.post(_url(iv_patient), data)
    if outcome == "saved":
        assert response.status_code == 302
        return
    assert Infusion.objects.count() == before
    errors = _errors(response, "date")
    if outcome == "refused":
        assert "already has an infusion on" in errors
        assert 'name="confirmed"' not in response.content.decode()
        return
    assert "scheduled every 28 days" in errors
    assert 'name="confirmed" value="interval_short"' in response.content.decode()
    response = pharmacist.post(_url(iv_patient), {**data, "confirmed": "interval_short"})
    assert response.status_code == 302
    assert Infusion.objects.get(date=day).confirmed_checks == ["interval_short"]


def test_one_infusion_every_day_for_a_month_asks_each_time(
    pharmacist, make_patient, make_infusion, payload, today
):
    start = today - timedelta(days=31)
    patient = make_patient(code="DAILY", start=start)
    make_infusion(patient, start)
    asked = 0
    for offset in range(1, 31):
        data = payload(date=(start + timedelta(days=offset)).isoformat())
        response = pharmacist.post(_url(patient), data)
        if response.status_code == 200 and "interval_short" in response.content.decode():
            asked += 1
        pharmacist.post(_url(patient), {**data, "confirmed": "interval_short"})
    assert asked == 30
    stored = Infusion.objects.filter(patient=patient).exclude(date=start)
    assert [i.confirmed_checks for i in stored] == [["interval_short"]] * 30


def test_the_confirmation_is_named_in_the_record_history(
    pharmacist, iv_patient, payload, today, client_for
):
    pharmacist.post(_url(iv_patient), payload(weight_kg="80", confirm_weight="on"))
    infusion = Infusion.objects.get(date=today)
    clinician = client_for("clinician")
    clinician.cookies["django_language"] = "en"
    page = clinician.get(reverse("clinical:patient_detail", args=[iv_patient.pk])).content
    history = reverse("clinical:history", args=["infusion", infusion.pk])
    assert history in page.decode()
    html = clinician.get(history).content.decode()
    assert "Infusion of" in html and "weight change since the last infusion" in html


SC_INTERVALS = [
    # days after a dispensation of 4 pens (4 weeks: the next is due 28 days later), outcome
    (25, "saved"),  # 28 - 3
    (24, "asked"),
    (7, "asked"),  # a week after: the pens cover three more weeks
]


@pytest.mark.parametrize(("days", "outcome"), SC_INTERVALS)
def test_sc_interval_counts_the_weeks_the_pens_cover(
    pharmacist, make_patient, make_infusion, users, checker, today, days, outcome
):
    """SC: earlier than the scheduled interval minus 3 days asks; a dispensation of N pens
    schedules the next one N weeks later."""
    start = today - timedelta(days=days)
    patient = make_patient(code="SC-INT", start=start, regimen="sc_standard")
    make_infusion(patient, start, weight="60.0", prescribed_dose_mg=200, prepared_dose_mg=200)
    patient.infusions.update(pens=4)
    data = {
        "date": today.isoformat(),
        "pens": "4",
        "lots_as_recorded": "P1",
        "prepared_by": users["pharmacist"].pk,
        "checked_by": checker.pk,
    }
    response = pharmacist.post(_url(patient), data)
    if outcome == "saved":
        assert response.status_code == 302
        return
    assert "scheduled every 28 days" in _errors(response, "date")
    assert (
        pharmacist.post(_url(patient), {**data, "confirmed": "interval_short"}).status_code == 302
    )
    assert Infusion.objects.get(date=today).confirmed_checks == ["interval_short"]
