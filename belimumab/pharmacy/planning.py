"""Stock planning (issue 14): the vials and pens the worklist's days ahead will need, per day and
in total, against the lots on hand, and what to order to cover the horizon plus the
department's safety margin.

Which courses count (the page says it too):
- due within the horizon: on their due date;
- overdue (up to the 61-day interruption threshold): on today, an overdue patient will likely
  come, and as soon as possible;
- first infusion due: on D0, or today when D0 has passed;
- to review (beyond the threshold): not counted, these patients will likely not come; the page
  gives their number.

The need beyond the horizon (the safety margin) is taken from the schedule, not from an
average: each counted course's following cycles at its regimen's intervals (IV: 14, 14, then
28 days; SC: a dispensation of N pens comes back N weeks later), plus the courses whose next
administration falls due within the margin, all with the same dose plan. An average of the
horizon's daily need would be wrong on a 7-day horizon of 28-day cycles (whoever came this
week does not come back next week), and the schedule snapshots hold what the exact figure needs.

Doses are the worklist's: the plan the department prepares from the last weight (`DosePlans`,
`doses.prepared_plan`); an IV course never weighed (a first infusion) is planned at the
median last weight of the IV courses read, and the page says how many were. A stop or an end
of follow-up dated within the horizon ends the course's administrations on that date.

Queries: the department's settings (once a request), the snapshots of the courses that count
(one `values_list`, not paged), the number of courses to review, the lots usable today with
their sums: four whatever the cohort size. The rest is plain Python
(`belimumab.domain.planning`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import TextField
from django.db.models.functions import Cast

from belimumab.department.models import Presentation
from belimumab.domain import defaults
from belimumab.domain.dates import shift
from belimumab.domain.planning import (
    CourseAhead,
    DayLine,
    PresentationPlan,
    Units,
    horizon_days,
    needs_ahead,
    pens_for,
    presentation_plan,
)
from belimumab.domain.schedule import Regimen
from belimumab.domain.worklist import DUE, FIRST_INFUSION, OVERDUE, TO_REVIEW
from belimumab.patients.models import Route
from belimumab.pharmacy.doses import opened_vials, setting
from belimumab.pharmacy.selectors import (
    REGIMEN_FIELDS,
    DosePlans,
    regimen_of,
    running_schedules,
    worklist_conditions,
)
from belimumab.stock import selectors as stock


@dataclass(frozen=True)
class PlannedPresentation:
    """A presentation's plan with its label (what the page shows of it)."""

    code: str
    label: str
    plan: PresentationPlan


@dataclass
class Planning:
    """The planning page: horizon, margin, the plan of each presentation, who was counted."""

    today: date
    until: date  # the horizon's last day (the worklist's days ahead)
    margin_days: int
    margin_until: date
    presentations: list[PlannedPresentation]
    counted: dict[str, int]  # courses counted per section (the margin's in "margin")
    to_review: int  # courses to review, not counted
    estimated_weight: Decimal | None = None  # the weight of courses never weighed
    estimated: int = 0  # courses planned at that weight
    not_planned: int = 0  # courses no weight at all could plan (nobody weighed)
    days: list[date] = field(default_factory=list)

    @property
    def shown(self) -> list[PlannedPresentation]:
        """Presentations with a need or usable stock (an unused pen is not a column)."""
        return [
            p
            for p in self.presentations
            if p.plan.needed or p.plan.margin_needed or p.plan.usable_today
        ]

    @property
    def rows(self) -> list[tuple[date, list[tuple[DayLine, bool]]]]:
        """Each day of the horizon with each shown presentation's line, flagged when it is that
        presentation's first short day."""
        shown = self.shown
        return [
            (day, [(p.plan.horizon[i], p.plan.first_short == day) for p in shown])
            for i, day in enumerate(self.days)
        ]

    @property
    def orders(self) -> list[PlannedPresentation]:
        return [p for p in self.presentations if p.plan.to_order]

    @property
    def first_short(self) -> date | None:
        return min((d for p in self.presentations if (d := p.plan.first_short)), default=None)


# The columns of a snapshot the planning uses, then its regimen's (`REGIMEN_FIELDS`, the JSON
# lists read as their text: decoded once a regimen, not once a course).
_COLUMNS = (
    "course__regimen_id",
    "given_count",
    "next_due",
    "last_weight_kg",
    "last_pens",
    "stop_date",
    "follow_up_end",
)
_JSON_FIELDS = ("loading_intervals_days", "loading_doses_mg")


def _regimen_columns() -> list[Any]:
    return [
        Cast(f"course__regimen__{name}", TextField())
        if name in _JSON_FIELDS
        else f"course__regimen__{name}"
        for name in REGIMEN_FIELDS
    ]


def _regimen(fields: Sequence[Any]) -> Regimen:
    code, route, per_kg, fixed, loading_intervals, interval, loading_doses = fields
    return regimen_of(
        code,
        route,
        per_kg,
        fixed,
        json.loads(loading_intervals),
        interval,
        json.loads(loading_doses),
    )


def _end(stop: date | None, follow_up_end: date | None) -> date | None:
    if stop is None or follow_up_end is None:
        return follow_up_end if stop is None else stop
    return min(stop, follow_up_end)


def _courses(today: date, days_ahead: int, margin: int, review_after: int) -> list[CourseAhead]:
    """The courses that count, due up to the margin's end, from their snapshots (one query)."""
    conditions = worklist_conditions(today, days_ahead + margin, review_after)
    counted = conditions[DUE] | conditions[OVERDUE] | conditions[FIRST_INFUSION]
    rows = running_schedules(today).filter(counted).values_list(*_COLUMNS, *_regimen_columns())
    usual_pens = int(setting("SC_PENS_PER_DISPENSATION", defaults.SC_PENS_PER_DISPENSATION))
    regimens: dict[int, Regimen] = {}
    courses = []
    for regimen_id, given, next_due, weight, last_pens, stop, follow_up_end, *fields in rows:
        regimen = regimens.get(regimen_id)
        if regimen is None:
            regimen = regimens[regimen_id] = _regimen(fields)
        # SC: as many pens as last time (the worklist's), else the department's usual number
        weeks = (last_pens or usual_pens or 1) if regimen.route == Route.SC else 1
        end = _end(stop, follow_up_end)
        courses.append(CourseAhead(regimen, given, next_due, weight, weeks, end))
    return courses


def _units(plans: DosePlans) -> Units:
    """What one administration draws: SC, the pens of its dispensation; IV, the vials of the
    plan the department prepares (`DosePlans`, the worklist's), None when not plannable."""

    def units(
        regimen: Regimen, index: int, weight: Decimal | None, weeks: int
    ) -> tuple[tuple[str, int], ...] | None:
        if regimen.route == Route.SC:
            return ((Presentation.SC200, pens_for(regimen, index, weeks, defaults.SC_PEN_MG)),)
        _dose, plan = plans.expected(regimen, index, weight)
        if plan is None:
            return None
        return tuple((f"iv{size}", count) for size, count in opened_vials(plan))

    return units


def planning(*, today: date) -> Planning:
    """The planning of the worklist's days ahead and the safety margin after them (module
    docstring: which courses count, how the margin is extrapolated). Four queries."""
    days_ahead = int(setting("WORKLIST_DAYS_AHEAD", defaults.WORKLIST_DAYS_AHEAD))
    margin = int(setting("ORDER_SAFETY_MARGIN_DAYS", defaults.ORDER_SAFETY_MARGIN_DAYS))
    review_after = int(setting("MAX_INTERRUPTION_DAYS", defaults.MAX_INTERRUPTION_DAYS))
    until = shift(today, days_ahead)
    last = shift(until, margin)
    ahead = needs_ahead(
        _courses(today, days_ahead, margin, review_after),
        _units(DosePlans()),
        today,
        days_ahead=days_ahead,
        margin_days=margin,
        review_after_days=review_after,
    )
    needs = ahead.needs
    to_review = (
        running_schedules(today)
        .filter(worklist_conditions(today, days_ahead, review_after)[TO_REVIEW])
        .count()
    )
    lots = stock.usable_lots(today)
    labels = dict(Presentation.choices)
    codes = [*Presentation.values, *(code for code in needs if code not in labels)]
    presentations = [
        PlannedPresentation(
            code,
            str(labels.get(code, code)),
            presentation_plan(
                code,
                lots.get(code, []),
                needs.get(code, {}),
                today,
                days_ahead=days_ahead,
                margin_days=margin,
            ),
        )
        for code in codes
    ]
    return Planning(
        today=today,
        until=until,
        margin_days=margin,
        margin_until=last,
        presentations=presentations,
        counted=ahead.counted,
        to_review=to_review,
        estimated_weight=ahead.estimate,
        estimated=ahead.estimated,
        not_planned=ahead.not_planned,
        days=horizon_days(today, until),
    )
