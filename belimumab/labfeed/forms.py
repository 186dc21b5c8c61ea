from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from belimumab.labfeed.models import LabCodeMapping, Sender


class DecisionForm(forms.Form):
    """Accept (no reason) or reject (a reason) one waiting result, from the version shown."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason for rejection"), max_length=300, required=False)


class MappingForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = LabCodeMapping
        fields = ["system", "code", "test", "note", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        system = (data.get("system") or "").strip().upper()
        code = (data.get("code") or "").strip()
        taken = LabCodeMapping.objects.filter(system=system, code=code, is_active=True)
        if data.get("is_active") and taken.exclude(pk=self.instance.pk).exists():
            self.add_error("code", _("This code of this system is already mapped."))
        return data


class SenderForm(forms.Form):
    name = forms.SlugField(
        label=_("Sender name"),
        max_length=50,
        help_text=_("Letters, digits and hyphens, for example interface-engine."),
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if Sender.objects.filter(name=name).exists():
            raise forms.ValidationError(
                _("This sender exists: give it a new token from the list instead.")
            )
        return name
