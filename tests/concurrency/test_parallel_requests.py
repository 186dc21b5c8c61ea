"""Real parallel requests (issue 5): two pharmacists record the same due infusion at the same
instant; two clinicians save the same course at the same instant; the same new visit's form is
sent twice at the same instant (issue 13).

Each request runs the whole Django stack in its own thread with its own database connection
(PostgreSQL in CI's second run, SQLite in the first); a barrier releases both together.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from belimumab.clinical.models import Visit
from belimumab.pharmacy.models import Infusion

pytestmark = pytest.mark.django_db(transaction=True)
TRIALS = 5


def _together(calls):
    """Run the callables at the same instant in threads; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_pharmacists_recording_the_same_infusion_make_one(make_user, make_patient):
    today = timezone.localdate()
    first, second = make_user("ph1", "pharmacist"), make_user("ph2", "pharmacist")
    clients = []
    for user in (first, second):
        client = Client()
        client.force_login(user)
        clients.append(client)
    outcomes = []
    for trial in range(TRIALS):
        patient = make_patient(code=f"RACE{trial}", start=today - timedelta(days=28))
        url = reverse("pharmacy:infusion_record", args=[patient.pk])

        def post(client, preparer, checker, url=url):
            data = {
                "date": today.isoformat(),
                "weight_kg": "70",
                "lots_as_recorded": "LOT1",
                "diluent": "nacl_0.9",
                "prepared_by": preparer.pk,
                "checked_by": checker.pk,
                "premedication": "on",
                "reaction": "none",
            }
            return client.post(url, data)

        responses = _together(
            [lambda: post(clients[0], first, second), lambda: post(clients[1], second, first)]
        )
        statuses = sorted(r.status_code for r in responses)
        outcomes.append(statuses)
        assert Infusion.objects.filter(patient=patient).count() == 1
        assert statuses == [200, 302], statuses
        refused = next(r for r in responses if r.status_code == 200)
        assert refused.context["form"].errors, "the second pharmacist is told why"
    assert len(outcomes) == TRIALS


def test_two_clinicians_saving_one_course_do_not_overwrite_each_other(make_user, make_patient):
    today = timezone.localdate()
    doctors = [make_user("dr1", "clinician"), make_user("dr2", "clinician")]
    clients = []
    for user in doctors:
        client = Client()
        client.force_login(user)
        clients.append(client)
    for trial in range(TRIALS):
        patient = make_patient(code=f"EDIT{trial}", start=today - timedelta(days=60))
        course = patient.courses.get()
        url = reverse("patients:course_update", args=[course.pk])
        base = {
            "regimen": course.regimen_id,
            "start_date": course.start_date.isoformat(),
            "version": course.version,
            "stop_date": today.isoformat(),
        }
        responses = _together(
            [
                lambda url=url, base=base: clients[0].post(
                    url, {**base, "stop_reason": "remission"}
                ),
                lambda url=url, base=base: clients[1].post(
                    url, {**base, "stop_reason": "inefficacy"}
                ),
            ]
        )
        assert sorted(r.status_code for r in responses) == [200, 302]
        saved = next(i for i, r in enumerate(responses) if r.status_code == 302)
        course.refresh_from_db()
        assert course.stop_reason == ("remission", "inefficacy")[saved]
        assert course.version == 2
        assert course.history.count() == 2  # created, then one change: nothing overwritten


def test_the_same_visit_form_sent_twice_at_once_makes_one_visit(make_user, make_patient):
    """Two POSTs of one new-visit form (its one-time token) at the same instant: one visit, the
    other request is told why. A double-click is stopped in the browser; this is not."""
    today = timezone.localdate()
    client = Client()
    client.force_login(make_user("dr1", "clinician"))
    for trial in range(TRIALS):
        patient = make_patient(code=f"VISIT{trial}", start=today - timedelta(days=60))
        url = reverse("clinical:visit_create", args=[patient.pk])
        token = client.get(url).context["form"]["submission"].value()
        data = {
            "date": today.isoformat(),
            "mode": "descriptors",
            "descriptors": ["arthritis"],
            "submission": token,
        }
        responses = _together([lambda url=url, data=data: client.post(url, data)] * 2)
        assert sorted(r.status_code for r in responses) == [200, 302]
        assert Visit.objects.filter(patient=patient).count() == 1
        refused = next(r for r in responses if r.status_code == 200)
        assert refused.context["form"].non_field_errors()
