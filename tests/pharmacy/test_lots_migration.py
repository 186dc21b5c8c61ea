"""Migration pharmacy 0009 (issue 14): the free-text lots of every infusion, and of every version
in its history, become its lots as recorded, nothing lost; the backward step copies them back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# transaction=True without serialized_rollback: the flush after the test then re-runs post_migrate,
# so the role groups exist for the transactional tests that follow.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("pharmacy", "0008_printed_sheet"),
    ("stock", "0001_initial"),
    ("patients", "0006_confirmed_checks"),
]
AFTER = [("pharmacy", "0009_infusion_lots")]
TEXT = "A123, B456 (2 x 120 mg) =HYPERLINK(1)"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_the_free_text_lots_become_the_lots_as_recorded():
    old = _migrate(BEFORE)
    patient = old.get_model("patients", "Patient").objects.create(
        code="OLD-1", last_name="Martin", first_name="Claire", birth_date=date(1985, 3, 14), sex="F"
    )
    regimen = old.get_model("patients", "Regimen").objects.get(code="iv_standard")
    course = old.get_model("patients", "Course").objects.create(
        patient=patient, regimen=regimen, start_date=date(2025, 1, 6), confirmed_checks=[]
    )
    values = {
        "patient_id": patient.pk,
        "course_id": course.pk,
        "weight_kg": Decimal(70),
        "prescribed_dose_mg": Decimal(700),
        "prepared_dose_mg": Decimal(700),
        "vials_120": 6,
        "confirmed_checks": [],
    }
    infusion = old.get_model("pharmacy", "Infusion").objects.create(
        date=date(2025, 1, 6), lots=TEXT, **values
    )
    old.get_model("pharmacy", "Infusion").objects.create(date=date(2025, 1, 20), lots="", **values)
    old.get_model("pharmacy", "HistoricalInfusion").objects.create(
        id=infusion.pk,
        date=date(2025, 1, 6),
        lots="A123",  # an earlier version said otherwise: its history keeps it
        history_date=timezone.now(),
        history_type="+",
        created_at=timezone.now(),
        updated_at=timezone.now(),
        **values,
    )

    new = _migrate(AFTER)
    rows = new.get_model("pharmacy", "Infusion").objects.order_by("date")
    assert [row.lots_as_recorded for row in rows] == [TEXT, ""]
    history = new.get_model("pharmacy", "HistoricalInfusion").objects.get()
    assert history.lots_as_recorded == "A123"
    assert not new.get_model("pharmacy", "InfusionLot").objects.exists()

    back = _migrate(BEFORE)  # and back: the text returns to `lots`
    assert back.get_model("pharmacy", "Infusion").objects.get(date=date(2025, 1, 6)).lots == TEXT
    assert back.get_model("pharmacy", "HistoricalInfusion").objects.get().lots == "A123"
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate(latest)  # leave the schema as every other test expects it
