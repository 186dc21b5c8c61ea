"""infusions.csv's lots (issue 14): the old `lot` column becomes the lots as recorded; the
structured columns (per presentation: lot numbers, expiry dates, vials) become InfusionLot rows
without stock movement, the lot created with the file's expiry when the stock lacks it. All or
nothing, each problem with its line and column.

T-001 (IV, D0 2026-01-05) at 70 kg opens 6 x 120 mg on 5 and 19 January, 2 x 120 + 1 x 400
on 2 February; T-002 (SC, 2 February) one pen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from belimumab.cohort_io.formats import FILES, LOT_COLUMNS
from belimumab.pharmacy.models import Infusion, InfusionLot
from belimumab.stock import services as stock_services
from belimumab.stock.models import StockMovement, VialLot
from tests.cohort_io.test_import import base_files, english, regimens, run, write  # noqa: F401

pytestmark = pytest.mark.django_db

COLUMNS = [column for columns in LOT_COLUMNS.values() for column in columns]


def with_lots(*rows: dict[str, str]) -> dict[str, list[list[str]]]:
    """The base files with the nine lot columns; `rows`: the cells of the four infusion rows."""
    files = base_files()
    files["infusions"][0].extend(COLUMNS)
    for row, cells in zip(files["infusions"][1:], rows, strict=True):
        row.extend(cells.get(column, "") for column in COLUMNS)
    return files


GOOD = (
    {"lot_120": "A1", "lot_120_expiry": "2027-01-31", "lot_120_vials": "6"},
    {"lot_120": "A1;B2", "lot_120_expiry": "2027-01-31;31/03/2027", "lot_120_vials": "4;2"},
    {
        "lot_120": "B2",
        "lot_120_expiry": "2027-03-31",
        "lot_120_vials": "2",
        "lot_400": "C3",
        "lot_400_expiry": "2026-12-31",
        "lot_400_vials": "1",
    },
    {"lot_pen": "P9", "lot_pen_expiry": "2026-08-31", "lot_pen_vials": "1"},
)


def _draws():
    return sorted(
        (d.infusion.patient.code, d.infusion.date.isoformat(), d.lot.number, d.vials)
        for d in InfusionLot.objects.filter(is_active=True).select_related("infusion", "lot")
    )


def test_the_format_declares_the_lot_columns_once():
    assert set(COLUMNS) <= set(FILES["infusions"].columns)
    assert not set(COLUMNS) & set(FILES["infusions"].required)


def test_the_old_lot_column_becomes_the_lots_as_recorded(tmp_path: Path):
    result = run(write(tmp_path / "old", base_files()))
    assert result.ok, [str(p) for p in result.problems]
    texts = Infusion.objects.filter(patient__code="T-001").order_by("date")
    assert [i.lots_as_recorded for i in texts] == ["L1", "L1", "L2"]
    assert not InfusionLot.objects.exists()


def test_structured_lots_are_imported_without_stock_movement(tmp_path: Path, users):
    result = run(write(tmp_path / "new", with_lots(*GOOD)), user=users["administrator"])
    assert result.ok, [str(p) for p in result.problems]
    assert _draws() == [
        ("T-001", "2026-01-05", "A1", 6),
        ("T-001", "2026-01-19", "A1", 4),
        ("T-001", "2026-01-19", "B2", 2),
        ("T-001", "2026-02-02", "B2", 2),
        ("T-001", "2026-02-02", "C3", 1),
        ("T-002", "2026-02-02", "P9", 1),
    ]
    lots = {lot.number: (lot.presentation, lot.expiry) for lot in VialLot.objects.all()}
    assert lots == {
        "A1": ("iv120", date(2027, 1, 31)),
        "B2": ("iv120", date(2027, 3, 31)),
        "C3": ("iv400", date(2026, 12, 31)),
        "P9": ("sc200", date(2026, 8, 31)),
    }
    assert not StockMovement.objects.exists()
    assert not InfusionLot.objects.filter(movement__isnull=False).exists()
    draw = InfusionLot.objects.first()
    assert draw.history.get().history_user == users["administrator"]
    assert (
        Infusion.objects.get(patient__code="T-001", date=date(2026, 1, 5)).lots_as_recorded == "L1"
    )
    # the same files again write nothing; other lots replace the old rows
    assert run(write(tmp_path / "new", with_lots(*GOOD))).ok
    assert InfusionLot.objects.count() == 6
    changed = list(GOOD)
    changed[0] = {"lot_120": "B2", "lot_120_expiry": "2027-03-31", "lot_120_vials": "6"}
    assert run(write(tmp_path / "changed", with_lots(*changed))).ok
    assert ("T-001", "2026-01-05", "B2", 6) in _draws()
    assert InfusionLot.objects.filter(is_active=False).count() == 1


def test_a_known_lot_keeps_its_stock(tmp_path: Path, users):
    stock_services.lot_receive(
        presentation="iv120",
        number="A1",
        expiry=date(2027, 1, 31),
        vials=10,
        on_date=date(2025, 12, 1),
        user=users["pharmacist"],
    )
    assert run(write(tmp_path / "new", with_lots(*GOOD))).ok
    assert VialLot.objects.filter(number="A1").count() == 1
    assert StockMovement.objects.count() == 1  # the reception only: history draws nothing


def _problems(tmp_path, rows):
    before = Infusion.objects.count()
    result = run(write(tmp_path / "bad", with_lots(*rows)))
    assert not result.ok
    assert Infusion.objects.count() == before and not InfusionLot.objects.exists()
    assert not VialLot.objects.exclude(number="A1").exists()
    return [str(problem) for problem in result.problems]


def test_every_problem_with_its_line_and_column(tmp_path: Path):
    rows = [
        {"lot_120": "A1;B2", "lot_120_expiry": "2027-01-31", "lot_120_vials": "6"},
        {"lot_120": "A1", "lot_120_expiry": "2027-13-01", "lot_120_vials": "six"},
        {"lot_120": "B2", "lot_120_expiry": "2025-12-31", "lot_120_vials": "3"},
        {"lot_pen": "P9", "lot_pen_expiry": "2026-08-31", "lot_pen_vials": "2"},
    ]
    problems = _problems(tmp_path, rows)
    assert problems == [
        "infusions.csv:2: lot_120: 2 lots, 1 expiry dates and 1 vial counts: give one of each "
        "per lot, separated by ;",
        "infusions.csv:3: lot_120_expiry: '2027-13-01' is not a date: write YYYY-MM-DD or "
        "DD/MM/YYYY",
        "infusions.csv:4: lot_120: lot B2 expired on 2025-12-31, before this infusion",
        "infusions.csv:4: lot_120_vials: the lots hold 3, the row opens 2",
        "infusions.csv:5: lot_pen_vials: the lots hold 2, the row opens 1",
    ]


def test_an_expiry_disagreeing_with_the_stock_or_the_file(tmp_path: Path, users):
    stock_services.lot_receive(
        presentation="iv120",
        number="A1",
        expiry=date(2027, 2, 28),
        vials=10,
        on_date=date(2025, 12, 1),
        user=users["pharmacist"],
    )
    rows = list(GOOD)
    rows[2] = {**GOOD[2], "lot_120_expiry": "2027-04-30"}
    problems = _problems(tmp_path, rows)
    assert "infusions.csv:2: lot_120: lot A1 expires on 2027-02-28 elsewhere, not 2027-01-31" in (
        problems
    )
    assert "infusions.csv:4: lot_120: lot B2 expires on 2027-03-31 elsewhere, not 2027-04-30" in (
        problems
    )


def test_a_half_declared_presentation_is_a_problem(tmp_path: Path):
    files = base_files()
    files["infusions"][0].append("lot_120")
    for row in files["infusions"][1:]:
        row.append("")
    result = run(write(tmp_path / "half", files))
    assert [str(p) for p in result.problems] == [
        f"infusions.csv:{line}: lot_120: needs the columns lot_120_expiry, lot_120_vials too"
        for line in (2, 3, 4, 5)
    ]
