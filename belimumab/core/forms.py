"""Form pieces shared by every app (one form style)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

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


def date_field(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.DateField:
    return forms.DateField(
        label=label, widget=DATE_WIDGET, localize=True, required=required, help_text=help_text
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
