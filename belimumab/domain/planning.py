"""Stock planning: the administrations ahead, and the vials they draw day by day, first expiry
first, from the lots on hand. Pure standard library; `today` is always passed in.

Two steps, each testable by hand:
- `course_days`: the administrations a running course will have from its next due day until a
  last day (its following cycles at the regimen's intervals; an SC dispensation of N pens
  comes back N weeks later), none on or after its stop or end of follow-up;
- `presentation_plan`: for one presentation (a vial size or the pen), the units needed each day
  drawn from the lots with `stock.fefo_allocation` on that day, so a lot expiring before the day
  it would be used does not count for that day. The days of the horizon are shown one by one;
  the days of the safety margin after it are drawn the same way and summed. What no usable lot
  covers over the horizon and the margin is the order suggested.

Source: issue 14 "Planning" (the worklist's days ahead, the vials of each size per day and in
total against stock, an order when stock does not cover the horizon plus a safety margin);
DOMAIN.md "The treatment course" (intervals: D0, D14, D28 then every 28 days; SC weekly).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median
from typing import NamedTuple

from belimumab.domain.dates import shift
from belimumab.domain.schedule import Regimen
from belimumab.domain.stock import LotOnHand, fefo_allocation, total_usable
from belimumab.domain.worklist import DUE, FIRST_INFUSION, OVERDUE, TO_REVIEW, section_of

__all__ = [
    "MARGIN",
    "CourseAhead",
    "DayLine",
    "NeedsAhead",
    "PresentationPlan",
    "Units",
    "course_days",
    "horizon_days",
    "needs_ahead",
    "pens_for",
    "presentation_plan",
]


def horizon_days(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included (empty when `last` is before `first`)."""
    return [shift(first, offset) for offset in range((last - first).days + 1)]


def course_days(
    regimen: Regimen,
    first_day: date,
    first_index: int,
    last_day: date,
    *,
    weeks: int = 1,
    end: date | None = None,
) -> list[tuple[date, int]]:
    """(day, administration index) of a course's administrations from `first_day` (index
    `first_index`) to `last_day` included.

    The next one comes `regimen.interval_after(index)` days later (IV: 14, 14, then 28);
    subcutaneous, a dispensation of `weeks` pens covers `weeks` weeks, so the next dispensation
    comes `weeks` x the interval later and its index `weeks` further. Nothing on or after `end`
    (a stop or an end of follow-up already recorded for a later date).
    Example: IV standard, C4 (index 3) due 2 March, last day 10 April -> (2 March, 3),
    (30 March, 4).
    """
    if weeks < 1:
        raise ValueError("a dispensation covers 1 week or more")
    days: list[tuple[date, int]] = []
    day, index = first_day, first_index
    while day <= last_day and (end is None or day < end):
        days.append((day, index))
        if regimen.route == "sc":
            step, index = weeks * regimen.interval_days, index + weeks
        else:
            step, index = regimen.interval_after(index), index + 1
        if (date.max - day).days < step:
            break
        day = shift(day, step)
    return days


def pens_for(regimen: Regimen, index: int, weeks: int, pen_mg: int) -> int:
    """Pens of a dispensation covering `weeks` weekly doses from administration `index`: each
    week's dose in whole pens (the lupus nephritis induction's 400 mg is two 200 mg pens)."""
    return sum(math.ceil(regimen.dose_mg(None, index + week) / pen_mg) for week in range(weeks))


@dataclass(frozen=True)
class DayLine:
    """One day of one presentation: units needed, needed since the first day, drawn from
    usable lots, missing (no usable lot covers them), and usable units left after the draw."""

    day: date
    needed: int
    cumulated: int
    drawn: int
    missing: int
    left: int

    @property
    def short(self) -> bool:
        return self.missing > 0


@dataclass(frozen=True)
class PresentationPlan:
    """A presentation over the horizon (one line a day) and the safety margin after it."""

    presentation: str
    usable_today: int
    horizon: tuple[DayLine, ...]
    margin: tuple[DayLine, ...]

    @property
    def needed(self) -> int:
        """Units needed over the horizon."""
        return sum(line.needed for line in self.horizon)

    @property
    def margin_needed(self) -> int:
        return sum(line.needed for line in self.margin)

    @property
    def first_short(self) -> date | None:
        """The first day of the horizon that usable stock does not cover."""
        return next((line.day for line in self.horizon if line.short), None)

    @property
    def first_short_in_margin(self) -> date | None:
        return next((line.day for line in self.margin if line.short), None)

    @property
    def missing(self) -> int:
        """Units no usable lot covers over the horizon."""
        return sum(line.missing for line in self.horizon)

    @property
    def to_order(self) -> int:
        """Units to order: what no usable lot covers over the horizon and the margin."""
        return self.missing + sum(line.missing for line in self.margin)

    @property
    def left_at_end(self) -> int:
        """Usable units left after the horizon's last day (and before the margin)."""
        return self.horizon[-1].left if self.horizon else self.usable_today


def _draw_days(
    stock: dict[int, LotOnHand], needs: Mapping[date, int], days: Iterable[date], cumulated: int
) -> list[DayLine]:
    """Draw each day's need first expiry first from `stock` (changed in place)."""
    lines: list[DayLine] = []
    for day in days:
        needed = needs.get(day, 0)
        cumulated += needed
        allocation = fefo_allocation(stock.values(), needed, day)
        for key, taken in allocation.draws:
            lot = stock[key]
            stock[key] = LotOnHand(key, lot.expiry, lot.on_hand - taken)
        left = total_usable(list(stock.values()), day)
        drawn = needed - allocation.missing
        lines.append(DayLine(day, needed, cumulated, drawn, allocation.missing, left))
    return lines


def presentation_plan(
    presentation: str,
    lots: Sequence[LotOnHand],
    needs: Mapping[date, int],
    today: date,
    *,
    days_ahead: int,
    margin_days: int,
) -> PresentationPlan:
    """Units of one presentation needed each day from `today` to `today + days_ahead` (the
    horizon) and over the `margin_days` after it, drawn day by day from `lots`.

    Each day draws first expiry first (`stock.fefo_allocation`) among the lots usable on that
    day: a lot whose expiry comes before the day it would be used counts for the days up to its
    expiry, not after. A day's `missing` is what the usable lots cannot give that day (a short
    day); the order suggested (`to_order`) sums them over horizon and margin, so it covers both
    with the lots on hand used first. Needs dated before `today` are the caller's to move to
    `today` (an overdue patient is expected as soon as possible).
    Example: 10 vials expiring on day 2, a need of 4 on days 0, 1 and 3 -> days 0 and 1 draw 8,
    day 3 finds the 2 left expired: short by 4.
    """
    if days_ahead < 0 or margin_days < 0:
        raise ValueError("days_ahead and margin_days are numbers of days >= 0")
    stock = {lot.key: lot for lot in lots if lot.on_hand > 0}
    until = shift(today, days_ahead)
    horizon = _draw_days(stock, needs, horizon_days(today, until), 0)
    cumulated = horizon[-1].cumulated if horizon else 0
    margin_end = shift(until, margin_days)
    margin = _draw_days(stock, needs, horizon_days(shift(until, 1), margin_end), cumulated)
    return PresentationPlan(
        presentation=presentation,
        usable_today=total_usable(list(lots), today),
        horizon=tuple(horizon),
        margin=tuple(margin),
    )


# --- the needs of the courses ahead ----------------------------------------------------------

MARGIN = "margin"  # courses counted for the safety margin only (next due after the horizon)
# The units (presentation, count) one administration draws: `units(regimen, index, weight,
# weeks)` for administration `index` at `weight` kg (SC: a dispensation of `weeks` pens), None
# when its dose cannot be planned (weight-based and no weight). It must depend on the index and
# the weight only through `regimen.dose_mg` (it is asked once a distinct dose, not once a row).
Units = Callable[[Regimen, int, Decimal | None, int], Sequence[tuple[str, int]] | None]


class CourseAhead(NamedTuple):
    """A running course as its stored snapshot gives it to the planning."""

    regimen: Regimen
    given_count: int  # administrations given: the next one's index
    next_due: date
    weight: Decimal | None  # the last weight
    weeks: int = 1  # SC: the pens a dispensation gives (weeks it covers); IV: 1
    end: date | None = None  # a stop or an end of follow-up recorded for a later day


@dataclass
class NeedsAhead:
    """Units per presentation and day; courses counted per section (`MARGIN`: due after the
    horizon); the weight of courses never weighed, courses planned at it, courses not planned."""

    needs: dict[str, dict[date, int]] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)
    estimate: Decimal | None = None
    estimated: int = 0
    not_planned: int = 0


class _Cached:
    """`course_days` and `units` once a distinct input, not once a course."""

    def __init__(self, units: Units, last: date) -> None:
        self.units, self.last = units, last
        self.days: dict[tuple[object, ...], list[tuple[date, int]]] = {}
        self.drawn: dict[tuple[object, ...], Sequence[tuple[str, int]] | None] = {}

    def course_days(self, course: CourseAhead, first: date) -> list[tuple[date, int]]:
        key = (course.regimen, first, course.given_count, course.weeks, course.end)
        days = self.days.get(key)
        if days is None:
            days = self.days[key] = course_days(
                course.regimen, first, course.given_count, self.last, weeks=course.weeks,
                end=course.end,
            )  # fmt: skip
        return days

    def draw(
        self, regimen: Regimen, index: int, weight: Decimal | None, weeks: int
    ) -> Sequence[tuple[str, int]] | None:
        # the doses from `index` on are the same past the loading doses; a fixed dose has no
        # use for the weight
        key = (
            regimen,
            min(index, len(regimen.loading_doses_mg)),
            None if regimen.fixed_dose_mg is not None else weight,
            weeks,
        )
        try:
            return self.drawn[key]
        except KeyError:
            units = self.drawn[key] = self.units(regimen, index, weight, weeks)
            return units


def _estimate(courses: Iterable[CourseAhead]) -> Decimal | None:
    """The median last weight of the IV courses weighed (to 0.1 kg), None when none was."""
    weights = [c.weight for c in courses if c.weight is not None and c.regimen.route == "iv"]
    return Decimal(median(weights)).quantize(Decimal("0.1")) if weights else None


def needs_ahead(
    courses: Iterable[CourseAhead],
    units: Units,
    today: date,
    *,
    days_ahead: int,
    margin_days: int,
    review_after_days: int,
) -> NeedsAhead:
    """The units each presentation needs each day from `today` to the margin's end for
    `courses` (their `course_days`, the first on today when overdue).

    A course not on the worklist of those days (`section_of`), or to review, is left out. An
    IV course never weighed is planned at the median last weight of the IV courses
    (`estimate`, `estimated`); a course whose dose cannot be planned is `not_planned` (the
    administrations planned before it still count) and not counted. Courses are counted in
    their section, or in `MARGIN` when due after the horizon.
    """
    until = shift(today, days_ahead)
    placed = [
        (course, section)
        for course in courses
        if (
            section := section_of(
                course.next_due,
                course.given_count,
                today,
                days_ahead=days_ahead + margin_days,
                review_after_days=review_after_days,
            )
        )
        not in (None, TO_REVIEW)
    ]
    out = NeedsAhead(counted=dict.fromkeys((DUE, OVERDUE, FIRST_INFUSION, MARGIN), 0))
    out.estimate = _estimate(course for course, _ in placed)
    needs: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    cached = _Cached(units, shift(until, margin_days))
    for course, section in placed:
        days = cached.course_days(course, max(course.next_due, today))
        if not days:
            continue
        regimen, weight = course.regimen, course.weight
        if weight is None and regimen.route == "iv" and out.estimate is not None:
            weight = out.estimate
            out.estimated += 1
        for day, index in days:
            drawn = cached.draw(regimen, index, weight, course.weeks)
            if drawn is None:
                out.not_planned += 1
                break
            for presentation, count in drawn:
                needs[presentation][day] += count
        else:
            out.counted[MARGIN if course.next_due > until else section] += 1
    out.needs = needs
    return out
