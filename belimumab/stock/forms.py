"""Forms of the stock: they parse input (and a scanned pack); the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import localize_input
from django.utils.translation import gettext_lazy as _

from belimumab.core.forms import BoundedDates, date_field
from belimumab.department.models import Presentation
from belimumab.stock.models import MovementKind
from belimumab.stock.scan import Scan, presentation_for, scan_parse

MAX_VIALS = 10_000


def _vials(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=MAX_VIALS)


class ReceptionForm(BoundedDates, forms.Form):
    """A reception: scan the pack (the scanner types the code and Enter) or type its details.

    A scan fills the product code, lot, expiry and serial before validation, so the page comes
    back with them filled and asks for what the code cannot say (the number of vials)."""

    scan = forms.CharField(
        label=_("Scan the pack"),
        required=False,
        max_length=200,
        strip=False,
        help_text=_("The pack's DataMatrix code: the scanner fills the fields below."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    presentation = forms.ChoiceField(
        label=_("presentation"),
        choices=[("", "---------"), *Presentation.choices],
        required=False,
    )
    gtin = forms.CharField(label=_("product code (GTIN)"), max_length=14, required=False)
    number = forms.CharField(label=_("lot number"), max_length=20)
    expiry = date_field(_("expiry date"))
    serial = forms.CharField(label=_("serial number"), max_length=20, required=False)
    vials = _vials(_("vials received"))
    on_date = date_field(_("received on"))
    reason = forms.CharField(label=_("delivery reference"), max_length=200, required=False)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        self.scanned: Scan | None = None
        self.scan_error: ValidationError | None = None
        if data is not None and data.get("scan", "").strip():
            data = data.copy()
            try:
                self.scanned = scan_parse(data["scan"])
            except ValidationError as exc:
                self.scan_error = exc
            else:
                data["gtin"] = self.scanned.gtin
                data["number"] = self.scanned.lot
                data["expiry"] = localize_input(self.scanned.expiry)
                data["serial"] = self.scanned.serial
            data["scan"] = ""  # the next scan starts from an empty field
        super().__init__(data, *args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.scan_error is not None:
            self.add_error("scan", self.scan_error)
            return data
        gtin = data.get("gtin", "")
        if gtin:
            try:
                found = presentation_for(gtin)
            except ValidationError as exc:
                self.add_error("scan" if self.scanned else "gtin", exc)
                return data
            if data.get("presentation") and data["presentation"] != found:
                self.add_error("presentation", _("The product code is of another presentation."))
            data["presentation"] = found
        elif not data.get("presentation"):
            self.add_error("presentation", _("Choose the presentation or scan the pack."))
        return data


class RemovalForm(BoundedDates, forms.Form):
    kind = forms.ChoiceField(
        label=_("movement"),
        choices=[(k.value, k.label) for k in (MovementKind.WASTED, MovementKind.RETURNED)],
    )
    vials = _vials(_("vials"))
    on_date = date_field(_("date"))
    reason = forms.CharField(label=_("reason"), max_length=200)


class CountForm(BoundedDates, forms.Form):
    counted = forms.IntegerField(label=_("vials counted"), min_value=0, max_value=MAX_VIALS)
    on_date = date_field(_("counted on"))
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)
