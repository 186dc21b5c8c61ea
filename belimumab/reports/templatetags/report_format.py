"""Number formats of the cohort report, localised (French: 4,25, < 0,0001 and 1 234,56 €)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import pgettext

register = template.Library()

# The department's currency is an ISO 4217 code (settings); these are written with their symbol.
CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
_CENT = Decimal("0.01")


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


@register.filter
def money(value: Any, currency: str = "") -> str:
    """An amount to the cent, grouped, with its currency as the user's language writes it:
    French 1 234,56 € (narrow no-break spaces between the groups, a no-break space before the
    symbol), English €1,234.56; a code without a known symbol follows the amount (1,234.56 CHF).
    Empty for None."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    amount = formats.number_format(abs(number), decimal_pos=2, force_grouping=True)
    sign = "-" if number < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol is None:
        return f"{sign}{amount}\u00a0{currency}".rstrip("\u00a0")
    # Translators: an amount and its currency symbol; French writes "{amount}\u00a0{symbol}".
    pattern = pgettext("money amount", "{symbol}{amount}")
    return sign + pattern.format(symbol=symbol, amount=amount)
