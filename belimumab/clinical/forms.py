"""Entry forms of the clinical app. Forms check the shape of the input; services check the rules
again (and the ones needing the database) with errors keyed by these forms' field names."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import formats
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from belimumab.clinical import sledai_labels as L
from belimumab.clinical.labs import lab_specs, plain
from belimumab.clinical.models import (
    AdjudicatedStatus,
    Adjudication,
    AdverseEvent,
    Flare,
    LabResult,
    LabTest,
    TreatmentDose,
)
from belimumab.clinical.services import (
    PV_PROBLEMS,
    TREATMENT_UNITS,
    AdverseEventInput,
    pharmacovigilance_problems,
)
from belimumab.core import labels
from belimumab.core.forms import DATE_WIDGET, BoundedDates, LocalizedDecimalField, confirmed_field
from belimumab.domain import sledai, treatments
from belimumab.patients.models import Patient
from belimumab.pharmacy.models import Infusion

MODE_DESCRIPTORS = "descriptors"
MODE_TOTAL = "total"


def decimal_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    """A decimal typed the user's way (0,8 in French), not negative."""
    return LocalizedDecimalField(
        label=label,
        required=kwargs.pop("required", False),
        localize=True,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"min_value": _("This cannot be negative."), **kwargs.pop("errors", {})},
        **kwargs,
    )


def unit_label(unit: str) -> str:
    """A unit as printed on a lab report, in the user's language (10^9/L -> 10⁹/L, IU/mL ->
    UI/mL in French); the stored code is unchanged."""
    return labels.unit_label(unit)


class VersionedForm(BoundedDates, forms.Form):
    """Carries the version the user started from (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# the visit form's flare options, also read by the conflict view to name a stored answer
VISIT_FLARE_CHOICES = [("", _("Not assessed")), *Flare.choices]


class VisitForm(VersionedForm):
    # a new visit's one-time token (Visit.submission): the form sent twice makes one visit
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(label=_("Visit date"), widget=DATE_WIDGET)
    mode = forms.ChoiceField(
        label=_("SELENA-SLEDAI entry"),
        choices=[
            (MODE_DESCRIPTORS, _("Descriptors ticked")),
            (MODE_TOTAL, _("Total only (old records)")),
        ],
        initial=MODE_DESCRIPTORS,
        widget=forms.RadioSelect,
    )
    descriptors = forms.MultipleChoiceField(
        label=_("Descriptors present (this visit or the 10 days before)"),
        choices=[(d.code, L.DESCRIPTOR_LABELS[d.code]) for d in sledai.DESCRIPTORS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recorded_total = forms.IntegerField(
        label=_("Recorded total"),
        required=False,
        min_value=0,
        max_value=sledai.MAX_SCORE,
        help_text=_("Total only: the total of the old record. With descriptors: optional check."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    pga = LocalizedDecimalField(
        label=_("Physician global assessment (0-3)"),
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    flare = forms.ChoiceField(
        label=_("Flare (your assessment)"),
        choices=VISIT_FLARE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    hospitalised = forms.BooleanField(label=_("Hospitalised for lupus"), required=False)
    bilag_new_a = forms.IntegerField(label=_("New BILAG A domains"), required=False, min_value=0)
    bilag_new_b = forms.IntegerField(label=_("New BILAG B domains"), required=False, min_value=0)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirmed = confirmed_field()

    def __init__(self, *args: Any, patient: Patient, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = today

    def clean_date(self) -> datetime.date:
        value = self.cleaned_data["date"]
        if value > self.today:
            raise forms.ValidationError(_("This date is in the future."))
        if value < self.patient.birth_date:
            raise forms.ValidationError(_("This date is before the patient's birth."))
        return value

    def clean_pga(self) -> Decimal | None:
        value = self.cleaned_data.get("pga")
        if value is not None and (
            not Decimal(0) <= value <= Decimal(3) or value != value.quantize(Decimal("0.1"))
        ):
            raise forms.ValidationError(
                _("Enter the PGA between 0 and 3, with at most one decimal.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("mode") == MODE_TOTAL:
            if data.get("descriptors"):
                self.add_error(
                    "descriptors", _("Total only: untick the descriptors or switch the mode.")
                )
            if data.get("recorded_total") is None and "recorded_total" not in self.errors:
                self.add_error("recorded_total", _("Enter the total of the old record."))
        return data

    @property
    def total_only(self) -> bool:
        value = self["mode"].value()
        return value == MODE_TOTAL

    def ticked(self) -> set[str]:
        value = self["descriptors"].value() or []
        return set(value)


class LabPanelForm(BoundedDates, forms.Form):
    """Several tests of one date: a value per test, with its unit and the laboratory's range
    (a range left blank takes the default of the unit)."""

    date = forms.DateField(label=_("Date of the sample"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, patient: Patient, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = today
        for code, spec in lab_specs().items():
            self.fields[f"{code}_value"] = decimal_field(
                LabTest(code).label,
                errors={"min_value": _("A lab value cannot be negative.")},
            )
            self.fields[f"{code}_unit"] = forms.ChoiceField(
                label=_("Unit"),
                choices=[(u, unit_label(u)) for u in spec.units],
                initial=spec.unit,
                required=False,
                error_messages={
                    "invalid_choice": _("Unknown unit for this test: %(value)s."),
                },
            )
            self.fields[f"{code}_lower"] = decimal_field(_("Lower limit"))
            self.fields[f"{code}_upper"] = decimal_field(_("Upper limit"))

    def rows(self) -> list[dict[str, Any]]:
        """One row per test: its label, LOINC code and cells (field, placeholder)."""
        rows = []
        for code, spec in lab_specs().items():
            lower, upper = spec.range_in(spec.unit)
            rows.append(
                {
                    "code": code,
                    "label": LabTest(code).label,
                    "loinc": spec.loinc,
                    "value": self[f"{code}_value"],
                    "cells": [
                        (self[f"{code}_value"], ""),
                        (self[f"{code}_unit"], ""),
                        (self[f"{code}_lower"], formats.localize(lower)),
                        (self[f"{code}_upper"], formats.localize(upper)),
                    ],
                }
            )
        return rows

    def clean_date(self) -> datetime.date:
        value = self.cleaned_data["date"]
        if value > self.today:
            raise forms.ValidationError(_("This date is in the future."))
        if value < self.patient.birth_date:
            raise forms.ValidationError(_("This date is before the patient's birth."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        entered = [code for code in lab_specs() if data.get(f"{code}_value") is not None]
        if not entered and not any(k.endswith("_value") for k in self.errors):
            raise forms.ValidationError(_("Enter at least one result."))
        for code, spec in lab_specs().items():
            if not data.get(f"{code}_unit") and f"{code}_unit" not in self.errors:
                data[f"{code}_unit"] = spec.unit
            lower, upper = data.get(f"{code}_lower"), data.get(f"{code}_upper")
            if lower is not None and upper is not None and lower > upper:
                self.add_error(f"{code}_upper", _("The upper limit is below the lower limit."))
        return data

    def entered_tests(self) -> list[str]:
        return [code for code in lab_specs() if self.cleaned_data.get(f"{code}_value") is not None]


class LabResultForm(BoundedDates, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    value = decimal_field(
        _("Value"), required=True, errors={"min_value": _("A lab value cannot be negative.")}
    )
    unit = forms.ChoiceField(label=_("Unit"))
    lower_limit = decimal_field(_("Lower limit of normal"))
    upper_limit = decimal_field(_("Upper limit of normal"))

    class Meta:
        model = LabResult
        fields = ["date", "value", "unit", "lower_limit", "upper_limit"]
        widgets = {"date": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = lab_specs()[self.instance.test]
        unit = cast(forms.ChoiceField, self.fields["unit"])  # declared above as a ChoiceField
        unit.choices = [(u, unit_label(u)) for u in spec.units]
        for name in ("value", "lower_limit", "upper_limit"):
            self.initial[name] = plain(getattr(self.instance, name))
        self.fields["unit"].error_messages["invalid_choice"] = _(
            "Unknown unit for this test: %(value)s."
        )
        self.fields["version"].initial = self.instance.version


def drug_choices() -> list[tuple[Any, Any]]:
    groups: dict[str, list[tuple[str, Any]]] = {}
    for drug in treatments.ALL_DRUGS:
        groups.setdefault(treatments.drug_category(drug), []).append(
            (drug, L.DRUG_LABELS.get(drug, drug))
        )
    return [("", "---------")] + [
        (L.DRUG_CATEGORY_LABELS[category], items) for category, items in groups.items()
    ]


class TreatmentForm(BoundedDates, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    drug = forms.ChoiceField(label=_("Drug"), choices=drug_choices)
    dose = decimal_field(
        _("Dose"),
        required=True,
        help_text=_("0 when stopped. Corticosteroids in mg/day of the drug given."),
        errors={"min_value": _("A dose cannot be negative (0 means stopped).")},
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=[(u, u) for u in TREATMENT_UNITS])
    confirmed = confirmed_field()

    class Meta:
        model = TreatmentDose
        fields = ["drug", "start_date", "dose", "unit"]
        widgets = {"start_date": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class AdverseEventForm(BoundedDates, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AdverseEvent
        fields = ["term", "category", "site", "onset_date", "serious", "outcome", "infusion"]
        fields += ["severity_grade", "causality", "action_taken", "reported_to_pv"]
        fields += ["pv_report_date", "notes"]
        widgets = {
            "onset_date": DATE_WIDGET,
            "pv_report_date": DATE_WIDGET,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "serious": _("Hospitalisation, life-threatening, disability, death (regulatory)."),
            "severity_grade": _("CTCAE v5.0 intensity; leave blank if not assessed."),
            "pv_report_date": _("Required when the event was reported."),
        }

    def __init__(
        self, *args: Any, patient: Patient, today: date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or django_timezone.localdate()
        # a foreign key of the model: the ModelForm makes it a ModelChoiceField
        field = cast(forms.ModelChoiceField, self.fields["infusion"])
        field.queryset = Infusion.objects.filter(patient=patient, is_active=True).order_by("-date")
        # relabelling one form's options on the instance (Django's documented idiom); mypy sees
        # a method overwritten by a function without `self`
        field.label_from_instance = lambda infusion: (  # type: ignore[method-assign,assignment]
            _("Infusion of %(date)s") % {"date": _localdate(infusion.date)}
        )
        field.help_text = _("Where the event relates to an infusion (infusion reaction...).")
        self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        """The pharmacovigilance rules beside their fields (the service checks them again); a
        field in error is left out of the model's constraints, so no generic message doubles
        them."""
        data = super().clean() or {}
        item = AdverseEventInput(
            term="",
            category="",
            onset_date=data.get("onset_date"),  # type: ignore[arg-type]  # None: the rule skips it
            outcome=data.get("outcome") or "",
            severity_grade=data.get("severity_grade"),
            reported_to_pv=bool(data.get("reported_to_pv")),
            pv_report_date=data.get("pv_report_date"),
        )
        for code in pharmacovigilance_problems(item, self.today):
            field, message = PV_PROBLEMS[code]
            if field not in self.errors:
                self.add_error(field, str(message))
        return data


def _localdate(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


class AdjudicationForm(BoundedDates, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=AdjudicatedStatus.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Adjudication
        fields = ["status", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
