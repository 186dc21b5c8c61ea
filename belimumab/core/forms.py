"""Form pieces shared by every app (one form style)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from belimumab.core.plausibility import confirm_choices

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A localized text date (25/11/2026 in French) rather than <input type="date">, whose display
# follows the browser's UI language, not the page's. ISO dates are accepted too.
DATE_WIDGET = forms.DateInput(attrs={"inputmode": "numeric", "autocomplete": "off"})


class LocalizedDecimalField(forms.DecimalField):
    """A decimal typed the user's way (70,5 in French, 70.5 in English), with thousands allowed.

    Django drops the thousands separator before reading a localized number, so "70,5" typed in
    English would become 705 kg: a separator must separate groups of exactly three digits.
    """

    def to_python(self, value: Any) -> Any:
        if self.localize and isinstance(value, str) and value.strip():
            separator = formats.get_format("THOUSAND_SEPARATOR")
            whole = value.strip().split(formats.get_format("DECIMAL_SEPARATOR"), 1)[0]
            grouped = re.sub(r"[\s\u202f]", ",", whole.replace(separator, ",")).lstrip("+-")
            if "," in grouped and not re.fullmatch(r"\d{1,3}(,\d{3})+", grouped):
                raise forms.ValidationError(
                    _('Write decimals with "%(separator)s", as in %(example)s.')
                    % {
                        "example": formats.number_format("70.5", 1),
                        "separator": formats.get_format("DECIMAL_SEPARATOR"),
                    },
                    code="invalid",
                )
        return super().to_python(value)


def date_bounds(today: date | None = None) -> tuple[date, date]:
    """The dates a form accepts: from 1 January 1900 (DOMAIN.md "Plausibility") to
    `DATE_YEARS_AHEAD` years after today (29 February falls back to the 28th)."""
    today = today or timezone.localdate()
    ahead = settings.BELIMUMAB["DATE_YEARS_AHEAD"]
    try:
        latest = today.replace(year=today.year + ahead)
    except ValueError:
        latest = today.replace(year=today.year + ahead, day=28)
    return settings.BELIMUMAB["EARLIEST_DATE"], latest


def check_date_range(value: date | None) -> None:
    """Refuse a date outside `date_bounds()`, saying which dates are accepted: 31/12/9999 was an
    OverflowError (a 500) once added to a schedule, and 01/01/0001 is a typo, not a date."""
    if value is None:
        return
    earliest, latest = date_bounds()
    if not earliest <= value <= latest:
        raise forms.ValidationError(
            gettext("Enter a date between %(earliest)s and %(latest)s.")
            % {
                "earliest": formats.date_format(earliest, "SHORT_DATE_FORMAT"),
                "latest": formats.date_format(latest, "SHORT_DATE_FORMAT"),
            },
            code="date_out_of_range",
        )


class BoundedDates:
    """Form mixin: every date field of the form accepts `date_bounds()` only (entry forms, the
    audit period and the dashboard's filters; tests/test_hostile_input.py checks them all)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and check_date_range not in field.validators:
                field.validators.append(check_date_range)


def date_field(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DATE_WIDGET,
        localize=True,
        required=required,
        help_text=help_text,
        validators=[check_date_range],
    )


class DeactivateForm(forms.Form):
    """Confirm a deactivation: why (kept in the audit history) and the version the user saw,
    so a record changed since is not deactivated blindly."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: recorded on the wrong patient, entered twice."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def changed_meanwhile(self, current: Any) -> dict[str, Any]:
        """`save_form`'s conflict: say nothing was deactivated (the form then holds the stored
        version, so confirming again is deliberate)."""
        self.add_error(
            None, _("This record changed meanwhile: nothing was deactivated. Review it first.")
        )
        return {"current": current}


def confirmed_field() -> forms.MultipleChoiceField:
    """The usual limits the user confirmed (check codes): ticked in the "I confirm this value"
    boxes the page shows beside a warned field (`{% plausibility_asks %}`), never rendered
    itself."""
    return forms.MultipleChoiceField(
        choices=confirm_choices, required=False, widget=forms.MultipleHiddenInput
    )
