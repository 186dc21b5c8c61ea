"""Forms of the pharmacy: they parse input; the services decide what is valid and compute."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from belimumab.core.forms import (
    DATE_WIDGET,
    BoundedDates,
    LocalizedDecimalField,
    check_date_range,
    confirmed_field,
)
from belimumab.domain.defaults import MAX_PENS_PER_DISPENSATION, SC_PENS_PER_DISPENSATION
from belimumab.patients.models import Route
from belimumab.pharmacy.doses import setting
from belimumab.pharmacy.models import Diluent, Infusion, Reaction
from belimumab.pharmacy.selectors import preparers

# Fields copied to the service as they are (the rest is computed there).
SERVICE_FIELDS = (
    "date",
    "weight_kg",
    "prepared_dose_mg",
    "rounding_reason",
    "lots_as_recorded",
    "diluent",
    "prepared_by",
    "checked_by",
    "premedication",
    "reaction",
    "reaction_notes",
    "notes",
    "pens",
)
# IV only: an SC dispensation has no premedication, no infusion reaction, no vial plan and no
# dose to lower (pre-filled pens of the weekly dose)
IV_ONLY_FIELDS = (
    "diluent",
    "rounding_reason",
    "prepared_dose_mg",
    "premedication",
    "reaction",
    "reaction_notes",
)


def parse_day(raw: Any) -> date | None:
    """A date typed in the user's format (or ISO), None when it is not one or is outside
    `date_bounds()`."""
    if isinstance(raw, date) or raw is None:
        return raw
    try:
        return forms.DateField(localize=True, validators=[check_date_range]).clean(raw)
    except forms.ValidationError:
        return None


def pens_field(previous: int | None) -> forms.IntegerField:
    """The number of pens of an SC dispensation, proposing as many as last time (else the
    department's usual dispensation)."""
    maximum = int(setting("MAX_PENS_PER_DISPENSATION", MAX_PENS_PER_DISPENSATION))
    return forms.IntegerField(
        label=_("Pens dispensed"),
        min_value=1,
        max_value=maximum,
        initial=previous or int(setting("SC_PENS_PER_DISPENSATION", SC_PENS_PER_DISPENSATION)),
        help_text=_("One pen per week: 4 pens cover 4 weeks."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class InfusionForm(BoundedDates, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET, localize=True)
    weight_kg = LocalizedDecimalField(
        label=_("Weight (kg)"),
        max_digits=5,
        decimal_places=1,
        localize=True,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    confirm_weight = forms.BooleanField(
        label=_("I confirm this weight (it changed a lot since the last infusion)"),
        required=False,
    )
    prepared_dose_mg = LocalizedDecimalField(
        label=_("Prepared dose (mg)"),
        max_digits=7,
        decimal_places=1,
        localize=True,
        required=False,
        help_text=_("Leave empty to prepare the prescribed dose."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    rounding_reason = forms.CharField(
        label=_("Reason for a lower dose"), max_length=300, required=False
    )
    lots = forms.CharField(
        label=_("Lots: scan the packs or type the lots"),
        required=False,
        max_length=4000,
        help_text=_(
            "Empty: the lots proposed (first expiry first). Otherwise scan each pack (one per "
            "line) or type a lot number and its vials (LOT x 2)."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
    lots_as_recorded = forms.CharField(
        label=_("Lots as recorded (not from the stock)"),
        max_length=200,
        required=False,
        help_text=_("Only for vials or pens the stock does not hold: their lot numbers."),
    )
    diluent = forms.ChoiceField(
        label=_("250 mL bag"), choices=Diluent.choices, initial=Diluent.NACL_09, required=False
    )
    prepared_by = PersonChoiceField(label=_("Prepared by"), queryset=None, required=False)
    checked_by = PersonChoiceField(label=_("Checked by"), queryset=None, required=False)
    premedication = forms.BooleanField(
        label=_("Premedication given (paracetamol + dexchlorpheniramine)"),
        required=False,
        initial=True,
    )
    reaction = forms.ChoiceField(
        label=_("Reaction during infusion"), choices=Reaction.choices, initial=Reaction.NONE
    )
    reaction_notes = forms.CharField(label=_("Reaction details"), max_length=300, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirmed = confirmed_field()

    def __init__(
        self,
        *args: Any,
        route: str,
        instance: Infusion | None = None,
        previous_pens: int | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in SERVICE_FIELDS},
                "prepared_by": instance.prepared_by_id,
                "checked_by": instance.checked_by_id,
                "version": instance.version,
            }
            if instance.prepared_dose_mg == instance.prescribed_dose_mg:
                # empty = "the prescribed dose", recomputed if the weight is corrected
                kwargs["initial"]["prepared_dose_mg"] = None
        super().__init__(*args, **kwargs)
        people = preparers()
        if instance is not None:  # a correction keeps people who have left since
            kept = [pk for pk in (instance.prepared_by_id, instance.checked_by_id) if pk]
            people = (people | get_user_model().objects.filter(pk__in=kept)).distinct()
        # foreign keys of the model: the ModelForm makes them ModelChoiceFields
        cast(forms.ModelChoiceField, self.fields["prepared_by"]).queryset = people
        cast(forms.ModelChoiceField, self.fields["checked_by"]).queryset = people
        if route == Route.IV:
            for name in ("weight_kg", "diluent", "prepared_by", "checked_by"):
                self.fields[name].required = True
        else:
            for name in IV_ONLY_FIELDS:
                del self.fields[name]
            self.fields["date"].label = _("Date of the dispensation")
            self.fields["lots"].help_text = _(
                "Empty: the lots proposed (first expiry first). Otherwise scan each pack (one "
                "per line) or type a lot number and its pens (LOT x 4)."
            )
            self.fields["prepared_by"].label = _("Dispensed by")
            self.fields["checked_by"].label = _("Checked by")
            self.fields["confirm_weight"].label = _(
                "I confirm this weight (it changed a lot since the last administration)"
            )
            self.fields["pens"] = pens_field(previous_pens if instance is None else None)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in SERVICE_FIELDS if name in data}
