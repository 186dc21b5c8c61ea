"""Stock test data: GS1 strings of real pack layouts built with valid GTIN-14 check digits."""

from __future__ import annotations

from datetime import date

from belimumab.domain.defaults import DEMO_GTINS
from belimumab.domain.stock import gtin_check_digit

GS = "\x1d"
GTIN_120 = DEMO_GTINS["iv120"][0]
GTIN_400 = DEMO_GTINS["iv400"][0]
GTIN_PEN = DEMO_GTINS["sc200"][0]


def gtin(body13: str) -> str:
    """A GTIN-14 with its check digit computed (GS1 General Specifications 7.9.1)."""
    return body13 + str(gtin_check_digit(body13))


# a product code with a valid check digit that no belimumab presentation uses
OTHER_GTIN = gtin("0761234567890")


def datamatrix(
    code: str, lot: str, expiry: str, serial: str = "SN0001", *, prefix: str = "]d2"
) -> str:
    """The layout printed on packs: 01 and 17 (fixed length, no separator), 10, GS, 21."""
    return f"{prefix}01{code}17{expiry}10{lot}{GS}21{serial}"


def yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")
