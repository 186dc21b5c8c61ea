"""The dashboard's tolerance table by CTCAE grade, from the database, in the same 14 queries."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from belimumab.clinical.models import AdverseEvent
from tests.reports.builders import day, db_cohort
from tests.reports.test_dashboard import DASHBOARD_QUERIES

pytestmark = pytest.mark.django_db


def _graded_cohort():
    patients = db_cohort(3)  # each with an ungraded bronchitis at D0 + 30
    first, second, _third = patients
    AdverseEvent.objects.filter(patient=first).update(severity_grade=2)
    AdverseEvent.objects.create(
        patient=second,
        onset_date=day(60, second.courses.get().start_date),
        term="Pneumonia",
        category="infection",
        serious=True,
        severity_grade=3,
        causality="possibly_related",
        action_taken="delayed",
        reported_to_pv=True,
        pv_report_date=day(62, second.courses.get().start_date),
    )
    return patients


def test_grades_on_the_dashboard(client_for, django_assert_num_queries):
    _graded_cohort()
    client = client_for("department_head")
    client.cookies["django_language"] = "en"
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("reports:dashboard"))
    html = response.content.decode()
    table = html.split('id="adverse-grades"')[1].split("</table>")[0]
    cells = [
        re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr.*?</tr>", table, re.S)
    ]
    # category, grades 1-5, not graded, grade >= 3
    assert cells[1:] == [
        ["Infection", "0", "1", "1", "0", "0", "2", "1"],
        ["All events", "0", "1", "1", "0", "0", "2", "1"],
    ]
    assert (
        "1 event of CTCAE grade 3 or more in 1 patients; 1 reported to pharmacovigilance." in html
    )


def test_grades_in_the_json_report_beside_the_keys_it_had(client_for):
    _graded_cohort()
    response = client_for("department_head").get(
        reverse("reports:export", kwargs={"kind": "report", "fmt": "json"})
    )
    ae = json.loads(response.content)["adverse_events"]
    assert (ae["total"], ae["patients"], ae["serious"]) == (4, 3, 1)
    assert ae["by_grade"] == {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0, "not_graded": 2}
    assert ae["grade_3_or_more"] == 1 and ae["reported_to_pharmacovigilance"] == 1
    assert ae["by_action"]["delayed"] == 1 and ae["by_causality"]["not_assessed"] == 3
