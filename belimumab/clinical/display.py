"""How the clinical pages word what the selectors computed: numbers and dates in the user's
language, activity bands, response reasons, flare criteria, what a record is called."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from belimumab.clinical import sledai_labels as L
from belimumab.clinical.models import Visit
from belimumab.domain import response


def local_number(value: Decimal | float | int | None) -> str:
    """A number in the user's language without useless zeros: 7.50 -> "7,5", 20.00 -> "20"."""
    if value is None:
        return "—"
    value = Decimal(str(value))
    plain = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    return formats.number_format(plain)


def local_date(value: date | None) -> str:
    return "" if value is None else formats.date_format(value, "SHORT_DATE_FORMAT")


def activity_label(code: str | None) -> str:
    """The label of an activity band code (`selectors.activity_class`)."""
    return L.label(L.ACTIVITY_LABELS, code)


def reason_texts(result: response.Response, threshold: int) -> list[str]:
    """The response's reason codes in words, with its numbers in the user's language."""
    detail = result.detail
    m0, t = detail.get("sledai_m0"), detail.get("sledai_t")
    values = {
        "tp": result.timepoint,
        "sledai_m0": local_number(m0),
        "sledai_t": local_number(t),
        "drop": local_number(detail.get("drop")),
        "rise": local_number(t - m0) if m0 is not None and t is not None else "—",
        "steroid_m0": local_number(detail.get("steroid_m0")),
        "steroid_t": local_number(detail.get("steroid_t")),
        "drugs": ", ".join(L.label(L.DRUG_LABELS, d) for d in detail.get("drugs", ())),
        "threshold": threshold,
    }
    return [str(L.RESPONSE_REASONS.get(code, code)) % values for code in result.reasons]


def flare_label(code: str) -> str:
    return L.label(dict(Visit._meta.get_field("flare").flatchoices), code)


def flare_criteria_labels(criteria: tuple[str, ...]) -> list[str]:
    return [L.label(L.FLARE_CRITERIA_LABELS, c) for c in criteria]


def record_label(kind: str, record: Any) -> str:
    """What a clinician calls the record: "Visit of 10/05/2026", "C3 of 10/05/2026"..."""
    day = local_date
    if kind == "visit":
        return _("Visit of %(date)s") % {"date": day(record.date)}
    if kind == "lab":
        return _("%(test)s of %(date)s") % {
            "test": record.get_test_display(),
            "date": day(record.date),
        }
    if kind == "treatment":
        return _("%(drug)s from %(date)s") % {
            "drug": L.label(L.DRUG_LABELS, record.drug),
            "date": day(record.start_date),
        }
    if kind == "infusion":
        return _("Infusion of %(date)s") % {"date": day(record.date)}
    if kind == "adverse_event":
        return _("%(term)s (%(date)s)") % {"term": record.term, "date": day(record.onset_date)}
    return _("Status at %(tp)s") % {"tp": record.timepoint}
