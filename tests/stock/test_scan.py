"""GS1 DataMatrix strings as a keyboard-wedge scanner types them (belimumab.stock.scan)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from belimumab.stock.models import VialLot
from belimumab.stock.scan import Scan, presentation_for, scan_matches_lot, scan_parse
from tests.stock.helpers import GS, GTIN_120, GTIN_400, OTHER_GTIN, datamatrix

pytestmark = pytest.mark.django_db

EXPECTED = Scan(gtin=GTIN_120, lot="ABC123", expiry=date(2027, 12, 31), serial="XYZ987")


def test_the_pack_layout_with_the_symbology_identifier():
    text = f"]d201{GTIN_120}17271231" + "10ABC123" + GS + "21XYZ987"
    assert scan_parse(text) == EXPECTED


def test_the_same_without_the_symbology_identifier_and_with_the_enter_key():
    text = f"01{GTIN_120}17271231" + "10ABC123" + GS + "21XYZ987\r\n"
    assert scan_parse(text) == EXPECTED


def test_the_identifiers_in_another_order_with_separators():
    # serial and lot first (variable length: each ends with GS), then GTIN and expiry
    text = "21XYZ987" + GS + "10ABC123" + GS + f"01{GTIN_120}17271231"
    assert scan_parse(text) == EXPECTED


def test_the_lot_last_needs_no_separator_and_the_serial_is_optional():
    assert scan_parse(f"01{GTIN_400}1728063010L-77") == Scan(
        gtin=GTIN_400, lot="L-77", expiry=date(2028, 6, 30)
    )


def test_day_00_is_the_last_day_of_the_month():
    assert scan_parse(f"01{GTIN_120}17280200" + "10ABC").expiry == date(2028, 2, 29)
    assert scan_parse(f"01{GTIN_120}17270400" + "10ABC").expiry == date(2027, 4, 30)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("hello", "not a GS1 code"),
        ("<script>alert(1)</script>", "not a GS1 code"),
        ("\x00\x1d\x1d", "not a GS1 code"),
        ("0107612345678901", "check digit"),  # one digit off
        ("10ABC123", "no product code"),
        (f"01{GTIN_120}", "no lot number or expiry"),
        (f"01{GTIN_120}17271399" + "10ABC", "not a GS1 code"),  # month 13
    ],
)
def test_garbage_is_refused_with_the_reason(text, reason):
    with pytest.raises(ValidationError) as refused:
        scan_parse(text)
    assert reason in " ".join(refused.value.messages)


def test_a_product_that_is_not_belimumab_is_refused():
    assert presentation_for(GTIN_120) == "iv120"
    with pytest.raises(ValidationError) as refused:
        presentation_for(OTHER_GTIN)
    assert "is not a belimumab presentation" in refused.value.messages[0]


def test_the_scan_must_match_the_lot_of_stock():
    lot = VialLot.objects.create(presentation="iv120", number="ABC123", expiry=date(2027, 12, 31))
    scan_matches_lot(scan_parse(datamatrix(GTIN_120, "ABC123", "271231")), lot)
    scan_matches_lot(datamatrix(GTIN_120, "ABC123", "271231", prefix=""), lot)  # the text
    with pytest.raises(ValidationError):
        scan_matches_lot("not a code", lot)
    cases = [
        (datamatrix(GTIN_120, "ABC124", "271231"), "is lot ABC124, not lot ABC123"),
        (datamatrix(GTIN_120, "ABC123", "271130"), "stock says lot ABC123 expires on 31/12/2027"),
        (datamatrix(GTIN_400, "ABC123", "271231"), "400 mg vial (IV), this lot is a 120 mg"),
        (datamatrix(OTHER_GTIN, "ABC123", "271231"), "not a belimumab presentation"),
    ]
    for text, reason in cases:
        with pytest.raises(ValidationError) as refused:
            scan_matches_lot(scan_parse(text), lot)
        assert reason in refused.value.messages[0], text
