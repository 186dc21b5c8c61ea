"""A course dated at the end of the calendar (issue 13): 31/12/9999 stored before forms bounded
dates (or restored from an old backup) was an OverflowError, a 500, on the timeline, the patient
page and the worklist. Every page computing a schedule or a window reads it."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_read_courses_dated_at_the_end_of_the_calendar(
    client_for, make_patient, make_infusion
):
    last = make_patient(code="FAR01", start=date.max)
    near = make_patient(code="FAR02", start=date(9999, 12, 1))
    make_infusion(near, date(9999, 12, 1))
    pages = [
        ("clinician", reverse("clinical:timeline", args=[last.pk])),
        ("clinician", reverse("clinical:timeline", args=[near.pk])),
        ("clinician", reverse("clinical:patient_detail", args=[near.pk])),
        ("pharmacist", reverse("pharmacy:worklist")),
        ("pharmacist", reverse("pharmacy:infusion_record", args=[near.pk])),
        ("department_head", reverse("reports:dashboard")),
    ]
    for role, url in pages:
        assert client_for(role).get(url).status_code == 200, url
    worklist = client_for("pharmacist").get(reverse("pharmacy:worklist")).content.decode()
    assert "FAR01" not in worklist  # its first infusion is not due in the days ahead
