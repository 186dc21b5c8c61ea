"""The administrators' forms: the models' own validation (clean) runs through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from belimumab.core.forms import BoundedDates, LocalizedDecimalField
from belimumab.core.labels import unit_label
from belimumab.department.models import Department, LabTestSetting, VialPrice

_VERSION = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DepartmentForm(forms.ModelForm):
    version = _VERSION

    class Meta:
        model = Department
        fields = [
            "currency",
            "rounding_tolerance_pct",
            "band_mild",
            "band_moderate",
            "band_high",
            "band_very_high",
            "baseline_days_before",
            "baseline_days_after",
            "window_days_before",
            "window_days_after",
            "worklist_days_ahead",
            "worklist_page_size",
            "stock_expiry_horizon_days",
            "order_safety_margin_days",
            "gtins_iv120",
            "gtins_iv400",
            "gtins_sc200",
            "sheet_header",
        ]
        localized_fields = ["rounding_tolerance_pct"]
        # "5,5" typed in English is refused, not read as 55 (core.forms.LocalizedDecimalField)
        field_classes = {"rounding_tolerance_pct": LocalizedDecimalField}
        widgets = {"sheet_header": forms.Textarea(attrs={"rows": 4})}

    def clean_sheet_header(self) -> str:
        """One line each, as typed, without the browser's carriage returns or blank lines."""
        lines = str(self.cleaned_data.get("sheet_header") or "").splitlines()
        return "\n".join(line.strip() for line in lines if line.strip())


class VialPriceForm(BoundedDates, forms.ModelForm):
    class Meta:
        model = VialPrice
        fields = ["vial_mg", "price", "effective_from"]
        localized_fields = ["price"]
        field_classes = {"price": LocalizedDecimalField}  # "121,50" in English is not 12150
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "effective_from": _(
                "Infusions from this date on are costed at this price, earlier ones keep theirs."
            )
        }


class LabTestSettingForm(forms.ModelForm):
    version = _VERSION

    class Meta:
        model = LabTestSetting
        fields = ["unit", "loinc", "lower", "upper", "plausible_min", "plausible_max"]
        localized_fields = ["lower", "upper", "plausible_min", "plausible_max"]
        field_classes = {name: LocalizedDecimalField for name in localized_fields}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = self.instance.units
        self.fields["unit"] = forms.ChoiceField(
            label=self.fields["unit"].label,
            choices=[(u, unit_label(u)) for u in units],
            help_text=_("Both ranges are in this unit."),
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
