"""PDF preparation sheets and their archive: what was printed stays what was printed.

The first print of an infusion's sheet, or of a day's sheets, renders the PDF and stores its
bytes (`PrintedSheet`, append-only); every later request returns those bytes, whatever changed
since. After a correction of an infusion (or a new or deactivated infusion on that day) the
archive is outdated: `printed_sheet_reprint` stores the next version from the records as they
are now, says on the new PDF which print it replaces, and keeps the old one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from belimumab.department import selectors as department
from belimumab.pharmacy import selectors
from belimumab.pharmacy.models import Infusion, PrintedSheet
from belimumab.pharmacy.pdf import html_to_pdf

Kind = PrintedSheet.Kind
_RELATED = ("patient", "course__regimen", "prepared_by", "checked_by")


@dataclass(frozen=True)
class Printable:
    """What one PDF holds: an infusion's sheet, or the sheets of a day (in print order)."""

    kind: str
    day: date
    infusions: list[Infusion]

    @property
    def infusion(self) -> Infusion | None:
        return self.infusions[0] if self.kind == Kind.SHEET else None

    @property
    def sources(self) -> list[list[int]]:
        """(pk, version, its patient's version) of each infusion: a correction of the infusion
        or of the patient's identity, an infusion added or removed, changes it."""
        return [[i.pk, i.version, i.patient.version] for i in self.infusions]

    def prints(self) -> QuerySet[PrintedSheet]:
        """The stored prints of this sheet or of this day, oldest first."""
        found = PrintedSheet.objects.filter(kind=self.kind)
        if self.kind == Kind.SHEET:
            return found.filter(infusion=self.infusion).order_by("version")
        return found.filter(day=self.day).order_by("version")


def sheet(infusion: Infusion) -> Printable:
    return Printable(Kind.SHEET, infusion.date, [infusion])


def day_sheets(day: date) -> Printable:
    """The active infusions of a day, one sheet each, by patient code (two queries to print)."""
    infusions = (
        Infusion.objects.filter(date=day, is_active=True)
        .select_related(*_RELATED)
        .order_by("patient__code", "pk")
    )
    return Printable(Kind.DAY, day, list(infusions))


def sheet_infusion(pk: int) -> Infusion | None:
    return Infusion.objects.select_related(*_RELATED).filter(pk=pk, is_active=True).first()


def header() -> str:
    """The hospital's lines at the top of every sheet (the department's setting)."""
    return department.current().sheet_header


def person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@dataclass(frozen=True)
class ArchiveState:
    """What the sheet and day pages say about the archive."""

    prints: list[PrintedSheet]
    outdated: bool  # printed, and the records changed since the last print

    @property
    def latest(self) -> PrintedSheet | None:
        return self.prints[-1] if self.prints else None


def archive_state(printable: Printable) -> ArchiveState:
    prints = list(printable.prints().defer("pdf").select_related("printed_by"))
    outdated = bool(prints) and prints[-1].sources != printable.sources
    return ArchiveState(prints, outdated)


def render_pdf(
    printable: Printable, *, user: Any, version: int, replaces: PrintedSheet | None
) -> bytes:
    """The PDF of the sheets as they are now, in the active language."""
    if printable.kind == Kind.SHEET:
        title = _("Preparation sheet")
    else:
        title = _("Preparation sheets of %(day)s") % {
            "day": date_format(printable.day, "SHORT_DATE_FORMAT")
        }
    printed = {
        "at": timezone.localtime(),
        "by": person(user),
        "version": version,
        "replaces": timezone.localtime(replaces.created_at) if replaces else None,
    }
    html = render_to_string(
        "pharmacy/sheets_pdf.html",
        {
            "title": title,
            "sheets": selectors.preparation_sheets(printable.infusions),
            "identity": True,  # only roles that see names print (accounts.roles)
            "header": header(),
            "printed": printed,
        },
    )
    return html_to_pdf(html)


def _store(printable: Printable, *, user: Any, version: int, pdf: bytes) -> PrintedSheet:
    return PrintedSheet.objects.create(
        kind=printable.kind,
        infusion=printable.infusion,
        day=printable.day,
        version=version,
        sources=printable.sources,
        language=translation.get_language() or "",
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        printed_by=user,
    )


def printed_sheet_get_or_print(*, printable: Printable, user: Any) -> PrintedSheet:
    """The latest stored print; the first request prints and stores version 1."""
    found = printable.prints().last()
    if found is not None:
        return found
    if not printable.infusions:
        raise ValidationError(_("There is no preparation sheet to print for that day."))
    pdf = render_pdf(printable, user=user, version=1, replaces=None)
    try:
        with transaction.atomic():
            return _store(printable, user=user, version=1, pdf=pdf)
    except IntegrityError:  # printed meanwhile by someone else: theirs is the sheet
        return printable.prints().get(version=1)


def printed_sheet_reprint(*, printable: Printable, user: Any) -> PrintedSheet:
    """The next version, from the records as they are now; refused when nothing changed."""
    state = archive_state(printable)
    latest = state.latest
    if latest is None:
        return printed_sheet_get_or_print(printable=printable, user=user)
    if not state.outdated:
        raise ValidationError(_("Nothing changed since the last print: it is still the sheet."))
    if not printable.infusions:
        raise ValidationError(_("There is no preparation sheet to print for that day."))
    version = latest.version + 1
    pdf = render_pdf(printable, user=user, version=version, replaces=latest)
    try:
        with transaction.atomic():
            return _store(printable, user=user, version=version, pdf=pdf)
    except IntegrityError as error:
        raise ValidationError(_("Reprinted meanwhile by someone else: reload the page.")) from error
