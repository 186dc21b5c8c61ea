"""Traceability answers (issue 14): which patients received a lot, which lots a patient received.

Reads only, each a fixed number of queries whatever the number of infusions: the lot's draws
with their infusions, patients, preparers and checkers in one query; a patient's draws with
their lots in one, the infusions' lots as recorded (history, presentations not kept in stock) in
another. Exports carry pseudonymous codes, never names (docs/architecture.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from belimumab.core.exports import safe_cell
from belimumab.patients.models import Patient
from belimumab.pharmacy.models import Infusion, InfusionLot
from belimumab.stock.models import VialLot


def _person(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


@dataclass(frozen=True)
class LotRecipient:
    """One infusion that received vials of a lot."""

    infusion_pk: int
    date: date
    patient_pk: int
    patient_code: str
    vials: int
    prepared_by: str
    checked_by: str
    from_stock: bool  # False: imported from history, no stock movement


def lot_recipients(lot: VialLot) -> list[LotRecipient]:
    """Every active infusion that received the lot, oldest first (one query)."""
    rows = (
        InfusionLot.objects.filter(lot=lot, is_active=True, infusion__is_active=True)
        .order_by("infusion__date", "infusion__patient__code", "pk")
        .values_list(
            "infusion_id",
            "infusion__date",
            "infusion__patient_id",
            "infusion__patient__code",
            "vials",
            "infusion__prepared_by__first_name",
            "infusion__prepared_by__last_name",
            "infusion__prepared_by__username",
            "infusion__checked_by__first_name",
            "infusion__checked_by__last_name",
            "infusion__checked_by__username",
            "movement_id",
        )
    )
    return [
        LotRecipient(
            infusion_pk=row[0],
            date=row[1],
            patient_pk=row[2],
            patient_code=row[3],
            vials=row[4],
            prepared_by=_person(*row[5:8]),
            checked_by=_person(*row[8:11]),
            from_stock=row[11] is not None,
        )
        for row in rows
    ]


def _columns() -> list[str]:
    return [
        _("Date"),
        _("Patient"),
        _("Vials"),
        _("Prepared by"),
        _("Checked by"),
        _("From the stock"),
        _("Lot"),
        _("Presentation"),
        _("Expiry date"),
    ]


def _export_rows(lot: VialLot, recipients: list[LotRecipient]) -> list[list[Any]]:
    presentation = lot.get_presentation_display()
    return [
        [
            row.date,
            row.patient_code,
            row.vials,
            row.prepared_by,
            row.checked_by,
            _("yes") if row.from_stock else _("no"),
            lot.number,
            presentation,
            lot.expiry,
        ]
        for row in recipients
    ]


def lot_csv(lot: VialLot, recipients: list[LotRecipient]) -> bytes:
    """The recipients as CSV: comma, ISO dates, UTF-8 with a byte-order mark (Excel reads the
    accents); text starting like a formula is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_columns())
    for row in _export_rows(lot, recipients):
        writer.writerow(
            [value.isoformat() if isinstance(value, date) else safe_cell(value) for value in row]
        )
    return buffer.getvalue().encode("utf-8-sig")


def lot_xlsx(lot: VialLot, recipients: list[LotRecipient]) -> bytes:
    """The recipients as one worksheet: dates as dates, vials as numbers."""
    from openpyxl import Workbook  # imported when needed, as the reports' exports do
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(safe_cell(lot.number)[:31] or "lot")
    header = []
    for title in _columns():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _export_rows(lot, recipients):
        cells: list[Any] = []
        for value in row:
            if isinstance(value, date):
                midnight = dt.datetime.combine(value, dt.time())  # openpyxl writes datetimes
                cell = WriteOnlyCell(sheet, value=midnight)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(safe_cell(value))
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ReceivedLot:
    """A lot a patient received at one infusion (or the lots as recorded in text)."""

    infusion_pk: int
    date: dt.date
    lot_pk: int | None
    number: str
    presentation: str
    expiry: dt.date | None
    vials: int | None
    from_stock: bool


def _newest_first(row: ReceivedLot) -> tuple[date, bool]:
    return row.date, row.lot_pk is not None


def patient_lots(patient: Patient) -> list[ReceivedLot]:
    """Every lot the patient received, newest infusion first: the structured lots (one query)
    and the lots as recorded in text (one query)."""
    labels = dict(VialLot._meta.get_field("presentation").flatchoices)
    draws = (
        InfusionLot.objects.filter(
            infusion__patient=patient, is_active=True, infusion__is_active=True
        )
        .order_by("-infusion__date", "lot__presentation", "lot__expiry", "pk")
        .values_list(
            "infusion_id",
            "infusion__date",
            "lot_id",
            "lot__number",
            "lot__presentation",
            "lot__expiry",
            "vials",
            "movement_id",
        )
    )
    received = [
        ReceivedLot(pk, day, lot_pk, number, str(labels.get(code, code)), expiry, vials, bool(mv))
        for pk, day, lot_pk, number, code, expiry, vials, mv in draws
    ]
    recorded = (
        Infusion.objects.filter(patient=patient, is_active=True)
        .exclude(lots_as_recorded="")
        .values_list("pk", "date", "lots_as_recorded")
    )
    received += [
        ReceivedLot(pk, day, None, text, _("as recorded"), None, None, False)
        for pk, day, text in recorded
    ]
    received.sort(key=_newest_first, reverse=True)
    return received


def infusion_draws(infusion: Infusion | None) -> list[InfusionLot]:
    """An infusion's active lots with their stock lots (one query; none without an infusion)."""
    if infusion is None or infusion.pk is None:
        return []
    return list(
        infusion.lot_draws.filter(is_active=True)
        .select_related("lot")
        .order_by("lot__presentation", "lot__expiry", "pk")
    )


def draws_by_infusion(infusion_ids: list[int]) -> dict[int, list[InfusionLot]]:
    """The active lots of several infusions with their stock lots (one query): the preparation
    sheets of a day show them."""
    found: dict[int, list[InfusionLot]] = {pk: [] for pk in infusion_ids}
    for draw in (
        InfusionLot.objects.filter(infusion_id__in=infusion_ids, is_active=True)
        .select_related("lot")
        .order_by("lot__presentation", "lot__expiry", "pk")
    ):
        found[draw.infusion_id].append(draw)
    return found
