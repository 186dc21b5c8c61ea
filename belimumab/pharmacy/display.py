"""What the pharmacy pages show: labels looked up once per distinct value.

A worklist page has 100 rows but few distinct dates, weights and doses: each distinct value is
formatted once, by Django's own `date_format` and `floatformat` (so in the user's language and
with its separators), and the template prints the text (autoescaped) instead of running the
same filters on every row."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypedDict, TypeVar

from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, localize
from django.utils.translation import get_language, gettext, ngettext

from belimumab.core import labels
from belimumab.domain.worklist import FIRST_INFUSION
from belimumab.patients.models import Route
from belimumab.pharmacy.selectors import WorklistRow

K = TypeVar("K", bound=Hashable)


# Distinct values a label table keeps before it starts again: weights, doses and dates of a
# cohort are a few thousand; the bound only matters to a process that lives for years.
_MAX_LABELS = 4096


class _Labels(dict[K, str]):
    """label(key) for each distinct key, computed on first use."""

    def __init__(self, label: Callable[[K], str]) -> None:
        super().__init__()
        self.label = label

    def __missing__(self, key: K) -> str:
        if len(self) >= _MAX_LABELS:
            self.clear()
        self[key] = text = self.label(key)
        return text


class WorklistLine(TypedDict):
    """One worklist row as `pharmacy/_worklist_rows.html` prints it (a dict: the template
    language reads a dict key faster than an attribute, 100 rows x 14 cells a page). Dates and
    numbers come formatted (`*_text`, "—" when absent) beside the raw values the page's data
    attributes carry."""

    code: str
    name: str  # "" without patients.view_identity
    url: str
    record_url: str | None  # None without pharmacy.add_infusion
    end_url: str | None  # end of follow-up (rows to review, with patients.end_follow_up)
    due_text: str
    today: bool
    route: str  # "Intravenous"
    route_code: str  # "IV": the column stays narrow, the full name in its title
    cycle: str
    last_iso: str  # "" when nothing was given
    last_text: str
    since: str  # "no administration since 03/10/2026" (rows to review)
    weight_text: str
    dose_text: str  # "" when weight-based and never weighed: the page says "weigh"
    prescribed_text: str  # the prescribed dose when the prepared one is rounded, else ""
    vials: str  # vials_text(): largest first; "—": none; SC: the pens to dispense ("4 pens")
    dispensation: bool  # SC: a dispensation of pens is due, not an infusion
    delay_days: int  # the current delay (0 for a first infusion: nothing was given to be late on)
    late: str  # "5 days late"; "": on time
    missed_now: int
    missed: str  # "2 cycles missed" (during the current delay); "": none
    missed_before: int
    missed_past: str  # "1 cycle missed in the past" (history); "": none


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


def pens_text(count: int) -> str:
    return ngettext("%(count)s pen", "%(count)s pens", count) % {"count": localize(count)}


def late_text(days: int) -> str:
    return ngettext("%(days)s day late", "%(days)s days late", days) % {"days": localize(days)}


def missed_text(cycles: int) -> str:
    return ngettext("%(cycles)s cycle missed", "%(cycles)s cycles missed", cycles) % {
        "cycles": localize(cycles)
    }


def missed_past_text(cycles: int) -> str:
    return ngettext(
        "%(cycles)s cycle missed in the past", "%(cycles)s cycles missed in the past", cycles
    ) % {"cycles": localize(cycles)}


def short_date(day: date | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day is not None else "—"


def number(value: Decimal | None, places: int) -> str:
    return str(floatformat(value, places)) if value is not None else "—"


class WorklistWords:
    """Every label of a worklist page, each built once per distinct value: the template's
    filters and plural tags cost tens of microseconds each, and a page has 100 rows. One for
    the whole page: its four sections share most dates, doses, cycles and routes. Labels
    depend on the language only (translations and formats are fixed while a process runs), so
    pages share one per language: `worklist_words()`."""

    def __init__(self) -> None:
        self.routes: dict[str, str] = {}
        self.cycles: dict[str, str] = {}
        self.lates = _Labels(late_text)
        self.misses = _Labels(missed_text)
        self.past = _Labels(missed_past_text)
        self.pens = _Labels(pens_text)
        self.vials: dict[tuple[tuple[int, int], ...], str] = {}
        self.dates = _Labels[date | None](short_date)
        self.weights = _Labels[Decimal | None](lambda kg: number(kg, 1))
        self.doses = _Labels[Decimal | None](lambda mg: number(mg, 0))
        self.since = _Labels[date | None](
            lambda day: gettext("no administration since %(date)s") % {"date": short_date(day)}
        )

    def route(self, route: str) -> str:
        if route not in self.routes:
            self.routes[route] = str(Route(route).label)
        return self.routes[route]

    def cycle(self, label: str) -> str:
        if label not in self.cycles:
            self.cycles[label] = labels.cycle_label(label)
        return self.cycles[label]

    def vials_of(self, opened: tuple[tuple[int, int], ...]) -> str:
        if opened not in self.vials:
            self.vials[opened] = vials_text(opened)
        return self.vials[opened]


_WORDS: dict[str, WorklistWords] = {}


def worklist_words() -> WorklistWords:
    """The labels of the active language, kept for the life of the process: a worklist page
    then formats only the dates, weights and doses no earlier page of that language showed."""
    language = get_language() or ""
    if language not in _WORDS:
        _WORDS[language] = WorklistWords()
    return _WORDS[language]


def worklist_lines(
    rows: Iterable[WorklistRow],
    *,
    today: date,
    identity: bool,
    patient_url: Callable[[int], str],
    record_url: Callable[[int], str] | None,
    end_url: Callable[[int], str] | None = None,
    to_review: bool = False,
    words: WorklistWords | None = None,
) -> list[WorklistLine]:
    """The rows of a worklist section: the current delay and the cycles missed in the past are
    two marks (a patient on time today has no delay mark, whatever its history). A row to
    review says since when nothing was given and links to `end_url` (course pk -> the
    end-of-follow-up form, None without the permission). Pass the page's `words` to share its
    labels between sections."""
    words = words or WorklistWords()
    lines = []
    for row in rows:
        mark, patient, route = row.mark, row.patient, row.regimen.route
        delay = 0 if mark.section == FIRST_INFUSION else mark.delay_days
        dose = row.prepared_mg or None
        lines.append(
            WorklistLine(
                code=patient.code,
                name=f"{patient.last_name.upper()} {patient.first_name}" if identity else "",
                url=patient_url(patient.pk),
                record_url=record_url(patient.pk) if record_url else None,
                end_url=end_url(row.course_id) if end_url and to_review else None,
                due_text=words.dates[mark.next_due],
                today=mark.next_due == today,
                route=words.route(route),
                route_code=route.upper(),
                cycle=words.cycle(str(mark.cycle_label)),
                last_iso=mark.last_given.isoformat() if mark.last_given else "",
                last_text=words.dates[mark.last_given],
                since=words.since[mark.last_given] if to_review else "",
                weight_text=words.weights[row.last_weight],
                dose_text=words.doses[dose] if dose else "",
                prescribed_text=words.doses[row.prescribed_mg] if row.rounded else "",
                vials=words.pens[row.pens] if row.pens else words.vials_of(tuple(row.vials)),
                dispensation=row.pens is not None,
                delay_days=delay,
                late=words.lates[delay] if delay else "",
                missed_now=mark.missed_now,
                missed=words.misses[mark.missed_now] if mark.missed_now else "",
                missed_before=mark.missed_before,
                missed_past=words.past[mark.missed_before] if mark.missed_before else "",
            )
        )
    return lines
