"""Number formats of the cohort report, localised (French: 4,25 and < 0,0001)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def num(value: Any, places: int = 2) -> str:
    """A number with at most `places` decimals, trailing zeros dropped: 4.25 -> 4,25,
    0.5 -> 0,5, 7.50 -> 7,5, 10.0 -> 10. Empty for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not number.is_finite():
        return ""
    rounded = number.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    text = format(rounded.normalize(), "f")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return formats.number_format(rounded, decimal_pos=decimals)


@register.filter
def pvalue(value: Any, places: int = 4) -> str:
    """A p-value rounded (half up, never truncated: 0.000389 -> 0,0004) to `places` decimals,
    "< 0,0001" below what they can show."""
    if value is None or value == "":
        return ""
    threshold = Decimal(1).scaleb(-int(places))
    number = Decimal(str(value))
    if number < threshold:
        return "< " + formats.number_format(threshold, decimal_pos=int(places))
    # number_format cuts the digits beyond decimal_pos: round first
    rounded = number.quantize(threshold, rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_pos=int(places))
