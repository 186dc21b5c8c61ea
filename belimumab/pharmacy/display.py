"""What the pharmacy pages show, as plain values: labels looked up once, no formatting.

Dates and numbers stay `date` and `Decimal`: the templates format them with Django's filters
in the user's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.utils.formats import localize
from django.utils.translation import ngettext

from belimumab.core import labels
from belimumab.pharmacy.selectors import WorklistRow


class _Labels(dict[int, str]):
    """label(n) for each distinct n, computed on first use."""

    def __init__(self, label: Callable[[int], str]) -> None:
        super().__init__()
        self.label = label

    def __missing__(self, key: int) -> str:
        self[key] = text = self.label(key)
        return text


class WorklistLine(TypedDict):
    """One worklist row as `pharmacy/_worklist_rows.html` prints it (a dict: the template
    language reads a dict key faster than an attribute, 75 rows x 14 cells a page)."""

    code: str
    name: str  # "" without patients.view_identity
    url: str
    record_url: str | None  # None without pharmacy.add_infusion
    due: date
    today: bool
    route: str
    cycle: str
    last_date: date | None
    last_weight: Decimal | None
    dose: Decimal | None  # None: weight-based and never weighed
    vials: str  # vials_text(): largest first; "—": none
    overdue_days: int
    late: str  # "5 days late"; "": on time
    missed_cycles: int
    missed: str  # "2 cycles missed"; "": none


def vials_text(vials: Sequence[tuple[int, int]]) -> str:
    """(size, count) pairs as the pharmacist reads them: "1 x 400 mg + 3 x 120 mg", with a
    multiplication sign."""
    return (
        " + ".join(
            f"{localize(count)} \N{MULTIPLICATION SIGN} {localize(size)} mg"
            for size, count in vials
        )
        or "—"
    )


def late_text(days: int) -> str:
    return ngettext("%(days)s day late", "%(days)s days late", days) % {"days": localize(days)}


def missed_text(cycles: int) -> str:
    return ngettext("%(cycles)s cycle missed", "%(cycles)s cycles missed", cycles) % {
        "cycles": localize(cycles)
    }


def worklist_lines(
    rows: Iterable[WorklistRow],
    *,
    today: date,
    identity: bool,
    patient_url: Callable[[int], str],
    record_url: Callable[[int], str] | None,
) -> list[WorklistLine]:
    """The rows of a worklist section; each label (route, cycle, vials, days late, cycles
    missed) is built once per distinct value: the template's filters and plural tags cost
    tens of microseconds each, and a page has 75 rows."""
    routes: dict[str, str] = {}
    cycles: dict[str, str] = {}
    lates = _Labels(late_text)
    misses = _Labels(missed_text)
    vials: dict[tuple[tuple[int, int], ...], str] = {}
    lines = []
    for row in rows:
        course, status = row.course, row.status
        patient = course.patient
        route = course.regimen.route
        if route not in routes:
            routes[route] = course.regimen.get_route_display()
        if status.cycle_label not in cycles:
            cycles[status.cycle_label] = labels.cycle_label(str(status.cycle_label))
        opened = tuple(row.vials)
        if opened not in vials:
            vials[opened] = vials_text(opened)
        lines.append(
            WorklistLine(
                code=patient.code,
                name=f"{patient.last_name.upper()} {patient.first_name}" if identity else "",
                url=patient_url(course.patient_id),
                record_url=record_url(course.patient_id) if record_url else None,
                due=status.next_due,
                today=status.next_due == today,
                route=routes[route],
                cycle=cycles[status.cycle_label],
                last_date=row.last_date,
                last_weight=row.last_weight,
                dose=row.expected_dose_mg or None,
                vials=vials[opened],
                overdue_days=status.overdue_days,
                late=lates[status.overdue_days] if status.overdue_days else "",
                missed_cycles=status.total_missed_cycles,
                missed=misses[status.total_missed_cycles] if status.total_missed_cycles else "",
            )
        )
    return lines
