import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from belimumab.core.services import clinical_deactivate, clinical_save

pytestmark = pytest.mark.django_db


def test_audit_log_lists_creation_change_and_deactivation(client_for, users, make_patient):
    patient = make_patient(code="AUD01")
    course = patient.courses.get()
    course.stop_date, course.stop_reason = date(2026, 3, 1), "remission"
    clinical_save(course, user=users["clinician"])
    clinical_deactivate(course, user=users["clinician"])
    url = reverse("accounts:audit") + "?start=2026-01-01&end=2026-12-31"
    response = client_for("administrator").get(url)
    rows = response.context["rows"]
    actions = [(r.source, r.action) for r in rows if r.source == "course"]
    # newest first
    assert actions == [("course", "deactivated"), ("course", "changed"), ("course", "created")]
    with translation.override("fr"):  # the page's language (the default) shows labels
        assert _("deactivated") in response.content.decode()
    change = next(r for r in rows if r.source == "course" and r.action == "changed")
    assert ("stop_reason", "", "remission") in change.changes
    assert change.who == "clinician" and change.patient == "AUD01"

    download = client_for("administrator").get(url + "&format=csv")
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert lines[0][:3] == ["when", "who", "model"]
    clinical = [r for r in rows if r.source not in ("account", "read")]
    assert len(lines) == 1 + len(clinical)


def test_audit_log_csv_neutralises_formulas(client_for, make_patient):
    make_patient(code="=cmd|' /C calc'!A0")
    url = reverse("accounts:audit") + "?start=2026-01-01&end=2026-12-31&format=csv"
    content = b"".join(client_for("administrator").get(url).streaming_content).decode()
    assert "'=cmd" in content
    assert "\n=cmd" not in content and ",=cmd" not in content


def test_audit_period_errors_are_beside_the_field(client_for):
    url = reverse("accounts:audit") + "?start=2026-05-01&end=2026-01-01"
    form = client_for("administrator").get(url).context["form"]
    assert "end" in form.errors
