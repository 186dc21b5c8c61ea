"""patients.csv's optional hospital_id column (the laboratory feed matches on it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from belimumab.patients.models import Patient
from tests.cohort_io.test_import import base_files, english, regimens, run, write  # noqa: F401

pytestmark = pytest.mark.django_db


def with_ids(*ids: str) -> dict[str, list[list[str]]]:
    files = base_files()
    files["patients"][0].append("hospital_id")
    for row, value in zip(files["patients"][1:], ids, strict=True):
        row.append(value)
    return files


def test_the_identifiers_are_imported_and_an_empty_cell_is_none(tmp_path: Path) -> None:
    result = run(write(tmp_path / "in", with_ids("800123", "")))
    assert result.ok, [str(p) for p in result.problems]
    assert dict(Patient.objects.values_list("code", "hospital_id")) == {
        "T-001": "800123",
        "T-002": "",
    }
    again = run(write(tmp_path / "again", with_ids("800123", "800124")))
    assert again.ok, [str(p) for p in again.problems]
    assert Patient.objects.get(code="T-002").hospital_id == "800124"


def test_an_identifier_twice_in_the_file_is_refused(tmp_path: Path) -> None:
    result = run(write(tmp_path / "in", with_ids("800123", "800123")))
    assert [str(p) for p in result.problems] == [
        "patients.csv:3: hospital_id: duplicate hospital identifier: same as line 2"
    ]
    assert not Patient.objects.exists()


def test_an_identifier_held_by_another_patient_is_refused(tmp_path: Path, make_patient) -> None:
    make_patient(code="OTHER", hospital_id="800123")
    result = run(write(tmp_path / "in", with_ids("800123", "")))
    assert [str(p) for p in result.problems] == [
        "patients.csv:2: hospital_id: hospital identifier 800123 is already patient OTHER's"
    ]
    assert not Patient.objects.filter(code="T-001").exists()
