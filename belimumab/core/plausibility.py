"""The plausibility rules of `belimumab.domain.plausibility` in the Django layer: the department's
limits, the findings worded in the user's language, and as form errors.

A refusal is a plain field error. A warning is a field error whose code is `confirm:<check>`: the
form shows it beside the field with an "I confirm this value" checkbox (`confirmed` values), and
the service saves once the check is confirmed, storing it in the record's `confirmed_checks`. The
C3/C4 mg/dL refusal's code is `convert:<value>`: the form offers a button setting that value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, MutableMapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from belimumab.domain import plausibility as rules
from belimumab.domain.plausibility import Finding

# What each confirmable check is about, as the record's history and the import's docs name it.
CHECK_LABELS = {
    "weight_change": gettext_lazy("weight change since the last infusion"),
    "interval_short": gettext_lazy("interval shorter than scheduled"),
    "corticosteroid_high": gettext_lazy("corticosteroid dose above the usual limit"),
    "visit_before_d0": gettext_lazy("visit long before D0"),
    "visit_same_day": gettext_lazy("second visit on the same day"),
    "course_start_ahead": gettext_lazy("course starting more than a year ahead"),
}

_MESSAGES = {
    "weight_range": gettext_lazy("The weight must be between %(min)s and %(max)s kg."),
    "weight_change": gettext_lazy(
        "The weight changed by %(change)s %% since the last infusion (%(previous)s kg): check it "
        "and confirm."
    ),
    "interval_same_day": gettext_lazy(
        "An administration of this course is already recorded on %(previous)s."
    ),
    "interval_short": ngettext_lazy(
        "Only %(days)s day from the administration of %(previous)s (scheduled every "
        "%(scheduled)s days): check the date and confirm.",
        "Only %(days)s days from the administration of %(previous)s (scheduled every "
        "%(scheduled)s days): check the date and confirm.",
        "days",
    ),
    "corticosteroid_range": gettext_lazy(
        "A corticosteroid dose must be between %(min)s and %(max)s mg/day prednisone equivalent."
    ),
    "corticosteroid_high": gettext_lazy(
        "%(dose)s mg/day prednisone equivalent is above %(above)s mg/day (a pulse?): check it "
        "and confirm."
    ),
    "lab_range": gettext_lazy(
        "Not plausible: this test is between %(min)s and %(max)s %(unit)s. Check the value and "
        "its unit."
    ),
    "lab_mg_dl": gettext_lazy(
        "Not plausible in %(unit)s (%(min)s to %(max)s): this looks like a value in mg/dL, "
        "that is %(value)s %(unit)s."
    ),
    "date_too_early": gettext_lazy("A date before %(earliest)s is not plausible."),
    "date_before_birth": gettext_lazy("This date is before the patient's birth."),
    "date_future": gettext_lazy("This date is in the future."),
    "visit_before_d0": gettext_lazy(
        "This visit is more than %(days)s days before D0 (%(d0)s): check the date and confirm."
    ),
    "visit_same_day": gettext_lazy(
        "This patient already has a visit on %(date)s: check the date and confirm."
    ),
    "course_start_ahead": gettext_lazy(
        "This course starts more than %(days)s days from today: check the date and confirm."
    ),
    "patient_code": gettext_lazy(
        "A code is 1-32 letters, digits or . _ / - (starting with a letter or a digit)."
    ),
}


# Messages whose wording follows a number (ngettext_lazy): check -> the parameter holding it.
_COUNTED = {"interval_short": "days"}


def limits() -> rules.Limits:
    """The department's limits: the domain's defaults, the weight settings, and any key of
    `settings.BELIMUMAB["PLAUSIBILITY"]` (a `Limits` field name: where a settings screen plugs
    its values in)."""
    config = settings.BELIMUMAB
    base = rules.DEFAULT_LIMITS
    values: dict[str, Any] = {
        "weight_kg": (base.weight_kg[0], Decimal(str(config.get("MAX_WEIGHT_KG", 250)))),
        "weight_change_pct": Decimal(
            str(config.get("WEIGHT_CHANGE_CONFIRM_PCT", base.weight_change_pct))
        ),
    }
    values.update(config.get("PLAUSIBILITY") or {})
    return dataclasses.replace(base, **values)


def _text(value: object, iso: bool = False) -> str:
    if isinstance(value, date):
        return value.isoformat() if iso else formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        step = Decimal(1) if value == value.to_integral() else Decimal("0.1")
        return formats.number_format(value.quantize(step))
    if isinstance(value, int | float):
        return formats.number_format(value)
    return str(value)


def message(finding: Finding, unit: str = "", iso: bool = False) -> str:
    """The finding in the user's language (`unit`: a lab test's unit; `iso`: dates written
    YYYY-MM-DD, as in an import file)."""
    params: dict[str, object] = {key: _text(value, iso) for key, value in finding.params.items()}
    if finding.check in _COUNTED:  # the plural form is chosen by the number itself
        params[_COUNTED[finding.check]] = finding.params[_COUNTED[finding.check]]
    if finding.suggestion is not None:
        params["value"] = formats.number_format(finding.suggestion)
    params["unit"] = unit
    return str(_MESSAGES[finding.check] % params)


def check_label(code: str) -> str:
    return str(CHECK_LABELS.get(code, code))


def add_finding(
    errors: MutableMapping[str, Any],
    field: str,
    finding: Finding | None,
    confirmed: Collection[str],
    applied: list[str],
    unit: str = "",
) -> None:
    """Put a finding into a service's `errors` (field -> list): a refusal as a field error, an
    unconfirmed warning as a `confirm:<check>` error; a confirmed warning goes into `applied`
    (what the record stores)."""
    if finding is None:
        return
    if not finding.refused and finding.check in confirmed:
        if finding.check not in applied:
            applied.append(finding.check)
        return
    if finding.refused:
        code = "convert:" + str(finding.suggestion) if finding.suggestion is not None else "refuse"
    else:
        code = "confirm:" + finding.check
    bucket = errors.setdefault(field, [])
    bucket.append(ValidationError(message(finding, unit), code=code))


def raise_errors(errors: Mapping[str, list[Any]]) -> None:
    """Raise the non-empty errors (field -> messages) as one ValidationError."""
    kept = {key: messages for key, messages in errors.items() if messages}
    if kept:
        raise ValidationError(kept)


def asked(form: Any, field: str) -> list[tuple[str, str]]:
    """(kind, value) for each plausibility error of a form field: ("confirm", check) or
    ("convert", value): what the template adds beside the field."""
    found = []
    for error in form.errors.as_data().get(field, []) if form.is_bound else []:
        kind, _sep, value = (error.code or "").partition(":")
        if kind in ("confirm", "convert") and value:
            found.append((kind, value))
    return found


def confirm_choices() -> list[tuple[str, str]]:
    return [(code, check_label(code)) for code in rules.CONFIRMABLE]


def confirmed_text(codes: Collection[str]) -> str:
    """The confirmed checks of a record, for its history ("" when none)."""
    return "; ".join(check_label(code) for code in codes) or _("none")
