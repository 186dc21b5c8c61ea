"""Pharmacy reads: worklist, where an infusion falls in its course, patient panel, preparation
sheet, people who may prepare. Constant query counts.

Each reader fetches narrow rows in one or two queries, then computes with the pure domain
functions (`belimumab.domain.dosing`, `belimumab.domain.schedule`) in Python, so the number of
queries does not grow with the cohort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from belimumab.domain import cohort, defaults, dosing, pens, schedule
from belimumab.domain.dates import shift
from belimumab.domain.defaults import (
    MAX_INTERRUPTION_DAYS,
    WORKLIST_DAYS_AHEAD,
    WORKLIST_PAGE_SIZE,
)
from belimumab.domain.schedule import Gap, ScheduleStatus
from belimumab.domain.worklist import (
    DUE,
    FIRST_INFUSION,
    OVERDUE,
    SECTIONS,
    TO_REVIEW,
    WorklistMark,
    section_bounds,
    worklist_mark,
)
from belimumab.patients.models import Course, Patient, Route
from belimumab.pharmacy import traceability
from belimumab.pharmacy.doses import (
    InfusionCost,
    infusion_cost,
    opened_vials,
    prepared_plan,
    recorded_plan,
    setting,
    tolerance_pct,
    vial_sizes,
)
from belimumab.pharmacy.models import CourseSchedule, Infusion, InfusionLot

_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)


# --- people --------------------------------------------------------------------------------------

PREPARER_PERMISSION = "pharmacy.add_infusion"


def preparers() -> QuerySet[Any]:
    """Active users who may prepare or check a preparation (those who may record one)."""
    return (
        get_user_model()
        .objects.with_perm(PREPARER_PERMISSION, backend="django.contrib.auth.backends.ModelBackend")
        .order_by("last_name", "first_name", "username")
    )


# --- where a new (or edited) infusion falls in its course ----------------------------------------


@dataclass(frozen=True)
class InfusionContext:
    """The course an infusion on `on_date` belongs to, its rank there and the previous weight."""

    course: Course | None
    cycle_index: int
    previous_date: date | None
    previous_weight: Decimal | None
    given: tuple[date, ...]  # the course's other administrations (active), sorted
    previous_pens: int | None = None  # SC: pens of the course's previous dispensation

    @property
    def is_sc(self) -> bool:
        return self.course is not None and self.course.regimen.route == Route.SC

    @property
    def regimen(self) -> schedule.Regimen | None:
        return None if self.course is None else self.course.regimen.as_domain()


def _course_on(courses: list[Course], on_date: date) -> Course | None:
    """The course running on `on_date`: the latest started by then, else the first one."""
    started = [c for c in courses if c.start_date <= on_date]
    if started:
        return started[-1]
    return courses[0] if courses else None


def infusion_context(
    *, patient: Patient, on_date: date, exclude_pk: int | None = None, course: Course | None = None
) -> InfusionContext:
    """Course, cycle index and previous weight for an infusion of `patient` on `on_date`.

    Two queries: the patient's active courses (with their regimen) and the dates and weights of
    the patient's active infusions. `exclude_pk` leaves out the infusion being edited; `course`
    forces the course (an edited infusion stays in its course).
    """
    if course is None:
        courses = list(
            Course.objects.filter(patient=patient, is_active=True)
            .select_related("regimen")
            .order_by("start_date", "pk")
        )
        course = _course_on(courses, on_date)
    infusions = Infusion.objects.filter(patient=patient, is_active=True)
    if exclude_pk is not None:  # pk=None would exclude nothing either
        infusions = infusions.exclude(pk=exclude_pk)
    rows = infusions.order_by("date", "pk").values_list("course_id", "date", "weight_kg", "pens")
    records: list[tuple[date, int]] = []
    previous_date = previous_weight = previous_pens = None
    for course_id, day, weight, count in rows:
        if course is not None and course_id == course.pk:
            records.append((day, count))
            if day < on_date:
                previous_pens = count
        if day < on_date and weight is not None:
            previous_date, previous_weight = day, weight
    before = [record for record in records if record[0] < on_date]
    # SC: the weeks the earlier dispensations cover before this date (a pen left over from an
    # early dispensation is used after this one's: `pens.covered_dates`)
    done = pens.administration_dates(course.regimen.as_domain(), before) if course else []
    return InfusionContext(
        course=course,
        cycle_index=sum(1 for day in done if day < on_date),
        previous_date=previous_date,
        previous_weight=previous_weight,
        given=tuple(sorted({day for day, _ in records})),
        previous_pens=previous_pens,
    )


# --- worklist ------------------------------------------------------------------------------------


class WorklistPatient(NamedTuple):
    """The patient of a worklist row: the four columns the page shows or links with."""

    pk: int
    code: str
    last_name: str
    first_name: str


@dataclass
class WorklistRow:
    """A course on the worklist: its mark (section, delay, cycles missed now and before) and
    the dose the department will prepare, from the last weight. Plain values, not model
    instances: a page builds about 100 rows."""

    course_id: int
    patient: WorklistPatient
    regimen: schedule.Regimen
    mark: WorklistMark
    last_weight: Decimal | None
    prescribed_mg: Decimal | None  # None: weight-based and never weighed (the form asks)
    plan: dosing.VialPlan | None  # IV: the plan prepared (rounded, else covering); SC: None
    pens: int | None = None  # SC: the pens to dispense (as many as last time); IV: None

    @property
    def vials(self) -> list[tuple[int, int]]:
        return opened_vials(self.plan)

    @property
    def prepared_mg(self) -> Decimal | None:
        """The dose prepared: a rounded plan's whole content, else the prescribed dose."""
        if self.plan is not None and self.plan.total_mg < self.plan.dose_mg:
            return Decimal(self.plan.total_mg)
        return self.prescribed_mg

    @property
    def rounded(self) -> bool:
        return self.plan is not None and self.plan.total_mg < self.plan.dose_mg


WORKLIST_SECTIONS = SECTIONS  # also the names of their page parameters


@dataclass
class WorklistSection:
    """One part of the worklist: `count` courses in all, `rows` those of page `page`."""

    kind: str  # one of WORKLIST_SECTIONS
    count: int
    page: int
    pages: int
    rows: list[WorklistRow]

    def __iter__(self) -> Iterator[WorklistRow]:  # a section reads as its rows
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> WorklistRow:
        return self.rows[index]

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass
class Worklist:
    today: date
    until: date
    query: str
    sections: dict[str, WorklistSection]  # in the order of WORKLIST_SECTIONS

    @property
    def due(self) -> WorklistSection:
        return self.sections[DUE]

    @property
    def overdue(self) -> WorklistSection:
        return self.sections[OVERDUE]

    @property
    def to_review(self) -> WorklistSection:
        return self.sections[TO_REVIEW]

    @property
    def first_infusion(self) -> WorklistSection:
        return self.sections[FIRST_INFUSION]

    @property
    def vials_per_day(self) -> list[tuple[date, list[tuple[int, int]]]]:
        """Vials of each size (largest first) to prepare each day, for the due rows shown."""
        return vials_per_day(self.due.rows)


def vials_per_day(rows: Iterable[WorklistRow]) -> list[tuple[date, list[tuple[int, int]]]]:
    by_day: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for size, count in row.vials:
            by_day[row.mark.next_due][size] += count
    return [
        (day, sorted(sizes.items(), reverse=True)) for day, sizes in sorted(by_day.items()) if sizes
    ]


class DosePlans:
    """Prescribed dose and prepared plan of each (regimen, cycle, weight), the plan computed once
    a distinct dose (a worklist page, the planning)."""

    def __init__(self) -> None:
        self.plans: dict[Decimal, dosing.VialPlan] = {}
        self.settings: tuple[tuple[int, ...], Decimal] | None = None  # read at the first plan

    def expected(
        self, regimen: schedule.Regimen, index: int, weight: Decimal | None
    ) -> tuple[Decimal | None, dosing.VialPlan | None]:
        try:
            dose = regimen.dose_mg(weight, index)
        except ValueError:  # weight-based and never weighed: the form will ask
            return None, None
        if regimen.route != Route.IV:
            return dose, None
        plan = self.plans.get(dose)
        if plan is None:
            if self.settings is None:
                self.settings = (vial_sizes(), tolerance_pct())
            sizes, tolerance = self.settings
            plan = self.plans[dose] = prepared_plan(dose, sizes=sizes, tolerance=tolerance)
        return dose, plan


@dataclass
class _Page:
    """What every row of a worklist page is built with."""

    today: date
    days_ahead: int
    review_after_days: int
    regimens: dict[int, schedule.Regimen] = field(default_factory=dict)
    plans: DosePlans = field(default_factory=DosePlans)
    usual_pens: int = field(
        default_factory=lambda: int(
            setting("SC_PENS_PER_DISPENSATION", defaults.SC_PENS_PER_DISPENSATION)
        )
    )

    def row(self, values: tuple[Any, ...]) -> WorklistRow | None:
        """A row from the `_ROW_FIELDS` values of one snapshot."""
        (course_id, given, last_given, weight, last_pens, next_due, missed_before, missed_from,
         patient_id, code, last_name, first_name, regimen_id, *regimen_fields) = values  # fmt: skip
        regimen = self.regimens.get(regimen_id)
        if regimen is None:
            regimen = self.regimens[regimen_id] = regimen_of(*regimen_fields)
        snapshot = schedule.CourseSnapshot(
            regimen=regimen,
            given_count=given,
            last_given=last_given,
            next_due=next_due,
            missed_before=missed_before,
            missed_from=missed_from,
        )
        mark = worklist_mark(
            snapshot,
            self.today,
            days_ahead=self.days_ahead,
            review_after_days=self.review_after_days,
        )
        if mark is None:  # the SQL bounds are the domain's: only a row changed meanwhile
            return None
        dose, plan = self.plans.expected(regimen, mark.cycle_index, weight)
        patient = WorklistPatient(patient_id, code, last_name, first_name)
        row = WorklistRow(course_id, patient, regimen, mark, weight, dose, plan)
        if regimen.route == Route.SC:
            row.pens = last_pens or self.usual_pens
        return row


def regimen_of(
    code: str,
    route: str,
    mg_per_kg: int | None,
    fixed_dose_mg: int | None,
    loading_intervals_days: Iterable[int],
    interval_days: int,
    loading_doses_mg: Iterable[int],
) -> schedule.Regimen:
    """The domain regimen from the `REGIMEN_FIELDS` values of a regimen row."""
    return schedule.Regimen(
        code=code,
        route=route,
        mg_per_kg=mg_per_kg,
        fixed_dose_mg=fixed_dose_mg,
        loading_intervals_days=tuple(loading_intervals_days),
        interval_days=interval_days,
        loading_doses_mg=tuple(loading_doses_mg),
    )


# The regimen columns in the order of `schedule.Regimen`'s fields (and of `regimen_of`).
REGIMEN_FIELDS = (
    "code",
    "route",
    "mg_per_kg",
    "fixed_dose_mg",
    "loading_intervals_days",
    "interval_days",
    "loading_doses_mg",
)
# Plain tuples rather than model instances through select_related (about 400 a page): the
# regimen columns in the order of `schedule.Regimen`'s fields.
_ROW_FIELDS = (
    "course_id",
    "given_count",
    "last_given",
    "last_weight_kg",
    "last_pens",
    "next_due",
    "missed_before",
    "missed_from",
    "course__patient_id",
    "course__patient__code",
    "course__patient__last_name",
    "course__patient__first_name",
    "course__regimen_id",
    *(f"course__regimen__{name}" for name in REGIMEN_FIELDS),
)


def _section(
    snapshots: QuerySet[CourseSchedule, tuple[Any, ...]],
    *,
    kind: str,
    count: int,
    page: int,
    size: int,
    build: _Page,
) -> WorklistSection:
    """Page `page` (clamped to the pages there are) of one section, its rows built."""
    pages_count = max(1, -(-count // size))
    page = min(max(1, page), pages_count)
    offset = (page - 1) * size
    shown = snapshots[offset : offset + size]
    rows = [row for row in map(build.row, shown) if row is not None]
    return WorklistSection(kind=kind, count=count, page=page, pages=pages_count, rows=rows)


def _between(first: date | None, last: date | None) -> Q:
    condition = Q()
    if first is not None:
        condition &= Q(next_due__gte=first)
    if last is not None:
        condition &= Q(next_due__lte=last)
    return condition


def worklist_conditions(today: date, days_ahead: int, review_after_days: int) -> dict[str, Q]:
    """Each section as a condition on `CourseSchedule`, with the domain's bounds."""
    bounds = section_bounds(today, days_ahead=days_ahead, review_after_days=review_after_days)
    return {
        kind: (Q(given_count=0) if kind == FIRST_INFUSION else Q(given_count__gt=0))
        & _between(*bounds[kind])
        for kind in WORKLIST_SECTIONS
    }


def running_schedules(today: date) -> QuerySet[CourseSchedule]:
    """The snapshots of the courses still running on `today`: course and patient active, not
    stopped and follow-up not ended on or before today (the worklist and planning read these)."""
    return (
        CourseSchedule.objects.filter(active=True)
        .filter(Q(stop_date__isnull=True) | Q(stop_date__gt=today))
        .filter(Q(follow_up_end__isnull=True) | Q(follow_up_end__gt=today))
    )


def worklist(
    *,
    today: date,
    days_ahead: int | None = None,
    pages: dict[str, int] | None = None,
    page_size: int | None = None,
    query: str = "",
) -> Worklist:
    """The courses to act on, in sections: due (today to today + days_ahead), overdue (up to
    the interruption threshold), to review (beyond it), first infusion due (nothing given).

    Stopped courses and courses whose follow-up ended (on or before today) are left out. Read
    from the stored schedule snapshots (`CourseSchedule`), so each section is selected, sorted
    (earliest due first: the longest delay first) and paged in SQL on that one indexed table:
    one query counts the four sections, one per section reads its page (5 queries whatever the
    cohort size), and only the rows of a page are built. `query` keeps the patients whose code
    contains it.
    """
    if days_ahead is None:
        days_ahead = int(setting("WORKLIST_DAYS_AHEAD", WORKLIST_DAYS_AHEAD))
    if page_size is None:
        page_size = int(setting("WORKLIST_PAGE_SIZE", WORKLIST_PAGE_SIZE))
    review_after = int(setting("MAX_INTERRUPTION_DAYS", MAX_INTERRUPTION_DAYS))
    pages = pages or {}
    running = running_schedules(today)
    query = query.strip()
    if query:
        running = running.filter(patient_code__icontains=query)
    conditions = worklist_conditions(today, days_ahead, review_after)
    # every section ends by the horizon's last day: the count reads only the courses due by then
    counts = running.filter(next_due__lte=shift(today, days_ahead)).aggregate(
        **{kind: Count("pk", filter=condition) for kind, condition in conditions.items()}
    )
    build = _Page(today, days_ahead, review_after)
    # the columns and the order set up once for the four sections (each clone only adds its
    # condition): the ORM's join setup of 20 related columns is a third of a section's cost
    rows = running.order_by("next_due", "patient_code", "course_id").values_list(*_ROW_FIELDS)
    return Worklist(
        today=today,
        until=shift(today, days_ahead),
        query=query,
        sections={
            kind: _section(
                rows.filter(conditions[kind]),
                kind=kind,
                count=counts[kind],
                page=pages.get(kind, 1),
                size=page_size,
                build=build,
            )
            for kind in WORKLIST_SECTIONS
        },
    )


# --- patient panel -------------------------------------------------------------------------------


@dataclass
class InfusionRow:
    """An administration on the patient page; an SC one is a dispensation whose pens cover
    `weeks` weeks from the week labelled `cycle_label`."""

    infusion: Infusion
    cycle_label: str
    cost: InfusionCost
    weeks: int | None = None  # SC only
    last_week_label: str = ""  # SC, more than one week: the label of the last week covered


@dataclass
class CoursePanel:
    course: Course
    rows: list[InfusionRow]
    status: ScheduleStatus | None
    gaps: list[Gap]  # late gaps only (longer than scheduled)
    missed_cycles: int

    @property
    def is_sc(self) -> bool:
        """A subcutaneous course: its records are dispensations of pens."""
        return self.course.regimen.route == Route.SC


def _infusion_row(regimen: schedule.Regimen, infusion: Infusion, index: int) -> InfusionRow:
    row = InfusionRow(infusion, schedule.cycle_label(regimen, index), infusion_cost(infusion))
    if regimen.route == Route.SC:
        row.weeks = pens.weeks_covered(infusion.pens)
        if row.weeks > 1:
            row.last_week_label = schedule.cycle_label(regimen, index + row.weeks - 1)
    return row


def _course_panel(course: Course, infusions: list[Infusion], today: date) -> CoursePanel:
    regimen = course.regimen.as_domain()
    dates = pens.administration_dates(regimen, [(i.date, i.pens) for i in infusions])
    index_of = {day: index for index, day in enumerate(dates)}
    rows = [_infusion_row(regimen, i, index_of[i.date]) for i in infusions]
    # A follow-up that ended has no next infusion either: like a stop, it leaves no status (no
    # "3,896 days late" on a study patient closed years ago), only the gaps of its history.
    ended = cohort.ended_by(course.follow_up_end, today)
    stop = min((day for day in (course.stop_date, ended) if day is not None), default=None)
    status = None
    if stop is None or stop > today:
        # as `schedule.schedule_status`, but records after today are left out before the
        # weeks they cover are counted: the weeks a dispensation covers beyond today do count
        done = pens.administration_dates(
            regimen, [(i.date, i.pens) for i in infusions if i.date <= today]
        )
        status = schedule.status_on(
            schedule.course_snapshot(regimen, course.start_date, done), today
        )
    all_gaps = schedule.gaps(regimen, dates)
    missed = (
        status.total_missed_cycles if status is not None else sum(g.missed_cycles for g in all_gaps)
    )
    late = [gap for gap in all_gaps if gap.interruption_days > 0]
    return CoursePanel(course, rows, status, late, missed)


def _total(values: list[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def patient_infusion_panel(*, patient: Patient, today: date) -> dict[str, Any]:
    """A patient's infusions by course with cycle labels, cost, waste, next due date, gaps.

    Two queries: active courses with their regimen, active infusions with preparer and checker.
    """
    courses = list(
        Course.objects.filter(patient=patient, is_active=True)
        .select_related("regimen")
        .order_by("start_date", "pk")
    )
    by_course: dict[int, list[Infusion]] = defaultdict(list)
    for infusion in (
        Infusion.objects.filter(patient=patient, is_active=True)
        .select_related("prepared_by", "checked_by")
        .order_by("date", "pk")
    ):
        by_course[infusion.course_id].append(infusion)
    panels = [_course_panel(c, by_course.get(c.pk, []), today) for c in courses]
    rows = [row for panel in panels for row in panel.rows]
    running = next((p for p in reversed(panels) if p.status is not None), None)
    return {
        "patient": patient,
        "courses": panels[::-1],  # the current course first
        "current": running,
        "status": running.status if running else None,
        "next_due": running.status.next_due if running and running.status else None,
        "missed_cycles": sum(p.missed_cycles for p in panels),
        "gaps": [gap for p in panels for gap in p.gaps],
        "infusion_count": len(rows),
        "cost_to_date": _total([r.cost.cost for r in rows]),
        "waste_mg": _total([r.cost.waste_mg for r in rows]),
        "waste_cost": _total([r.cost.waste_cost for r in rows]),
        "saving": _total([r.cost.saving for r in rows]),
        "currency": setting("CURRENCY"),
        "today": today,
    }


def patient_next_due(*, patient: Patient, today: date) -> ScheduleStatus | None:
    """Status of the patient's running course (after a save: the next due date at once)."""
    return patient_infusion_panel(patient=patient, today=today)["status"]


# --- preparation sheet ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparationSheet:
    infusion: Infusion
    cycle_label: str
    is_iv: bool
    vials: list[tuple[int, int, Decimal]]  # size (mg), count, water per vial (mL)
    total_mg: int
    vial_count: int
    volume_ml: Decimal
    concentration: int
    bag_volume_ml: int
    max_hours: int
    cost: InfusionCost
    currency: str
    lots: list[InfusionLot] = field(default_factory=list)  # drawn from the stock (issue 14)


def preparation_sheet(*, infusion: Infusion) -> PreparationSheet:
    """What the preparer needs on paper: vials, water, volume to draw, bag, the 8-hour limit.

    Two queries (the rank of the infusion in its course, its lots); `infusion` comes with its
    patient, course, regimen, preparer and checker.
    """
    return preparation_sheets([infusion])[0]


def preparation_sheets(infusions: list[Infusion]) -> list[PreparationSheet]:
    """The sheets of several infusions (a day's), in their order: two queries whatever their
    number (the earlier infusions of their courses, which rank each one in its course; the
    lots they drew)."""
    if not infusions:
        return []
    earlier: dict[int, list[tuple[date, int]]] = defaultdict(list)
    rows = Infusion.objects.filter(
        course_id__in={i.course_id for i in infusions},
        is_active=True,
        date__lt=max(i.date for i in infusions),
    ).values_list("course_id", "date", "pens")
    for course_id, day, count in rows:
        earlier[course_id].append((day, count))
    concentration = int(setting("CONCENTRATION_MG_PER_ML"))
    lots = traceability.draws_by_infusion([i.pk for i in infusions])
    return [_sheet(i, earlier[i.course_id], concentration, lots[i.pk]) for i in infusions]


def _sheet(
    infusion: Infusion,
    earlier: list[tuple[date, int]],
    concentration: int,
    lots: list[InfusionLot],
) -> PreparationSheet:
    regimen = infusion.course.regimen.as_domain()
    before = [(day, count) for day, count in earlier if day < infusion.date]
    # SC: the weeks the earlier dispensations cover before this one
    index = sum(1 for day in pens.administration_dates(regimen, before) if day < infusion.date)
    plan = recorded_plan(infusion)
    return PreparationSheet(
        infusion=infusion,
        cycle_label=schedule.cycle_label(regimen, index),
        is_iv=regimen.route == Route.IV,
        vials=[(s, c, dosing.reconstitution_water_ml(s)) for s, c in opened_vials(plan)],
        total_mg=plan.total_mg,
        vial_count=plan.vial_count,
        volume_ml=dosing.volume_to_draw_ml(infusion.prepared_dose_mg, concentration),
        concentration=concentration,
        bag_volume_ml=int(setting("BAG_VOLUME_ML")),
        max_hours=int(setting("MAX_HOURS_RECONSTITUTION_TO_END")),
        cost=infusion_cost(infusion),
        currency=setting("CURRENCY"),
        lots=lots,
    )
