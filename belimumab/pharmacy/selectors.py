"""Pharmacy reads: worklist, patient panel, dose proposal. Constant query counts.

Each reader fetches narrow rows in one or two queries, then computes with the pure domain
functions (`belimumab.domain.dosing`, `belimumab.domain.schedule`) in Python, so the number of
queries does not grow with the cohort.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from belimumab.domain import dosing, schedule
from belimumab.domain.schedule import Gap, ScheduleStatus
from belimumab.patients.models import Course, Patient, Route
from belimumab.pharmacy.models import CourseSchedule, Infusion

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


# --- settings -------------------------------------------------------------------------------


def setting(name: str, default: Any = None) -> Any:
    """One number of `settings.BELIMUMAB` (DOMAIN.md: every number is a setting)."""
    return settings.BELIMUMAB.get(name, default)


def vial_sizes() -> tuple[int, ...]:
    return tuple(int(size) for size in setting("VIAL_SIZES_MG"))


def vial_prices() -> dict[int, Decimal]:
    """Price of one vial by size (mg), read through `str` so that 121.50 stays exact."""
    return {int(size): Decimal(str(price)) for size, price in setting("VIAL_PRICES").items()}


def tolerance_pct() -> Decimal:
    return Decimal(str(setting("ROUNDING_TOLERANCE_PCT", 0)))


# --- dose proposal: weight -> dose, vials, rounding, cost ---------------------------------------


def opened_vials(plan: dosing.VialPlan | None) -> list[tuple[int, int]]:
    """(size, count) of the vials a plan opens, largest first ("1 x 400 + 3 x 120")."""
    if plan is None:
        return []
    return [(size, count) for size, count in reversed(plan.vials) if count]


@dataclass(frozen=True)
class PlanView:
    """A vial plan with what the pharmacist reads beside it (cost, volume, water)."""

    plan: dosing.VialPlan
    cost: Decimal
    waste_cost: Decimal
    volume_ml: Decimal  # reconstituted solution to draw for the dose given with this plan
    given_mg: Decimal

    @property
    def vials(self) -> list[tuple[int, int]]:
        return opened_vials(self.plan)

    @property
    def water(self) -> list[tuple[int, int, Decimal]]:
        """(size, count, water per vial in mL) for every size opened."""
        return [(s, c, dosing.reconstitution_water_ml(s)) for s, c in self.vials]


@dataclass(frozen=True)
class DoseProposal:
    """Everything the form shows once the weight is known (computed, never typed)."""

    route: str
    cycle_index: int
    cycle_label: str
    weight_kg: Decimal | None
    mg_per_kg: int | None
    prescribed_mg: Decimal | None
    covering: PlanView | None
    rounded: PlanView | None
    saving: Decimal
    tolerance_pct: Decimal
    currency: str
    previous_date: date | None
    previous_weight: Decimal | None
    weight_change_pct: Decimal | None
    needs_weight_confirmation: bool

    @property
    def is_iv(self) -> bool:
        return self.route == Route.IV

    @property
    def rounded_under_pct(self) -> Decimal | None:
        return None if self.rounded is None else self.rounded.plan.under_pct

    @property
    def vials_saved(self) -> int:
        if self.covering is None or self.rounded is None:
            return 0
        return self.covering.plan.vial_count - self.rounded.plan.vial_count


def _plan_view(plan: dosing.VialPlan, given_mg: Decimal) -> PlanView:
    prices = vial_prices()
    return PlanView(
        plan=plan,
        cost=dosing.plan_cost(plan, prices),
        waste_cost=dosing.waste_cost(plan, prices),
        volume_ml=dosing.volume_to_draw_ml(given_mg, setting("CONCENTRATION_MG_PER_ML")),
        given_mg=given_mg,
    )


def weight_change_pct(weight: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Change of weight since the previous infusion, in percent of the previous weight."""
    if weight is None or previous is None or previous <= 0:
        return None
    return (weight - previous) * _HUNDRED / previous


def dose_proposal(
    *,
    regimen: schedule.Regimen,
    cycle_index: int,
    weight_kg: Decimal | None,
    previous_date: date | None = None,
    previous_weight: Decimal | None = None,
) -> DoseProposal:
    """Dose of administration `cycle_index` for a weight, with the vial plans and their cost.

    IV: the covering plan (least waste) and, within the department's tolerance, the rounded plan
    that avoids opening a vial. Raises ValueError when a weight-based dose has no valid weight.
    """
    prescribed = regimen.dose_mg(weight_kg, cycle_index).quantize(_TENTH, ROUND_HALF_UP)
    covering = rounded = None
    saving = Decimal(0)
    if regimen.route == Route.IV:
        sizes = vial_sizes()
        covering_plan = dosing.vial_plan(prescribed, sizes)
        rounded_plan = dosing.rounded_plan(prescribed, sizes, float(tolerance_pct()))
        covering = _plan_view(covering_plan, prescribed)
        if rounded_plan is not None:
            rounded = _plan_view(rounded_plan, Decimal(rounded_plan.total_mg))
            saving = dosing.saving(covering_plan, rounded_plan, vial_prices())
    change = weight_change_pct(weight_kg, previous_weight)
    threshold = Decimal(str(setting("WEIGHT_CHANGE_CONFIRM_PCT")))
    return DoseProposal(
        route=regimen.route,
        cycle_index=cycle_index,
        cycle_label=schedule.cycle_label(regimen, cycle_index),
        weight_kg=weight_kg,
        mg_per_kg=regimen.mg_per_kg if regimen.fixed_dose_mg is None else None,
        prescribed_mg=prescribed,
        covering=covering,
        rounded=rounded,
        saving=saving,
        tolerance_pct=tolerance_pct(),
        currency=setting("CURRENCY"),
        previous_date=previous_date,
        previous_weight=previous_weight,
        weight_change_pct=change,
        needs_weight_confirmation=change is not None and abs(change) > threshold,
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
    rows = (
        Infusion.objects.filter(patient=patient, is_active=True)
        .exclude(pk=exclude_pk)
        .order_by("date", "pk")
        .values_list("course_id", "date", "weight_kg")
    )
    given: set[date] = set()
    previous_date = previous_weight = None
    for course_id, day, weight in rows:
        if course is not None and course_id == course.pk:
            given.add(day)
        if day < on_date and weight is not None:
            previous_date, previous_weight = day, weight
    return InfusionContext(
        course=course,
        cycle_index=sum(1 for day in given if day < on_date),
        previous_date=previous_date,
        previous_weight=previous_weight,
        given=tuple(sorted(given)),
    )


# --- cost of a recorded infusion ------------------------------------------------------------


@dataclass(frozen=True)
class InfusionCost:
    cost: Decimal | None  # None: not priced (SC pens have no price setting)
    waste_mg: Decimal
    waste_cost: Decimal
    saving: Decimal  # money saved by the dose rounding, against the covering plan


def recorded_plan(infusion: Infusion) -> dosing.VialPlan:
    """The vials recorded on an infusion as a domain plan (dose = the prepared dose)."""
    vials = tuple((size, getattr(infusion, f"vials_{size}", 0) or 0) for size in vial_sizes())
    return dosing.VialPlan(dose_mg=infusion.prepared_dose_mg, vials=vials)


def infusion_cost(infusion: Infusion) -> InfusionCost:
    """Drug cost, waste and the saving of rounding, from the vials recorded (IV only)."""
    plan = recorded_plan(infusion)
    if plan.vial_count == 0:
        return InfusionCost(None, Decimal(0), Decimal(0), Decimal(0))
    prices = vial_prices()
    cost = dosing.plan_cost(plan, prices)
    saving = Decimal(0)
    if infusion.prepared_dose_mg < infusion.prescribed_dose_mg:
        covering = dosing.vial_plan(infusion.prescribed_dose_mg, vial_sizes())
        saving = max(Decimal(0), dosing.plan_cost(covering, prices) - cost)
    return InfusionCost(cost, plan.waste_mg, dosing.waste_cost(plan, prices), saving)


# --- worklist ------------------------------------------------------------------------------------


@dataclass
class WorklistRow:
    course: Course
    status: ScheduleStatus
    last_date: date | None
    last_weight: Decimal | None
    expected_dose_mg: Decimal | None
    plan: dosing.VialPlan | None

    @property
    def patient(self) -> Patient:
        return self.course.patient

    @property
    def vials(self) -> list[tuple[int, int]]:
        return opened_vials(self.plan)


@dataclass
class WorklistSection:
    """One part of the worklist: `count` courses in all, `rows` those of page `page`."""

    kind: str  # "due", "overdue", "missed": also the page parameter's name
    count: int
    page: int
    pages: int
    rows: list[WorklistRow]

    def __iter__(self):  # a section reads as its rows in templates and tests
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
    due: WorklistSection
    overdue: WorklistSection
    missed: WorklistSection


def _expected(
    regimen: schedule.Regimen, index: int, weight: Decimal | None
) -> tuple[Decimal | None, dosing.VialPlan | None]:
    """Expected dose of the next administration (last weight) and its covering plan."""
    try:
        dose = regimen.dose_mg(weight, index)
    except ValueError:  # weight-based and never weighed: the form will ask
        return None, None
    plan = dosing.vial_plan(dose, vial_sizes()) if regimen.route == Route.IV else None
    return dose, plan


def _row(snap: CourseSchedule, today: date, regimens: dict[int, schedule.Regimen]) -> WorklistRow:
    course = snap.course
    regimen = regimens.get(course.regimen_id)
    if regimen is None:
        regimen = regimens[course.regimen_id] = course.regimen.as_domain()
    status = schedule.status_on(
        schedule.CourseSnapshot(
            regimen=regimen,
            given_count=snap.given_count,
            last_given=snap.last_given,
            next_due=snap.next_due,
            missed_before=snap.missed_before,
            missed_from=snap.missed_from,
        ),
        today,
    )
    dose, plan = _expected(regimen, status.cycle_index, snap.last_weight_kg)
    return WorklistRow(
        course=course,
        status=status,
        last_date=snap.last_given,
        last_weight=snap.last_weight_kg,
        expected_dose_mg=dose,
        plan=plan,
    )


_ROW_FIELDS = (
    *(f.name for f in CourseSchedule._meta.concrete_fields),
    "course__patient_id",
    "course__regimen",
    "course__start_date",
    "course__stop_date",
    "course__patient__code",
    "course__patient__last_name",
    "course__patient__first_name",
)


def worklist(
    *,
    today: date,
    days_ahead: int | None = None,
    pages: dict[str, int] | None = None,
    page_size: int | None = None,
    query: str = "",
) -> Worklist:
    """Running courses due from today to today + days_ahead, overdue ones, missed cycles.

    Read from the stored schedule snapshots (`CourseSchedule`), so each section is selected,
    sorted and paged in SQL on that one indexed table: one query counts the three sections,
    one per section reads its page (4 queries whatever the cohort size), and only the rows of
    a page are built. `query` keeps the patients whose code contains it.
    Due: by due date; overdue: longest overdue first; missed cycles: longest without an
    administration first (the count itself depends on today: computed for the rows shown).
    """
    if days_ahead is None:
        days_ahead = int(setting("WORKLIST_DAYS_AHEAD", 7))
    if page_size is None:
        page_size = int(setting("WORKLIST_PAGE_SIZE", 25))
    pages = pages or {}
    until = today + timedelta(days=days_ahead)
    running = CourseSchedule.objects.filter(active=True).filter(
        Q(stop_date__isnull=True) | Q(stop_date__gt=today)
    )
    query = query.strip()
    if query:
        running = running.filter(patient_code__icontains=query)
    conditions = {
        "due": Q(next_due__gte=today, next_due__lte=until),
        "overdue": Q(next_due__lt=today),
        "missed": Q(missed_before__gt=0) | Q(missed_from__lte=today),
    }
    counts = running.aggregate(
        **{kind: Count("pk", filter=condition) for kind, condition in conditions.items()}
    )
    regimens: dict[int, schedule.Regimen] = {}

    def section(kind: str) -> WorklistSection:
        pages_count = max(1, -(-counts[kind] // page_size))
        page = min(max(1, pages.get(kind, 1)), pages_count)
        offset = (page - 1) * page_size
        snapshots = (
            running.filter(conditions[kind])
            .select_related("course__patient", "course__regimen")
            .only(*_ROW_FIELDS)
            .order_by("next_due", "patient_code", "course_id")[offset : offset + page_size]
        )
        return WorklistSection(
            kind=kind,
            count=counts[kind],
            page=page,
            pages=pages_count,
            rows=[_row(snap, today, regimens) for snap in snapshots],
        )

    return Worklist(
        today=today,
        until=until,
        query=query,
        due=section("due"),
        overdue=section("overdue"),
        missed=section("missed"),
    )


# --- patient panel -------------------------------------------------------------------------------


@dataclass
class InfusionRow:
    infusion: Infusion
    cycle_label: str
    cost: InfusionCost


@dataclass
class CoursePanel:
    course: Course
    rows: list[InfusionRow]
    status: ScheduleStatus | None
    gaps: list[Gap]  # late gaps only (longer than scheduled)
    missed_cycles: int


def _course_panel(course: Course, infusions: list[Infusion], today: date) -> CoursePanel:
    regimen = course.regimen.as_domain()
    dates = sorted({i.date for i in infusions})
    index_of = {day: index for index, day in enumerate(dates)}
    rows = [
        InfusionRow(i, schedule.cycle_label(regimen, index_of[i.date]), infusion_cost(i))
        for i in infusions
    ]
    status = schedule.schedule_status(regimen, course.start_date, dates, today, course.stop_date)
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


def preparation_sheet(*, infusion: Infusion) -> PreparationSheet:
    """What the preparer needs on paper: vials, water, volume to draw, bag, the 8-hour limit.

    One query (the rank of the infusion in its course); `infusion` comes with its patient,
    course, regimen, preparer and checker.
    """
    regimen = infusion.course.regimen.as_domain()
    index = (
        Infusion.objects.filter(
            course_id=infusion.course_id, is_active=True, date__lt=infusion.date
        )
        .values("date")
        .distinct()
        .count()
    )
    plan = recorded_plan(infusion)
    concentration = int(setting("CONCENTRATION_MG_PER_ML"))
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
    )
