"""A pack's GS1 DataMatrix as a keyboard-wedge scanner types it, read with `biip`.

The scanner may prefix the symbology identifier `]d2`, sends FNC1 as the ASCII group separator
(GS, \\x1d) after a variable-length field, and none after the fixed-length ones (01 GTIN, 17
expiry); the application identifiers come in any order. Expiry day "00" is the month's last day
(biip resolves it). A text that is not such a message is refused with the reason, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from biip import ParseError, parse
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from belimumab.department import selectors as department
from belimumab.stock.models import VialLot

GS = "\x1d"


@dataclass(frozen=True)
class Scan:
    """What a pack's code says; the fields a pack did not carry are empty."""

    gtin: str
    lot: str
    expiry: date | None
    serial: str = ""


def scan_parse(text: str) -> Scan:
    """Read a scanned GS1 string; `ValidationError` with the reason when it is not one."""
    cleaned = text.strip().replace("\r", "").replace("\n", "")
    if not cleaned:
        raise ValidationError(_("The scan is empty."))
    try:
        result = parse(cleaned)
    except (ParseError, ValueError) as exc:
        raise ValidationError(_("This is not a GS1 code of a medicine pack.")) from exc
    message = result.gs1_message
    if message is None or not message.element_strings:
        raise ValidationError(_("This is not a GS1 code of a medicine pack."))
    values = {element.ai.ai: element for element in message.element_strings}
    gtin = values.get("01")
    if gtin is None:
        raise ValidationError(_("The code carries no product code (GTIN, AI 01)."))
    if gtin.gtin is None:
        raise ValidationError(_("The product code's check digit is wrong: scan the pack again."))
    lot = values.get("10")
    expiry = values.get("17")
    if lot is None or expiry is None or expiry.date is None:
        raise ValidationError(_("The code carries no lot number or expiry date (AI 10, 17)."))
    serial = values.get("21")
    return Scan(
        gtin=gtin.value,
        lot=lot.value,
        expiry=expiry.date,
        serial=serial.value if serial is not None else "",
    )


def presentation_for(gtin: str) -> str:
    """The presentation a product code is configured for; refused when it is not belimumab's."""
    presentation = department.current().presentation_of(gtin)
    if presentation is None:
        raise ValidationError(
            _(
                "Product code %(gtin)s is not a belimumab presentation of this department "
                "(see the product codes in the settings)."
            )
            % {"gtin": gtin}
        )
    return presentation


def scan_matches_lot(scan: Scan | str, lot: VialLot) -> None:
    """The preparation side: the scanned pack (a `Scan` or the scanner's text) must be this lot
    of stock; else `ValidationError` with the reason.

    Checks the product (its code's presentation), the lot number and the expiry date."""
    if isinstance(scan, str):
        scan = scan_parse(scan)
    presentation = presentation_for(scan.gtin)
    if presentation != lot.presentation:
        raise ValidationError(
            _("The scanned pack is a %(scanned)s, this lot is a %(lot)s.")
            % {
                "scanned": dict(VialLot._meta.get_field("presentation").flatchoices)[presentation],
                "lot": lot.get_presentation_display(),
            }
        )
    if scan.lot != lot.number:
        raise ValidationError(
            _("The scanned pack is lot %(scanned)s, not lot %(lot)s.")
            % {"scanned": scan.lot, "lot": lot.number}
        )
    if scan.expiry != lot.expiry:
        raise ValidationError(
            _(
                "The scanned pack expires on %(scanned)s, stock says lot %(lot)s expires on "
                "%(expiry)s."
            )
            % {
                "scanned": date_format(scan.expiry, "SHORT_DATE_FORMAT") if scan.expiry else "—",
                "lot": lot.number,
                "expiry": date_format(lot.expiry, "SHORT_DATE_FORMAT"),
            }
        )
