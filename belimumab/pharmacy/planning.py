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

Doses are the worklist's: the plan the department prepares from the last weight (`_Plans`,
`doses.prepared_plan`); an IV course never weighed (a first infusion) is planned at the
median last weight of the IV courses read, and the page says how many were. A stop or an end
of follow-up dated within the horizon ends the course's administrations on that date.

Queries: the department's settings (once a request), the snapshots of the courses that count
(one `values_list`, not paged), the number of courses to review, the lots usable today with
their sums: four whatever the cohort size. The rest is plain Python
(`belimumab.domain.planning`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

from belimumab.department.models import Presentation
from belimumab.domain import defaults
from belimumab.domain.dates import shift
from belimumab.domain.planning import (
    DayLine,
    PresentationPlan,
    course_days,
    horizon_days,
    pens_for,
    presentation_plan,
)
from belimumab.domain.worklist import DUE, FIRST_INFUSION, OVERDUE, TO_REVIEW
from belimumab.patients.models import Route
from belimumab.pharmacy.doses import opened_vials, setting
from belimumab.pharmacy.selectors import (
    _ROW_FIELDS,
    WorklistRow,
    _Page,
    running_schedules,
    worklist_conditions,
)
from belimumab.stock import selectors as stock

COUNTED = (DUE, OVERDUE, FIRST_INFUSION)
_Needs = dict[str, dict[date, int]]


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


def _snapshot_rows(today: date, days_ahead: int, margin: int, review_after: int) -> Any:
    """The snapshots of the courses that count, due up to the margin's end (one query)."""
    conditions = worklist_conditions(today, days_ahead + margin, review_after)
    counted = conditions[DUE] | conditions[OVERDUE] | conditions[FIRST_INFUSION]
    return (
        running_schedules(today)
        .filter(counted)
        .values_list(*_ROW_FIELDS, "stop_date", "follow_up_end")
    )


def _end(stop: date | None, follow_up_end: date | None) -> date | None:
    return min((day for day in (stop, follow_up_end) if day is not None), default=None)


def _add_course(
    needs: _Needs,
    build: _Page,
    row: WorklistRow,
    weight: Decimal | None,
    days: list[tuple[date, int]],
) -> bool:
    """Add a course's administrations to `needs`; False when its dose cannot be planned."""
    regimen = row.regimen
    if regimen.route == Route.SC:
        weeks = row.pens or 1
        for day, index in days:
            needs[Presentation.SC200][day] += pens_for(regimen, index, weeks, defaults.SC_PEN_MG)
        return True
    for day, index in days:
        _dose, plan = build.plans.expected(regimen, index, weight)
        if plan is None:
            return False
        for size, count in opened_vials(plan):
            needs[f"iv{size}"][day] += count
    return True


def _needs(
    rows: list[tuple[WorklistRow, date | None]],
    build: _Page,
    today: date,
    last: date,
    until: date,
) -> tuple[_Needs, dict[str, int], Decimal | None, int, int]:
    """Units per presentation and day; courses counted per section; the estimated weight,
    courses planned at it, courses not planned."""
    needs: _Needs = defaultdict(lambda: defaultdict(int))
    counted = dict.fromkeys((*COUNTED, "margin"), 0)
    weights = [r.last_weight for r, _ in rows if r.last_weight is not None and r.plan]
    estimate = Decimal(median(weights)).quantize(Decimal("0.1")) if weights else None
    estimated = not_planned = 0
    for row, end in rows:
        first = max(row.mark.next_due, today)
        days = course_days(
            row.regimen, first, row.mark.cycle_index, last, weeks=row.pens or 1, end=end
        )
        if not days:
            continue
        weight = row.last_weight
        if weight is None and row.regimen.route == Route.IV and estimate is not None:
            weight = estimate
            estimated += 1
        if not _add_course(needs, build, row, weight, days):
            not_planned += 1
            continue
        counted["margin" if row.mark.next_due > until else row.mark.section] += 1
    return needs, counted, estimate, estimated, not_planned


def planning(*, today: date) -> Planning:
    """The planning of the worklist's days ahead and the safety margin after them (module
    docstring: which courses count, how the margin is extrapolated). Four queries."""
    days_ahead = int(setting("WORKLIST_DAYS_AHEAD", defaults.WORKLIST_DAYS_AHEAD))
    margin = int(setting("ORDER_SAFETY_MARGIN_DAYS", defaults.ORDER_SAFETY_MARGIN_DAYS))
    review_after = int(setting("MAX_INTERRUPTION_DAYS", defaults.MAX_INTERRUPTION_DAYS))
    until, build = shift(today, days_ahead), _Page(today, days_ahead + margin, review_after)
    last = shift(until, margin)
    rows = []
    for values in _snapshot_rows(today, days_ahead, margin, review_after):
        row = build.row(values[:-2])
        if row is not None:
            rows.append((row, _end(*values[-2:])))
    needs, counted, estimate, estimated, not_planned = _needs(rows, build, today, last, until)
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
        counted=counted,
        to_review=to_review,
        estimated_weight=estimate,
        estimated=estimated,
        not_planned=not_planned,
        days=horizon_days(today, until),
    )
