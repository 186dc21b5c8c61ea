"""Writes of the stock: every movement locks its lot row first, then reads what the lot holds.

The quantity on hand of a lot is the sum of its movements (`selectors.on_hand`). Each service
locks the lots it touches (`select_for_update`, in a stable order so that two draws cannot
deadlock) before it reads that sum, inside one transaction: a second pharmacist drawing the same
last vial waits for the first, then finds it gone and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from belimumab.core.services import clinical_save
from belimumab.domain.stock import LotOnHand, fefo_allocation, usable_on
from belimumab.stock import selectors
from belimumab.stock.models import LOT_UNIQUE, MovementKind, StockMovement, VialLot
from belimumab.stock.scan import presentation_for


def _movement(
    *, lot: VialLot, kind: str, quantity: int, on_date: date, user: Any, reason: str = ""
) -> StockMovement:
    movement = StockMovement(
        lot=lot, kind=kind, quantity=quantity, on_date=on_date, recorded_by=user, reason=reason
    )
    return clinical_save(movement, user=user)


def _locked(lot: VialLot) -> VialLot:
    return VialLot.objects.select_for_update().get(pk=lot.pk)


def _expiry_disagrees(lot: VialLot, expiry: date) -> ValidationError:
    return ValidationError(
        {
            "expiry": _(
                "Lot %(lot)s is in stock with the expiry date %(stored)s, not %(given)s: "
                "check the pack."
            )
            % {
                "lot": lot.number,
                "stored": date_format(lot.expiry, "SHORT_DATE_FORMAT"),
                "given": date_format(expiry, "SHORT_DATE_FORMAT"),
            }
        }
    )


@transaction.atomic
def lot_receive(
    *,
    presentation: str,
    number: str,
    expiry: date,
    vials: int,
    on_date: date,
    user: Any,
    gtin: str = "",
    serial: str = "",
    reason: str = "",
) -> StockMovement:
    """Vials received: the lot is created the first time, then the movement +vials.

    A product code not configured for the presentation, or an expiry date disagreeing with the
    lot already in stock, is refused with the reason (nothing is written)."""
    if vials < 1:
        raise ValidationError({"vials": _("Receive at least one vial.")})
    if not usable_on(expiry, on_date):
        raise ValidationError({"expiry": _("This lot has expired: it cannot be received.")})
    if gtin and presentation_for(gtin) != presentation:
        raise ValidationError({"gtin": _("This product code belongs to another presentation.")})
    lot = (
        VialLot.objects.select_for_update().filter(presentation=presentation, number=number).first()
    )
    if lot is None:
        lot = VialLot(
            presentation=presentation, number=number, expiry=expiry, gtin=gtin, serial=serial
        )
        clinical_save(
            lot,
            user=user,
            integrity_errors={LOT_UNIQUE: ("number", _("This lot was just received: try again."))},
        )
    elif lot.expiry != expiry:
        raise _expiry_disagrees(lot, expiry)
    return _movement(
        lot=lot,
        kind=MovementKind.RECEIVED,
        quantity=vials,
        on_date=on_date,
        user=user,
        reason=reason,
    )


@transaction.atomic
def lot_remove(
    *, lot: VialLot, kind: str, vials: int, on_date: date, user: Any, reason: str = ""
) -> StockMovement:
    """Vials wasted or broken, or returned: -vials, never more than the lot holds."""
    if kind not in (MovementKind.WASTED, MovementKind.RETURNED):
        raise ValidationError({"kind": _("Choose wasted or returned.")})
    if vials < 1:
        raise ValidationError({"vials": _("Enter at least one vial.")})
    lot = _locked(lot)
    held = selectors.on_hand([lot.pk]).get(lot.pk, 0)
    if vials > held:
        raise ValidationError({"vials": _not_enough_in_lot(lot, held)})
    return _movement(lot=lot, kind=kind, quantity=-vials, on_date=on_date, user=user, reason=reason)


@transaction.atomic
def lot_count(
    *, lot: VialLot, counted: int, on_date: date, user: Any, reason: str = ""
) -> StockMovement | None:
    """An inventory: the lot holds `counted` vials; the difference becomes a correction
    (None when the count agrees: nothing to record)."""
    if counted < 0:
        raise ValidationError({"counted": _("A count is zero or more.")})
    lot = _locked(lot)
    difference = counted - selectors.on_hand([lot.pk]).get(lot.pk, 0)
    if difference == 0:
        return None
    return _movement(
        lot=lot,
        kind=MovementKind.CORRECTED,
        quantity=difference,
        on_date=on_date,
        user=user,
        reason=reason,
    )


def _not_enough_in_lot(lot: VialLot, held: int) -> str:
    return ngettext(
        "Lot %(lot)s holds %(count)d vial only.",
        "Lot %(lot)s holds %(count)d vials only.",
        held,
    ) % {"lot": lot.number, "count": held}


def _check_draw(lot: VialLot, vials: int, held: int, presentation: str, on_date: date) -> None:
    if lot.presentation != presentation:
        raise ValidationError(
            {"lots": _("Lot %(lot)s is not of this presentation.") % {"lot": lot.number}}
        )
    if not usable_on(lot.expiry, on_date):
        raise ValidationError(
            {
                "lots": _("Lot %(lot)s expired on %(expiry)s: it cannot be used.")
                % {"lot": lot.number, "expiry": date_format(lot.expiry, "SHORT_DATE_FORMAT")}
            }
        )
    if vials < 1:
        raise ValidationError({"lots": _("Draw at least one vial from each lot named.")})
    if vials > held:
        raise ValidationError({"lots": _not_enough_in_lot(lot, held)})


@transaction.atomic
def lots_draw(
    *,
    presentation: str,
    vials: int,
    on_date: date,
    user: Any,
    reference: str = "",
    lots: Sequence[tuple[VialLot, int]] | None = None,
) -> list[StockMovement]:
    """Draw `vials` of a presentation for a preparation: "used" movements, one per lot.

    Without `lots`, first expiry first across the usable lots (`domain.stock.fefo_allocation`);
    with them, exactly those (lot, vials). An expired lot (expiry before `on_date`), more vials
    than a lot holds or than the stock holds is refused, and nothing is written. The lots of the
    presentation are locked first, so two draws of the last vial cannot both succeed."""
    if vials < 1:
        raise ValidationError({"lots": _("Draw at least one vial.")})
    locked = {
        lot.pk: lot
        for lot in VialLot.objects.select_for_update()
        .filter(presentation=presentation, is_active=True)
        .order_by("pk")
    }
    held = selectors.on_hand(list(locked))
    if lots is None:
        allocation = fefo_allocation(
            (LotOnHand(pk, lot.expiry, held.get(pk, 0)) for pk, lot in locked.items()),
            vials,
            on_date,
        )
        if not allocation.complete:
            raise ValidationError({"lots": _not_enough_in_stock(vials, vials - allocation.missing)})
        chosen = [(locked[pk], n) for pk, n in allocation.draws]
    else:
        chosen = [(locked.get(lot.pk, lot), n) for lot, n in lots]
        if sum(n for _lot, n in chosen) != vials:
            raise ValidationError(
                {
                    "lots": _("The lots' vials do not add up to the %(vials)d vials needed.")
                    % {"vials": vials}
                }
            )
    for lot, n in chosen:
        _check_draw(lot, n, held.get(lot.pk, 0), presentation, on_date)
        held[lot.pk] = held.get(lot.pk, 0) - n  # the same lot named twice counts once
    return [
        _movement(
            lot=lot,
            kind=MovementKind.USED,
            quantity=-n,
            on_date=on_date,
            user=user,
            reason=reference,
        )
        for lot, n in chosen
    ]


def _not_enough_in_stock(needed: int, usable: int) -> str:
    return ngettext(
        "The stock holds %(usable)d usable vial of this presentation, %(needed)d needed.",
        "The stock holds %(usable)d usable vials of this presentation, %(needed)d needed.",
        usable,
    ) % {"usable": usable, "needed": needed}


@transaction.atomic
def draw_restore(
    *, movement: StockMovement, on_date: date, user: Any, reason: str = ""
) -> StockMovement:
    """Give back a preparation's draw (its infusion was corrected or deactivated): a "restored"
    movement of the vials the "used" movement took, on the same lot, the movement itself kept
    as it was (the lot's page shows both)."""
    if movement.kind != MovementKind.USED or movement.quantity >= 0:
        raise ValidationError({"lots": _("Only a preparation's draw can be given back.")})
    lot = _locked(movement.lot)
    return _movement(
        lot=lot,
        kind=MovementKind.RESTORED,
        quantity=-movement.quantity,
        on_date=on_date,
        user=user,
        reason=reason,
    )
