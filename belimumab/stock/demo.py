"""A few demonstration lots so that `make run`'s stock page means something: one lot expiring
within the horizon, one expired, one emptied (hidden by default), received by demo users; enough
vials and pens for the demo's recordings, which draw from the stock (issue 14)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from belimumab.domain.defaults import DEMO_GTINS
from belimumab.stock import services
from belimumab.stock.models import MovementKind, VialLot

# number, presentation, days from today to the expiry, vials, received how many days ago
DEMO_LOTS = (
    ("DEMO-120A", "iv120", 420, 60, 20),
    ("DEMO-120B", "iv120", 45, 6, 60),  # expiring within the 90-day horizon
    ("DEMO-400A", "iv400", 300, 30, 20),
    ("DEMO-400X", "iv400", -10, 2, 200),  # expired: to be returned
    ("DEMO-400E", "iv400", 200, 1, 90),  # emptied below
    ("DEMO-PEN1", "sc200", 250, 40, 20),
)


def demo_lots_receive(*, today: date, receiver: Any, checker: Any) -> int:
    """Receive the demonstration lots once (nothing when any lot exists); returns how many."""
    if VialLot.objects.exists():
        return 0
    for number, presentation, expires_in, vials, days_ago in DEMO_LOTS:
        services.lot_receive(
            presentation=presentation,
            number=number,
            expiry=today + timedelta(days=expires_in),
            vials=vials,
            on_date=today - timedelta(days=days_ago),
            user=receiver,
            gtin=DEMO_GTINS[presentation][0],
            reason="demo delivery",
        )
    services.lot_remove(
        lot=VialLot.objects.get(number="DEMO-120A"),
        kind=MovementKind.WASTED,
        vials=1,
        on_date=today - timedelta(days=5),
        user=checker,
        reason="vial dropped",
    )
    services.lot_count(
        lot=VialLot.objects.get(number="DEMO-400E"),
        counted=0,
        on_date=today - timedelta(days=3),
        user=checker,
        reason="inventory",
    )
    return len(DEMO_LOTS)
