"""`manage.py labfeed_import`: the sample messages of fixtures/hl7 from a drop folder."""

from __future__ import annotations

import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from belimumab.labfeed.models import LabMessage, PendingLabResult

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hl7"


@pytest.fixture
def drop(tmp_path):
    for name in ("oru_r01_lupus_panel.hl7", "oru_r01_crithidia.hl7", "oru_r01_unknown_patient.hl7"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def _run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("labfeed_import", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue() + str(exc)
    return out.getvalue(), err.getvalue()


def test_the_drop_folder_is_read_and_emptied(drop, make_patient, elisa_mapping):
    patient = make_patient(code="SLE01", hospital_id="800123")
    out, err = _run(drop)
    assert err == ""
    assert f"{drop / 'oru_r01_lupus_panel.hl7'}: 6 new, 0 corrected, 0 already received" in out
    assert sorted(p.name for p in (drop / "processed").iterdir()) == [
        "oru_r01_crithidia.hl7",
        "oru_r01_lupus_panel.hl7",
        "oru_r01_unknown_patient.hl7",
    ]
    assert not list(drop.glob("*.hl7"))
    pending = PendingLabResult.objects.all()
    assert pending.count() == 8
    # the panel's six for the known patient; the Crithidia code is not mapped yet; 800999 unknown
    assert pending.filter(patient=patient).exclude(test="").count() == 6
    assert pending.get(code="DSDNA-CR").test == ""
    assert pending.get(hospital_id="800999").patient is None
    platelets = pending.get(code="777-3")
    assert (platelets.value, platelets.unit) == (Decimal("142"), "10^9/L")  # unescaped

    shutil.copy(FIXTURES / "oru_r01_correction.hl7", drop / "correction.hl7")
    shutil.copy(FIXTURES / "oru_r01_lupus_panel.hl7", drop / "again.hl7")
    out, err = _run(drop)
    assert "correction.hl7: 0 new, 1 corrected, 0 already received" in out
    assert "again.hl7: 0 new, 0 corrected, 1 already received" in out
    assert pending.get(code="4485-9").value == Decimal("0.68")
    assert (LabMessage.objects.count(), pending.count()) == (4, 8)


def test_a_malformed_file_is_refused_whole_with_file_line_and_column(drop, make_patient):
    text = (FIXTURES / "oru_r01_lupus_panel.hl7").read_text()
    (drop / "bad.hl7").write_text(text.replace("|0.09|g/L|", "|0,09|g/L|"))
    _out, err = _run(drop / "bad.hl7")
    assert f"{drop / 'bad.hl7'}:7: OBX-5: The value 0,09 is not a number" in err
    assert "1 file(s) refused: nothing of them was written" in err
    assert (drop / "failed" / "bad.hl7").exists()
    assert not LabMessage.objects.exists()
    assert not PendingLabResult.objects.exists()


def test_a_file_of_several_messages_is_all_or_nothing(drop, make_patient):
    good = (FIXTURES / "oru_r01_crithidia.hl7").read_text()
    bad = (FIXTURES / "oru_r01_correction.hl7").read_text().replace("|0.68|", "|?|")
    (drop / "batch.hl7").write_text(good.replace("\r", "\n") + bad.replace("\r", "\n"))
    _out, err = _run("--keep", drop / "batch.hl7")
    assert f"{drop / 'batch.hl7'}:8: OBX-5: The value ? is not" in err
    assert not PendingLabResult.objects.exists()
    assert (drop / "batch.hl7").exists()  # --keep


def test_a_missing_path_is_an_error(tmp_path, db):
    _out, err = _run(tmp_path / "nowhere")
    assert "No such file or folder" in err
