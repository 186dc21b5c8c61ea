"""Form pieces shared by every app (one form style)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A localized text date (25/11/2026 in French) rather than <input type="date">, whose display
# follows the browser's UI language, not the page's. ISO dates are accepted too.
DATE_WIDGET = forms.DateInput(attrs={"inputmode": "numeric", "autocomplete": "off"})


def date_field(
    label: StrOrPromise, *, required: bool = True, help_text: str = ""
) -> forms.DateField:
    return forms.DateField(
        label=label, widget=DATE_WIDGET, localize=True, required=required, help_text=help_text
    )
