"""An infusion's lots drawn from the stock (issue 14): proposed, named, checked, drawn, undone.

The pharmacist leaves the lots field empty to take the lots the page proposes (first expiry
first: `domain.stock.fefo_allocation` over the lots usable on the infusion's date), or names
them: a scanned pack (the keyboard-wedge GS1 string; one pack, one vial or pen) or a typed lot
number (`LOT`, `LOT x 2`), one per line or separated by commas. The lots named for a
presentation must cover exactly the vials (or pens) it opens; a presentation none is named for
is drawn first expiry first. The draw goes through `stock.services.lots_draw`, which locks the
lots and refuses an expired lot or more vials than a lot holds, in the infusion's transaction.

A presentation of which the stock holds no lot at all (a department that does not keep it in
stock) is not drawn: the infusion then needs its lots as recorded (free text), as before.
Correcting an infusion gives its draws back (a "restored" movement each) and draws anew, only
when its vials, date or lots change; deactivating it gives them back (docs/architecture.md).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import sanitize_separators
from django.utils.translation import gettext as _

from belimumab.core.services import clinical_save
from belimumab.department.models import Presentation
from belimumab.domain import dosing
from belimumab.domain.stock import fefo_allocation, usable_on
from belimumab.patients.models import Route
from belimumab.pharmacy import doses
from belimumab.pharmacy.models import Infusion, InfusionLot
from belimumab.stock import selectors as stock_selectors
from belimumab.stock import services as stock_services
from belimumab.stock.models import VialLot
from belimumab.stock.scan import GS, Scan, presentation_for, scan_matches_lot, scan_parse

# a GS1 element string as a scanner types it: symbology prefix, then AI 01 and its 14 digits
_SCANNED = re.compile(r"^(\][A-Za-z]\d)?(\(01\)|01)\d{14}\S")
# "LOT", "LOT 2", "LOT x 2", "LOT*2", and the multiplication sign (U+00D7) as the page shows it
_TIMES = "\u00d7*"
_TYPED = re.compile(
    rf"^(?P<number>[^\s{_TIMES}]+)(?:\s+(?:[xX{_TIMES}]\s*)?(?P<a>\d+)|\s*[{_TIMES}]\s*(?P<b>\d+))?$"
)


@dataclass(frozen=True)
class Named:
    """One lot the pharmacist named: scanned (one pack) or typed with its vials."""

    text: str
    number: str
    vials: int
    scan: Scan | None = None


def presentation_label(code: str) -> str:
    return str(dict(Presentation.choices).get(code, code))


def needs_of(infusion: Infusion, route: str) -> dict[str, int]:
    """Presentation -> vials (IV) or pens (SC) the record opens, in a stable order (the stock's
    locks are taken in that order)."""
    if route == Route.SC:
        return {Presentation.SC200.value: infusion.pens or 1}
    needs = {}
    for size in sorted(doses.vial_sizes()):
        count = getattr(infusion, f"vials_{size}", 0) or 0
        if count and f"iv{size}" in Presentation.values:
            needs[f"iv{size}"] = count
    return needs


def parse_lots(text: str) -> list[Named]:
    """The lots field, line by line; every line that is neither a pack's code nor a lot number
    is refused with the reason (all of them at once)."""
    named: list[Named] = []
    errors: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        if GS in line or _SCANNED.match(line):
            try:
                scan = scan_parse(line)
            except ValidationError as exc:
                errors.append(_("Scanned pack %(line)s: %(reason)s") % _line(line, exc))
                continue
            named.append(Named(line, scan.lot, 1, scan))
            continue
        for part in re.split(r"[,;]", line):
            part = part.strip()
            match = _TYPED.match(part) if part else None
            if part and match is None:
                errors.append(
                    _("%(text)s: write a lot number, or a lot number and its vials (LOT x 2).")
                    % {"text": part[:40]}
                )
            elif match is not None:
                vials = int(match["a"] or match["b"] or 1)
                if vials < 1:
                    errors.append(_("%(text)s: at least one vial.") % {"text": part[:40]})
                else:
                    named.append(Named(part, match["number"], vials))
    if errors:
        raise ValidationError({"lots": errors})
    return named


def _line(line: str, exc: ValidationError) -> dict[str, str]:
    shown = line.replace(GS, " ")
    return {"line": shown[:40], "reason": exc.messages[0]}


def _stocked(presentations: Iterable[str]) -> set[str]:
    """The presentations of which the stock holds at least one lot (one query)."""
    return set(
        VialLot.objects.active()
        .filter(presentation__in=list(presentations))
        .values_list("presentation", flat=True)
        .distinct()
    )


def _scanned_lot(item: Named, scan: Scan, found: list[VialLot], needs: dict[str, int]) -> VialLot:
    presentation = presentation_for(scan.gtin)  # refuses a product that is not belimumab
    if presentation not in needs:
        raise ValidationError(
            _("The scanned pack is a %(scanned)s: this preparation opens none.")
            % {"scanned": presentation_label(presentation)}
        )
    lot = next((lot for lot in found if lot.presentation == presentation), None)
    if lot is None:
        raise ValidationError(
            _("Lot %(lot)s (%(presentation)s) is not in the stock: receive it first.")
            % {"lot": item.number, "presentation": presentation_label(presentation)}
        )
    scan_matches_lot(scan, lot)  # the lot's expiry date must agree with the stock's
    return lot


def _typed_lot(item: Named, found: list[VialLot], needs: dict[str, int]) -> VialLot:
    if not found:
        raise ValidationError(
            _("Lot %(lot)s is not in the stock of %(presentations)s.")
            % {
                "lot": item.number,
                "presentations": ", ".join(presentation_label(code) for code in needs),
            }
        )
    if len(found) > 1:
        raise ValidationError(
            _("Lot %(lot)s exists for several presentations: scan the pack.") % {"lot": item.number}
        )
    return found[0]


def resolve(named: list[Named], needs: dict[str, int]) -> dict[str, list[tuple[VialLot, int]]]:
    """The stock lots named, per presentation, with their vials; a named lot that is not in
    stock, a wrong product, a lot/expiry disagreeing with stock, or lots not covering exactly
    the vials a presentation opens are refused (every reason at once). One query."""
    found: dict[str, list[VialLot]] = defaultdict(list)
    for lot in VialLot.objects.active().filter(
        number__in={item.number for item in named}, presentation__in=list(needs)
    ):
        found[lot.number].append(lot)
    chosen: dict[str, dict[int, tuple[VialLot, int]]] = defaultdict(dict)
    errors: list[str] = []
    for item in named:
        try:
            if item.scan is not None:
                lot = _scanned_lot(item, item.scan, found[item.number], needs)
            else:
                lot = _typed_lot(item, found[item.number], needs)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        held = chosen[lot.presentation].get(lot.pk, (lot, 0))[1]
        chosen[lot.presentation][lot.pk] = (lot, held + item.vials)
    for presentation, lots in chosen.items():
        total = sum(vials for _lot, vials in lots.values())
        if total != needs[presentation]:
            errors.append(
                _(
                    "%(presentation)s: the lots named hold %(named)d, the preparation opens "
                    "%(needed)d."
                )
                % {
                    "presentation": presentation_label(presentation),
                    "named": total,
                    "needed": needs[presentation],
                }
            )
    if errors:
        raise ValidationError({"lots": errors})
    return {presentation: list(lots.values()) for presentation, lots in chosen.items()}


def infusion_draw(*, infusion: Infusion, route: str, text: str, user: Any) -> list[InfusionLot]:
    """Draw the record's vials (or pens) from the stock: the lots named in `text`, else first
    expiry first; an `InfusionLot` per lot drawn. Call inside the infusion's transaction: a
    refusal (ValidationError on `lots` or `lots_as_recorded`) must undo the infusion too."""
    needs = needs_of(infusion, route)
    named = parse_lots(text)
    chosen = resolve(named, needs)
    stocked = _stocked(needs)
    if any(code not in stocked for code in needs) and not infusion.lots_as_recorded.strip():
        raise ValidationError(
            {
                "lots_as_recorded": _(
                    "The stock holds no lot of %(presentations)s: write the lot numbers as "
                    "recorded."
                )
                % {
                    "presentations": ", ".join(
                        presentation_label(code) for code in needs if code not in stocked
                    )
                }
            }
        )
    rows = []
    for presentation, count in needs.items():
        if presentation not in stocked:
            continue
        try:
            movements = stock_services.lots_draw(
                presentation=presentation,
                vials=count,
                on_date=infusion.date,
                user=user,
                reference=str(infusion),
                lots=chosen.get(presentation),
            )
        except ValidationError as exc:
            label = presentation_label(presentation)
            raise ValidationError(
                {"lots": [f"{label}: {message}" for message in exc.messages]}
            ) from exc
        for movement in movements:
            draw = InfusionLot(
                infusion=infusion, lot=movement.lot, vials=-movement.quantity, movement=movement
            )
            rows.append(clinical_save(draw, user=user))
    return rows


def draws_undo(*, infusion: Infusion, user: Any, today: date, reason: str) -> int:
    """Give back every active draw of the infusion (a "restored" movement for those that came
    from the stock) and deactivate its lot rows; returns how many."""
    draws = list(infusion.lot_draws.filter(is_active=True).select_related("movement__lot"))
    for draw in draws:
        if draw.movement is not None:
            stock_services.draw_restore(
                movement=draw.movement,
                on_date=today,
                user=user,
                reason=f"{infusion}: {reason}",
            )
        draw.is_active = False
        clinical_save(draw, user=user, reason=reason)
    return len(draws)


def infusion_redraw(
    *, infusion: Infusion, route: str, text: str, user: Any, today: date, old_date: date
) -> None:
    """A correction: lots named, or the vials or the date of a record drawn from the stock
    changed: its draws are given back and it draws anew; otherwise its lots stay. A record that
    drew nothing from the stock (history, presentations not kept in stock) keeps its lots
    unless lots are named."""
    if not text.strip():
        drawn = infusion.lot_draws.filter(is_active=True, movement__isnull=False)
        held: Counter[str] = Counter()
        for presentation, vials in drawn.values_list("lot__presentation", "vials"):
            held[presentation] += vials
        if not held:
            return
        needs = needs_of(infusion, route)
        stocked = _stocked(needs)
        wanted = Counter({code: count for code, count in needs.items() if code in stocked})
        if held == wanted and infusion.date == old_date:
            return
    draws_undo(infusion=infusion, user=user, today=today, reason="corrected")
    infusion_draw(infusion=infusion, route=route, text=text, user=user)


@dataclass(frozen=True)
class ProposedLot:
    number: str
    expiry: date
    vials: int


@dataclass(frozen=True)
class Proposal:
    """What the page proposes for one presentation: the lots first expiry first, or why not."""

    presentation: str
    label: str
    needed: int
    lots: tuple[ProposedLot, ...]
    missing: int
    stocked: bool
    usable: tuple[ProposedLot, ...] = ()  # every usable lot, first expiry first, with its vials


def proposals(needs: dict[str, int], on_date: date) -> list[Proposal]:
    """The first-expiry-first proposal of each presentation (one query for all of them)."""
    if not needs:
        return []
    stock = stock_selectors.lots_with_numbers(list(needs))
    results = []
    for code, count in needs.items():
        lots = stock[code]
        allocation = fefo_allocation((lot for lot, _number in lots), count, on_date)
        known = {lot.key: (number, lot.expiry) for lot, number in lots}
        results.append(
            Proposal(
                presentation=code,
                label=presentation_label(code),
                needed=count,
                lots=tuple(
                    ProposedLot(known[pk][0], known[pk][1], vials) for pk, vials in allocation.draws
                ),
                missing=allocation.missing,
                stocked=bool(lots),
                usable=tuple(
                    ProposedLot(number, lot.expiry, lot.on_hand)
                    for lot, number in sorted(lots, key=lambda item: (item[0].expiry, item[1]))
                    if lot.on_hand > 0 and usable_on(lot.expiry, on_date)
                ),
            )
        )
    return results


def _prepared(raw: Any, prescribed: Decimal | None) -> Decimal | None:
    """The prepared dose typed, when it is one the service would accept (0 < dose <=
    prescribed); None otherwise (the covering vials are proposed then)."""
    if raw in (None, "") or prescribed is None:
        return None
    try:
        value = Decimal(sanitize_separators(str(raw).strip()))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and 0 < value <= prescribed else None


def proposals_for(
    proposal: doses.DoseProposal | None, pens: Any, on_date: date, prepared: Any = None
) -> list[Proposal]:
    """The lots the form proposes for the dose plan shown: the vials of the prepared dose typed
    (a rounded dose), else the covering vials (IV); the pens typed (SC)."""
    if proposal is None:
        return []
    if proposal.route == Route.SC:
        try:
            count = max(1, int(pens or 1))
        except (TypeError, ValueError):
            count = 1
        return proposals({Presentation.SC200.value: count}, on_date)
    dose = _prepared(prepared, proposal.prescribed_mg)
    if dose is not None:
        vials = dosing.vial_plan(dose, doses.vial_sizes()).vials
    elif proposal.covering is not None:
        vials = tuple(proposal.covering.vials)
    else:
        return []
    needs = {f"iv{size}": count for size, count in sorted(vials) if count}
    return proposals(needs, on_date)
