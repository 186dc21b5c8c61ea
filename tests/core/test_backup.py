from datetime import date

import pytest
from django.core import serializers
from django.core.management import call_command

from belimumab.core.backup import backed_up_models
from belimumab.core.services import clinical_save

pytestmark = pytest.mark.django_db(transaction=True)


def _snapshot() -> dict[str, list]:
    snapshot = {}
    for model in backed_up_models():
        rows = serializers.serialize(
            "python", model.objects.order_by("pk"), use_natural_foreign_keys=True
        )
        many = {field.name for field in model._meta.many_to_many}
        for row in rows:  # many-to-many lists come in no particular order
            row["fields"] = {k: sorted(v) if k in many else v for k, v in row["fields"].items()}
        snapshot[model._meta.label] = rows
    return snapshot


def test_backup_and_restore_round_trip_every_row_and_history(
    tmp_path, users, make_patient, make_infusion
):
    from belimumab.clinical.models import LabResult, Visit

    for n in range(5):
        patient = make_patient(code=f"BK{n}")
        make_infusion(patient, date(2026, 1, 5), prepared_by=users["pharmacist"])
        visit = Visit.objects.create(patient=patient, date=date(2026, 1, 5), sledai=4)
        visit.pga = "1.5"
        clinical_save(visit, user=users["clinician"])
        LabResult.objects.create(
            patient=patient, date=date(2026, 1, 5), test="c4", value="0.1", unit="g/L"
        )
    before = _snapshot()
    path = tmp_path / "cohort.json.gz"
    call_command("backup", "--output", str(path))

    # the database is emptied and restored from the file
    call_command("flush", "--no-input", verbosity=0)
    assert not _snapshot()["patients.Patient"]
    call_command("restore", str(path), "--yes")

    after = _snapshot()
    compared = sum(len(rows) for rows in before.values())
    assert compared > 60
    assert after == before
    assert len(after["patients.HistoricalPatient"]) == 5
    assert len(after["clinical.HistoricalVisit"]) == 10


def test_the_stock_and_the_infusions_lots_round_trip(tmp_path, users, make_patient):
    """Lots, movements and the lots of an infusion drawn from them (issue 14)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from belimumab.pharmacy import services
    from belimumab.stock import services as stock_services

    today = timezone.localdate()
    stock_services.lot_receive(
        presentation="iv120",
        number="BK-LOT",
        expiry=today + timedelta(days=60),
        vials=10,
        on_date=today,
        user=users["pharmacist"],
    )
    checker = users["administrator"]
    checker.groups.add(*users["pharmacist"].groups.all())
    fields = {
        "date": today,
        "weight_kg": Decimal("70"),
        "diluent": "nacl_0.9",
        "prepared_by": users["pharmacist"],
        "checked_by": checker,
        "reaction": "none",
    }
    patient = make_patient(code="BK-S", start=today)
    services.infusion_record(patient=patient, user=users["pharmacist"], fields=fields, today=today)
    before = _snapshot()
    assert len(before["pharmacy.InfusionLot"]) == 1 and len(before["stock.StockMovement"]) == 2
    path = tmp_path / "stock.json.gz"
    call_command("backup", "--output", str(path))
    call_command("flush", "--no-input", verbosity=0)
    call_command("restore", str(path), "--yes")
    assert _snapshot() == before


def test_printed_sheets_come_back_byte_for_byte(tmp_path, users, make_patient, make_infusion):
    """The archived PDFs are in the database (issue 14): a restore returns the same bytes."""
    from belimumab.pharmacy.models import PrintedSheet

    infusion = make_infusion(make_patient(code="BKPDF"), date(2026, 1, 5))
    pdf = bytes(range(256)) * 40  # every byte value
    PrintedSheet.objects.create(
        kind="sheet",
        infusion=infusion,
        day=infusion.date,
        sources=[[infusion.pk, infusion.version]],
        language="fr",
        pdf=pdf,
        sha256="0" * 64,
        printed_by=users["pharmacist"],
    )
    path = tmp_path / "sheets.json.gz"
    call_command("backup", "--output", str(path))
    call_command("flush", "--no-input", verbosity=0)
    call_command("restore", str(path), "--yes")
    assert bytes(PrintedSheet.objects.get().pdf) == pdf


def test_restore_asks_for_confirmation(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "x.json.gz"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
