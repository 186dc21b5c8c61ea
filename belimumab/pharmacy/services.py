"""Recording, correcting and deactivating infusions: every write goes through here.

The server recomputes everything the form shows (dose, vials, rounding) from the weight and the
regimen; nothing computed is taken from the client. Each refusal is a ValidationError keyed by
the form field it concerns, so the message appears beside that field and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from belimumab.core import plausibility
from belimumab.core.services import clinical_save
from belimumab.domain import dosing, schedule
from belimumab.domain import plausibility as rules
from belimumab.domain.defaults import MAX_PENS_PER_DISPENSATION
from belimumab.patients.models import Patient, Route
from belimumab.pharmacy import doses, draws, selectors
from belimumab.pharmacy.models import Diluent, Infusion, Reaction

_TENTH = Decimal("0.1")


def _short(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _pct(value: Decimal) -> str:
    return number_format(value.quantize(_TENTH, ROUND_HALF_UP), 1)


def _check_date(
    day: date | None, ctx: selectors.InfusionContext, today: date, errors: dict[str, str]
) -> None:
    course = ctx.course
    if day is None:
        errors["date"] = _("Enter the date of the infusion.")
    elif day > today:
        errors["date"] = _("The date is in the future.")
    elif course is None:
        errors["date"] = _("This patient has no belimumab course.")
    elif day < course.start_date:
        errors["date"] = _("The date is before the start of the course (D0 %(start)s).") % {
            "start": _short(course.start_date)
        }
    elif course.stop_date and day > course.stop_date:
        errors["date"] = _("The course stopped on %(stop)s.") % {"stop": _short(course.stop_date)}


def _check_weight(weight: Decimal | None, route: str | None, errors: dict[str, Any]) -> None:
    if weight is None:
        if route == Route.IV:
            errors["weight_kg"] = _("Enter the weight: the dose depends on it.")
        return
    finding = rules.weight(weight, None, plausibility.limits())
    if finding is not None:
        errors["weight_kg"] = plausibility.message(finding)


def _check_interval(
    infusion: Infusion,
    ctx: selectors.InfusionContext,
    regimen: schedule.Regimen,
    confirmed: Collection[str],
    applied: list[str],
) -> list[Any]:
    """The intervals to the course's administrations just before and just after the date (a late
    entry falls between two): far shorter than scheduled asks for confirmation. An SC
    dispensation of N pens schedules the next one N weeks later."""
    day = infusion.date
    if day is None:
        return []
    before = [d for d in ctx.given if d < day]
    after = [d for d in ctx.given if d > day]
    sc = regimen.route == Route.SC
    pairs = []
    if before:
        pairs.append((before[-1], len(before) - 1, (ctx.previous_pens or 1) if sc else 1))
    if after:
        pairs.append((after[0], len(before), (infusion.pens or 1) if sc else 1))
    errors: dict[str, list[Any]] = {}
    for other, index, weeks in pairs:
        finding = rules.interval(
            day,
            other,
            scheduled_days=regimen.interval_after(index) * weeks,
            route=regimen.route,
            limits=plausibility.limits(),
        )
        plausibility.add_finding(errors, "date", finding, confirmed, applied)
        if "date" in errors:
            break
    return errors.get("date", [])


def _check_people(
    infusion: Infusion, route: str | None, errors: dict[str, str], kept: set[int]
) -> None:
    """Two different people allowed to prepare; `kept` (a correction) may have left since."""
    preparer, checker = infusion.prepared_by, infusion.checked_by
    if route == Route.IV:
        if preparer is None:
            errors["prepared_by"] = _("Say who prepared the infusion.")
        if checker is None:
            errors["checked_by"] = _("Say who checked the preparation.")
    chosen = [user.pk for user in (preparer, checker) if user is not None]
    allowed = set(selectors.preparers().filter(pk__in=chosen).values_list("pk", flat=True)) | kept
    if preparer is not None and preparer.pk not in allowed:
        errors["prepared_by"] = _("This person may not prepare infusions.")
    if checker is not None and checker.pk not in allowed:
        errors["checked_by"] = _("This person may not check preparations.")
    if preparer is not None and checker is not None and preparer.pk == checker.pk:
        errors["checked_by"] = _("The checker must be someone other than the preparer.")


def _check_dispensation(infusion: Infusion, errors: dict[str, str]) -> None:
    """An SC record is a dispensation of pens: no bag, no premedication, no infusion reaction
    (pre-filled pens injected at home); between 1 pen and the department's maximum."""
    infusion.diluent = ""
    infusion.premedication = False
    infusion.reaction, infusion.reaction_notes = Reaction.NONE, ""
    maximum = int(doses.setting("MAX_PENS_PER_DISPENSATION", MAX_PENS_PER_DISPENSATION))
    count = infusion.pens
    if count is None or isinstance(count, bool) or not isinstance(count, int) or count < 1:
        errors["pens"] = _("Enter the number of pens dispensed: 1 or more.")
    elif count > maximum:
        errors["pens"] = _("A dispensation holds at most %(max)s pens.") % {"max": maximum}


def _same_day_taken(infusion: Infusion) -> bool:
    return (
        Infusion.objects.filter(patient_id=infusion.patient_id, date=infusion.date, is_active=True)
        .exclude(pk=infusion.pk)
        .exists()
    )


def _duplicate_message(day: date) -> str:
    return _("This patient already has an infusion on %(date)s.") % {"date": _short(day)}


def _apply_dose(
    infusion: Infusion,
    proposal: doses.DoseProposal,
    prepared: Decimal | None,
    errors: dict[str, str],
) -> None:
    """Prescribed dose from the regimen, prepared dose checked against it, vials recomputed."""
    prescribed = proposal.prescribed_mg
    if prescribed is None:  # only without a weight, which _check_weight refused before
        raise ValueError("a dose proposal without a prescribed dose cannot be applied")
    prepared = prescribed if prepared is None else prepared.quantize(_TENTH, ROUND_HALF_UP)
    infusion.prescribed_dose_mg = prescribed
    infusion.prepared_dose_mg = prepared
    if prepared <= 0:
        errors["prepared_dose_mg"] = _("The prepared dose must be above 0 mg.")
        return
    if prepared > prescribed:
        errors["prepared_dose_mg"] = _(
            "The prepared dose cannot exceed the prescribed dose (%(dose)s mg)."
        ) % {"dose": number_format(prescribed, 0)}
        return
    if prepared < prescribed:
        under = (prescribed - prepared) * 100 / prescribed
        tolerance = doses.tolerance_pct()
        if under > tolerance and not infusion.rounding_reason.strip():
            errors["rounding_reason"] = _(
                "The prepared dose is %(under)s %% under the prescribed dose, beyond the "
                "department's rounding tolerance (%(tolerance)s %%): give the reason."
            ) % {"under": _pct(under), "tolerance": _pct(tolerance)}
        elif not infusion.rounding_reason.strip():
            infusion.rounding_reason = _(
                "Dose rounding within the department's tolerance (-%(under)s %%)."
            ) % {"under": _pct(under)}
    else:
        infusion.rounding_reason = ""
    if proposal.route == Route.IV:
        plan = dosing.vial_plan(prepared, doses.vial_sizes())
        for size in doses.vial_sizes():
            setattr(infusion, f"vials_{size}", plan.count(size))
    else:
        infusion.vials_120 = infusion.vials_400 = 0


def _prepare(
    infusion: Infusion,
    *,
    fields: dict[str, Any],
    today: date,
    weight_confirmed: bool,
    confirmed: Collection[str] = (),
) -> None:
    """Set the fields, recompute the dose and vials, and refuse bad input (nothing saved);
    the usual limits confirmed go into `confirmed_checks`."""
    prepared = fields.pop("prepared_dose_mg", None)
    kept = {pk for pk in (infusion.prepared_by_id, infusion.checked_by_id) if pk and infusion.pk}
    for name, value in fields.items():
        setattr(infusion, name, "" if value is None and name in _TEXT_FIELDS else value)
    ctx = selectors.infusion_context(
        patient=infusion.patient,
        on_date=infusion.date or today,
        exclude_pk=infusion.pk,
        course=infusion.course if infusion.course_id else None,
    )
    errors: dict[str, Any] = {}
    applied: list[str] = []
    _check_date(infusion.date, ctx, today, errors)
    regimen = ctx.regimen
    route = regimen.route if regimen else None
    _check_weight(infusion.weight_kg, route, errors)
    _check_people(infusion, route, errors, kept)
    if route == Route.IV and infusion.diluent not in Diluent.values:
        errors["diluent"] = _(
            "Choose the bag: sodium chloride or Ringer's lactate (never glucose)."
        )
    if route == Route.SC:
        _check_dispensation(infusion, errors)
    else:
        infusion.pens = 1  # an infusion is one administration
    if "date" not in errors and _same_day_taken(infusion):
        errors["date"] = _duplicate_message(infusion.date)
    if "date" not in errors and regimen is not None:
        interval = _check_interval(infusion, ctx, regimen, confirmed, applied)
        if interval:
            errors["date"] = interval
    if regimen is not None and "weight_kg" not in errors and ctx.course is not None:
        infusion.course = ctx.course
        proposal = doses.dose_proposal(
            regimen=regimen,
            cycle_index=ctx.cycle_index,
            weight_kg=infusion.weight_kg,
            previous_date=ctx.previous_date,
            previous_weight=ctx.previous_weight,
            on=infusion.date,
        )
        _apply_dose(infusion, proposal, prepared, errors)
        _check_weight_change(proposal, weight_confirmed, errors, applied)
    if errors:
        raise ValidationError(errors)
    infusion.confirmed_checks = applied


def _check_weight_change(
    proposal: doses.DoseProposal,
    confirmed: bool,
    errors: dict[str, Any],
    applied: list[str],
) -> None:
    """A weight changed by more than the usual limit since the last infusion: confirmed (kept
    with the record), or asked beside the confirmation box."""
    if not proposal.needs_weight_confirmation:
        return
    if confirmed:
        applied.append("weight_change")
        return
    # a weight change is only computed against a previous weight
    previous_weight = cast(Decimal, proposal.previous_weight)
    errors["confirm_weight"] = _(
        "The weight changed by %(change)s %% since the last infusion (%(previous)s kg on "
        "%(date)s): check it and tick to confirm."
    ) % {
        "change": _pct(proposal.weight_change_pct or Decimal(0)),
        "previous": number_format(previous_weight, 1),
        "date": _short(proposal.previous_date) if proposal.previous_date else "",
    }


_TEXT_FIELDS = (
    "rounding_reason",
    "lots_as_recorded",
    "diluent",
    "reaction_notes",
    "notes",
    "reaction",
)


def _save(
    infusion: Infusion, *, user: Any, expected_version: int | None, reason: str = ""
) -> Infusion:
    """Save through `clinical_save`; a same-day race lost in the database becomes a date error."""
    try:
        return clinical_save(infusion, user=user, expected_version=expected_version, reason=reason)
    except IntegrityError as exc:
        if _same_day_taken(infusion):
            raise ValidationError({"date": _duplicate_message(infusion.date)}) from exc
        raise ValidationError(
            _("The infusion could not be saved: the data conflicts with a saved record.")
        ) from exc
    except ValidationError as exc:
        # full_clean's check of the conditional unique constraint is not tied to a field.
        if (
            hasattr(exc, "error_dict")
            and NON_FIELD_ERRORS in exc.error_dict
            and _same_day_taken(infusion)
        ):
            raise ValidationError({"date": _duplicate_message(infusion.date)}) from exc
        raise


def _route(infusion: Infusion) -> str:
    return str(infusion.course.regimen.route)


@transaction.atomic
def infusion_record(
    *,
    patient: Patient,
    user: Any,
    fields: dict[str, Any],
    today: date,
    weight_confirmed: bool = False,
    confirmed: Collection[str] = (),
    lots: str = "",
) -> Infusion:
    """Record an infusion of `patient`: dose recomputed, vials planned, checks, audit, and its
    vials (or pens) drawn from the stock in the same transaction (`draws.infusion_draw`: the
    lots named in `lots`, scanned or typed, else first expiry first).

    `fields`: date, weight_kg, prepared_dose_mg (None: the prescribed dose), rounding_reason,
    lots_as_recorded, diluent, prepared_by, checked_by, premedication, reaction,
    reaction_notes, notes; for an SC course, pens (a dispensation: no diluent, premedication
    nor reaction).
    """
    infusion = Infusion(patient=patient)
    _prepare(
        infusion,
        fields=dict(fields),
        today=today,
        weight_confirmed=weight_confirmed or "weight_change" in confirmed,
        confirmed=confirmed,
    )
    saved = _save(infusion, user=user, expected_version=None)
    draws.infusion_draw(infusion=saved, route=_route(saved), text=lots, user=user)
    return saved


@transaction.atomic
def infusion_update(
    *,
    infusion: Infusion,
    user: Any,
    fields: dict[str, Any],
    today: date,
    expected_version: int | None,
    weight_confirmed: bool = False,
    confirmed: Collection[str] = (),
    lots: str = "",
) -> Infusion:
    """Correct an infusion (same checks as recording); a stale version saves nothing. Lots
    named, or other vials or another date for a record drawn from the stock: its draws are
    given back and drawn anew (`draws.infusion_redraw`)."""
    old_date = infusion.date
    _prepare(
        infusion,
        fields=dict(fields),
        today=today,
        weight_confirmed=weight_confirmed or "weight_change" in confirmed,
        confirmed=confirmed,
    )
    saved = _save(infusion, user=user, expected_version=expected_version, reason="corrected")
    draws.infusion_redraw(
        infusion=saved, route=_route(saved), text=lots, user=user, today=today, old_date=old_date
    )
    return saved


@transaction.atomic
def infusion_deactivate(
    *,
    infusion: Infusion,
    user: Any,
    expected_version: int | None,
    reason: str,
    today: date | None = None,
) -> Infusion:
    """Deactivate (never delete) an infusion, with the reason in its audit history.

    A record deactivated was entered by mistake (wrong patient, duplicate): the vials it drew
    go back to the stock (a "restored" movement each). Vials opened and not given are waste,
    recorded as such on their lot's page, where the stock and the waste report count them."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this infusion is deactivated.")})
    infusion.is_active = False
    text = _("deactivated: %(reason)s") % {"reason": reason.strip()}
    saved = _save(infusion, user=user, expected_version=expected_version, reason=text)
    draws.draws_undo(
        infusion=saved, user=user, today=today or timezone.localdate(), reason="deactivated"
    )
    return saved
