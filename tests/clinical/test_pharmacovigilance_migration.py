"""Migration clinical 0002 on a database holding adverse events recorded before it: they stay
valid (not graded, not assessed, not reported), and the forward and backward steps both run."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# transaction=True without serialized_rollback: the flush after the test then re-runs post_migrate,
# so the role groups exist for the transactional tests that follow.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("clinical", "0001_initial")]
AFTER = [("clinical", "0002_adverse_event_pharmacovigilance")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_existing_events_stay_valid_through_the_migration():
    old = _migrate(BEFORE)
    patient = old.get_model("patients", "Patient").objects.create(
        code="OLD-1", last_name="Martin", first_name="Claire", birth_date=date(1985, 3, 14), sex="F"
    )
    old.get_model("clinical", "AdverseEvent").objects.create(
        patient_id=patient.pk,
        onset_date=date(2025, 2, 1),
        term="Pneumonia",
        category="infection",
        serious=True,
        outcome="fatal",
    )
    new = _migrate(AFTER)
    event = new.get_model("clinical", "AdverseEvent").objects.get()
    assert (event.severity_grade, event.causality, event.action_taken) == (None, "", "")
    assert (event.reported_to_pv, event.pv_report_date) == (False, None)
    # graded and reported afterwards, as the form would: the constraints accept it
    event.severity_grade = 5
    event.reported_to_pv = True
    event.pv_report_date = date(2025, 2, 3)
    event.save()
    _migrate(BEFORE)  # and back: the columns go, the event stays
    assert old.get_model("clinical", "AdverseEvent").objects.get().term == "Pneumonia"
    _migrate(AFTER)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate(latest)  # leave the schema as every other test expects it
