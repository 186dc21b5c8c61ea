"""Structured lots of infusions.csv (issue 14): read, checked against the rows and the stock,
written as `InfusionLot` rows without stock movement (history that never went through this
stock), the lot created with the file's expiry date when the stock does not know it.

Per presentation (`formats.LOT_COLUMNS`): `lot_120`, `lot_120_expiry`, `lot_120_vials` (and
`_400`, `_pen`), `;`-separated lists of one item per lot. The lots of a size must add up to the
vials of that size of the row (the pens of an SC row); a lot known to the stock with another
expiry date, a lot number given twice with two expiry dates, a lot expired before the infusion,
or an infusion whose lots were drawn from the stock in the application is a problem of its
cell. The free-text `lot` column stays the lots as recorded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from belimumab.cohort_io.batches import QUERY_CHUNK, chunks
from belimumab.cohort_io.cells import Cells
from belimumab.cohort_io.context import ChildRow, Parsed
from belimumab.cohort_io.formats import LOT_COLUMNS, RawTable, parse_date
from belimumab.cohort_io.results import Problem
from belimumab.core.services import clinical_save
from belimumab.pharmacy.models import Infusion, InfusionLot
from belimumab.stock.models import VialLot

MAX_VIALS = 100


@dataclass(frozen=True)
class LotCell:
    """One lot of a row: its presentation, number, expiry and vials, and its number's column."""

    presentation: str
    number: str
    expiry: date
    vials: int
    column: str


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(";")] if text.strip() else []


def _check_item(
    cells: Cells, columns: tuple[str, str, str], number: str, expiry_text: str, vials_text: str
) -> tuple[date, int] | None:
    number_column, expiry_column, vials_column = columns
    if not number or len(number) > 20:
        cells.problem(number_column, _("a lot number has 1 to 20 characters"))
        return None
    expiry = parse_date(expiry_text)
    if expiry is None:
        cells.problem(
            expiry_column,
            _("%(value)r is not a date: write YYYY-MM-DD or DD/MM/YYYY") % {"value": expiry_text},
        )
        return None
    if not vials_text.isdigit() or not 1 <= int(vials_text) <= MAX_VIALS:
        cells.problem(
            vials_column,
            _("%(value)r: write the vials of the lot, 1 to %(max)d")
            % {"value": vials_text[:20], "max": MAX_VIALS},
        )
        return None
    return expiry, int(vials_text)


def parse_lots(cells: Cells) -> tuple[LotCell, ...]:
    """The structured lots of one infusions.csv row (problems of their cells reported)."""
    lots: list[LotCell] = []
    for presentation, columns in LOT_COLUMNS.items():
        present = [cells.has(column) for column in columns]
        if not any(present):
            continue
        if not all(present):
            missing = [c for c, there in zip(columns, present, strict=True) if not there]
            cells.problem(
                columns[0], _("needs the columns %(columns)s too") % {"columns": ", ".join(missing)}
            )
            continue
        numbers, expiries, vials = (_items(cells.raw(column)) for column in columns)
        if not (len(numbers) == len(expiries) == len(vials)):
            cells.problem(
                columns[0],
                _(
                    "%(lots)d lots, %(expiries)d expiry dates and %(vials)d vial counts: give "
                    "one of each per lot, separated by ;"
                )
                % {"lots": len(numbers), "expiries": len(expiries), "vials": len(vials)},
            )
            continue
        for number, expiry_text, vials_text in zip(numbers, expiries, vials, strict=True):
            checked = _check_item(cells, columns, number, expiry_text, vials_text)
            if checked is not None:
                lots.append(LotCell(presentation, number, checked[0], checked[1], columns[0]))
    return tuple(lots)


def _expected(row: ChildRow) -> dict[str, int]:
    fields = row.fields
    iv = (fields.get("vials_120") or 0) + (fields.get("vials_400") or 0)
    return {
        "iv120": fields.get("vials_120") or 0,
        "iv400": fields.get("vials_400") or 0,
        "sc200": 0 if iv else (fields.get("pens") or 1),
    }


def _row_problems(row: ChildRow) -> list[tuple[str, str]]:
    problems = []
    expected = _expected(row)
    held: dict[str, int] = Counter()
    for lot in row.lots:
        held[lot.presentation] += lot.vials
        if lot.expiry < row.key[0]:
            problems.append(
                (
                    lot.column,
                    _("lot %(lot)s expired on %(expiry)s, before this infusion")
                    % {"lot": lot.number, "expiry": lot.expiry.isoformat()},
                )
            )
    for presentation, count in held.items():
        if count != expected[presentation]:
            problems.append(
                (
                    LOT_COLUMNS[presentation][2],
                    _("the lots hold %(lots)d, the row opens %(row)d")
                    % {"lots": count, "row": expected[presentation]},
                )
            )
    return problems


def check_lots(table: RawTable | None, parsed: Parsed) -> None:
    """The rows' lots against their vials, each other and the stock (a few queries)."""
    rows = [row for row in parsed.children.get("infusions", []) if row.lots]
    if table is None or not rows:
        return
    problems = parsed.problems
    expiries: dict[tuple[str, str], date] = {}
    for row in rows:
        for column, message in _row_problems(row):
            problems.append(Problem(table.label, row.line, column, message))
        for lot in row.lots:
            first = expiries.setdefault((lot.presentation, lot.number), lot.expiry)
            if first != lot.expiry:
                problems.append(Problem(table.label, row.line, lot.column, _twice(lot, first)))
    stored = _stored_expiries({key[1] for key in expiries})
    for row in rows:
        for lot in row.lots:
            known = stored.get((lot.presentation, lot.number))
            if known is not None and known != lot.expiry:
                problems.append(Problem(table.label, row.line, lot.column, _twice(lot, known)))
    for line, column in _drawn_rows(rows):
        problems.append(
            Problem(
                table.label,
                line,
                column,
                _("this infusion's lots come from the stock: correct them in the application"),
            )
        )


def _twice(lot: LotCell, other: date) -> str:
    return _("lot %(lot)s expires on %(other)s elsewhere, not %(expiry)s") % {
        "lot": lot.number,
        "other": other.isoformat(),
        "expiry": lot.expiry.isoformat(),
    }


def _stored_expiries(numbers: set[str]) -> dict[tuple[str, str], date]:
    stored: dict[tuple[str, str], date] = {}
    for chunk in chunks(sorted(numbers), QUERY_CHUNK):
        for presentation, number, expiry in VialLot.objects.filter(number__in=chunk).values_list(
            "presentation", "number", "expiry"
        ):
            stored[(presentation, number)] = expiry
    return stored


def _drawn_rows(rows: list[ChildRow]) -> list[tuple[int, str]]:
    """(line, column) of the rows whose stored infusion drew its lots from the stock."""
    wanted = {(row.code, row.key[0]): row for row in rows}
    found = []
    codes = sorted({code for code, _day in wanted})
    for chunk in chunks(codes, QUERY_CHUNK):
        drawn = InfusionLot.objects.filter(
            infusion__patient__code__in=chunk,
            infusion__is_active=True,
            is_active=True,
            movement__isnull=False,
        ).values_list("infusion__patient__code", "infusion__date")
        for key in set(drawn):
            row = wanted.get(key)
            if row is not None:
                found.append((row.line, row.lots[0].column))
    return sorted(found)


def write_lots(parsed: Parsed, patient_ids: dict[str, int], user: Any) -> int:
    """After the infusions are written: the rows' lots as `InfusionLot` rows without movement,
    the lots the stock does not know created with the file's expiry; an infusion whose lots
    differ from the file's has its old rows deactivated. Returns the lot rows written."""
    rows = [row for row in parsed.children.get("infusions", []) if row.lots]
    if not rows:
        return 0
    lots = _lots_for(rows, user)
    infusions = _infusion_ids(rows, patient_ids)
    existing: dict[int, list[InfusionLot]] = defaultdict(list)
    for chunk in chunks(sorted(infusions.values()), QUERY_CHUNK):
        for draw in InfusionLot.objects.filter(infusion_id__in=chunk, is_active=True):
            existing[draw.infusion_id].append(draw)
    created: list[InfusionLot] = []
    for row in rows:
        infusion_id = infusions[(row.code, row.key[0])]
        wanted: Counter[int] = Counter()
        for lot in row.lots:
            wanted[lots[(lot.presentation, lot.number)].pk] += lot.vials
        old = existing.get(infusion_id, [])
        if Counter({draw.lot_id: draw.vials for draw in old}) == wanted:
            continue
        for draw in old:
            draw.is_active = False
            clinical_save(draw, user=user, reason="import")
        created += [
            InfusionLot(infusion_id=infusion_id, lot_id=pk, vials=vials)
            for pk, vials in wanted.items()
        ]
    bulk_create_with_history(
        created, InfusionLot, default_user=user, default_change_reason="import"
    )
    return len(created)


def _lots_for(rows: list[ChildRow], user: Any) -> dict[tuple[str, str], VialLot]:
    wanted = {(lot.presentation, lot.number): lot.expiry for row in rows for lot in row.lots}
    found: dict[tuple[str, str], VialLot] = {}
    for chunk in chunks(sorted({number for _p, number in wanted}), QUERY_CHUNK):
        for lot in VialLot.objects.filter(number__in=chunk):
            found[(lot.presentation, lot.number)] = lot
    for (presentation, number), expiry in sorted(wanted.items()):
        if (presentation, number) not in found:
            lot = VialLot(presentation=presentation, number=number, expiry=expiry)
            found[(presentation, number)] = clinical_save(lot, user=user, reason="import")
    return found


def _infusion_ids(rows: list[ChildRow], patient_ids: dict[str, int]) -> dict[tuple[str, date], int]:
    code_of = {pk: code for code, pk in patient_ids.items()}
    wanted_ids = sorted({patient_ids[row.code] for row in rows})
    ids: dict[tuple[str, date], int] = {}
    for chunk in chunks(wanted_ids, QUERY_CHUNK):
        for patient_id, day, pk in Infusion.objects.filter(
            patient_id__in=chunk, is_active=True
        ).values_list("patient_id", "date", "pk"):
            ids[(code_of[patient_id], day)] = pk
    return ids
