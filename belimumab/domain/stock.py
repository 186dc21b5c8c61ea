"""Stock by lot: which lots to draw vials from, first expiry first (FEFO). No Django.

A lot is usable ON its expiry date: a GS1 expiry (AI 17, DOMAIN.md) is the last day the product
may be used, and a day "00" means the last day of that month (the scanning layer resolves it
before a date reaches here). A lot is refused from the day after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


def usable_on(expiry: date, day: date) -> bool:
    """A lot may be used up to and including its expiry date."""
    return day <= expiry


def gtin_check_digit(body: str) -> int:
    """GS1 check digit of the 13 (or 7, 11, 12) digits before it: weights 3, 1, 3... from the
    right (GS1 General Specifications 7.9.1)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_is_valid(code: str) -> bool:
    """A GTIN-14 (14 digits) whose last digit is its check digit."""
    return len(code) == 14 and code.isdigit() and gtin_check_digit(code[:-1]) == int(code[-1])


@dataclass(frozen=True)
class LotOnHand:
    """A lot as the allocation sees it: its key, expiry and vials on hand."""

    key: int
    expiry: date
    on_hand: int


@dataclass(frozen=True)
class Allocation:
    """Vials to draw per lot (key, vials) in drawing order, and the vials no usable lot covers."""

    draws: tuple[tuple[int, int], ...]
    missing: int

    @property
    def complete(self) -> bool:
        return self.missing == 0


def fefo_allocation(lots: Iterable[LotOnHand], vials: int, on_date: date) -> Allocation:
    """Draw `vials` from the lots usable on `on_date`, the earliest expiry first.

    Expired lots (expiry before `on_date`) and empty ones are skipped. Between lots of the same
    expiry, the one holding fewer vials goes first (an opened box is finished before another is
    broached), then the older key (received first). `missing` counts what the usable lots lack.
    """
    if vials < 0:
        raise ValueError("vials must not be negative")
    usable = sorted(
        (lot for lot in lots if lot.on_hand > 0 and usable_on(lot.expiry, on_date)),
        key=lambda lot: (lot.expiry, lot.on_hand, lot.key),
    )
    draws: list[tuple[int, int]] = []
    left = vials
    for lot in usable:
        if left == 0:
            break
        take = min(left, lot.on_hand)
        draws.append((lot.key, take))
        left -= take
    return Allocation(draws=tuple(draws), missing=left)


def expiring(expiry: date, today: date, horizon_days: int) -> str:
    """'expired', 'soon' (within the horizon, today included) or 'ok'."""
    if not usable_on(expiry, today):
        return "expired"
    if (expiry - today).days <= horizon_days:
        return "soon"
    return "ok"


def total_usable(lots: Sequence[LotOnHand], on_date: date) -> int:
    """Vials on hand in lots usable on `on_date`."""
    return sum(lot.on_hand for lot in lots if lot.on_hand > 0 and usable_on(lot.expiry, on_date))
