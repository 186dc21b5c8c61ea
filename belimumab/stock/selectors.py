"""Reads of the stock: quantities on hand as sums of movements, in a bounded number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from belimumab.department import selectors as department
from belimumab.department.models import Presentation
from belimumab.domain.stock import Allocation, LotOnHand, expiring, fefo_allocation
from belimumab.stock.models import StockMovement, VialLot

_ON_HAND = Coalesce(Sum("movements__quantity", filter=Q(movements__is_active=True)), 0)


def on_hand(lot_ids: Sequence[int]) -> dict[int, int]:
    """Vials on hand per lot (one query); a lot without movements is absent."""
    rows = (
        StockMovement.objects.filter(lot_id__in=lot_ids, is_active=True)
        .values_list("lot_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    return {lot_id: total for lot_id, total in rows}


@dataclass(frozen=True)
class LotLine:
    pk: int
    number: str
    gtin: str
    expiry: date
    on_hand: int
    state: str  # domain.stock.expiring: "expired", "soon" or "ok"


@dataclass
class PresentationStock:
    code: str
    label: str
    on_hand: int = 0
    usable: int = 0
    lots: list[LotLine] = field(default_factory=list)
    hidden: int = 0  # empty lots left out of `lots`


def stock_overview(today: date, *, show_empty: bool = False) -> list[PresentationStock]:
    """Each presentation's total on hand (and usable today) and its lots by expiry, each flagged
    expired or expiring within the department's horizon. One query for the lots with their sums
    (plus the department's settings, once per request), whatever the number of lots."""
    horizon = department.current().stock_expiry_horizon_days
    stock = {code: PresentationStock(code, str(label)) for code, label in Presentation.choices}
    rows = (
        VialLot.objects.active()
        .annotate(held=_ON_HAND)
        .order_by("presentation", "expiry", "number")
        .values_list("pk", "presentation", "number", "gtin", "expiry", "held")
    )
    for pk, code, number, gtin, expiry, held in rows:
        line = LotLine(pk, number, gtin, expiry, held, expiring(expiry, today, horizon))
        entry = stock[code]
        entry.on_hand += held
        if line.state != "expired":
            entry.usable += held
        if held == 0 and not show_empty:
            entry.hidden += 1
        else:
            entry.lots.append(line)
    return list(stock.values())


def lots_on_hand(presentation: str) -> list[LotOnHand]:
    """The active lots of a presentation with what they hold (one query)."""
    rows = (
        VialLot.objects.active()
        .filter(presentation=presentation)
        .annotate(held=_ON_HAND)
        .values_list("pk", "expiry", "held")
    )
    return [LotOnHand(pk, expiry, held) for pk, expiry, held in rows]


def usable_lots(today: date) -> dict[str, list[LotOnHand]]:
    """Presentation -> its lots holding vials and usable on `today` (one query): what planning
    draws from."""
    lots: dict[str, list[LotOnHand]] = {code: [] for code in Presentation.values}
    rows = (
        VialLot.objects.active()
        .filter(expiry__gte=today)
        .annotate(held=_ON_HAND)
        .filter(held__gt=0)
        .order_by("presentation", "expiry", "pk")
        .values_list("pk", "presentation", "expiry", "held")
    )
    for pk, code, expiry, held in rows:
        lots.setdefault(code, []).append(LotOnHand(pk, expiry, held))
    return lots


def fefo_proposal(presentation: str, vials: int, on_date: date) -> Allocation:
    """What `services.lots_draw` would take, first expiry first, to show before saving."""
    return fefo_allocation(lots_on_hand(presentation), vials, on_date)


def lot_movements(lot: VialLot) -> list[StockMovement]:
    """A lot's movements, oldest first, with who recorded them (one query)."""
    return list(
        lot.movements.filter(is_active=True)
        .select_related("recorded_by")
        .order_by("on_date", "created_at", "pk")
    )


def lots_with_numbers(presentations: Sequence[str]) -> dict[str, list[tuple[LotOnHand, str]]]:
    """The active lots of these presentations, each with what it holds and its number, per
    presentation (one query): what a preparation's first-expiry-first proposal reads."""
    found: dict[str, list[tuple[LotOnHand, str]]] = {code: [] for code in presentations}
    rows = (
        VialLot.objects.active()
        .filter(presentation__in=list(presentations))
        .annotate(held=_ON_HAND)
        .values_list("pk", "presentation", "expiry", "held", "number")
    )
    for pk, code, expiry, held, number in rows:
        found[code].append((LotOnHand(pk, expiry, held), number))
    return found
