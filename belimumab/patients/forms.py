from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from belimumab.core.forms import DATE_WIDGET, BoundedDates, confirmed_field
from belimumab.patients.models import (
    Course,
    FollowUpEndReason,
    InitiationReason,
    Manifestation,
    Patient,
    PreviousTreatment,
    Regimen,
)


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("This date is in the future."))
    return value


class PatientForm(BoundedDates, forms.ModelForm):
    manifestations = forms.MultipleChoiceField(
        label=_("SLE manifestations"),
        choices=Manifestation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    previous_treatments = forms.MultipleChoiceField(
        label=_("Previous treatments"),
        choices=PreviousTreatment.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    initiation_reasons = forms.MultipleChoiceField(
        label=_("Reasons for starting belimumab"),
        choices=InitiationReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Patient
        fields = [
            "code",
            "hospital_id",
            "last_name",
            "first_name",
            "birth_date",
            "sex",
            "smoking",
            "indication",
            "prior_trial",
            "manifestations",
            "previous_treatments",
            "initiation_reasons",
            "notes",
        ]
        widgets = {"birth_date": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_hospital_id(self) -> str:
        # checked here so that the message sits beside the field (the database constraint,
        # conditional, would report it above the form)
        value = (self.cleaned_data.get("hospital_id") or "").strip()
        taken = Patient.objects.filter(hospital_id=value).exclude(pk=self.instance.pk)
        if value and taken.exists():
            raise forms.ValidationError(_("This hospital identifier is already used."))
        return value

    def clean_birth_date(self) -> date | None:
        value = _not_in_future(self.cleaned_data.get("birth_date"))
        if value is not None and value.year < 1900:
            raise forms.ValidationError(_("Enter a birth date after 1900."))
        return value


class CourseForm(BoundedDates, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirmed = confirmed_field()

    class Meta:
        model = Course
        fields = ["regimen", "start_date", "stop_date", "stop_reason", "stop_note"]
        widgets = {"start_date": DATE_WIDGET, "stop_date": DATE_WIDGET}

    def __init__(self, *args: Any, patient: Patient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient or getattr(self.instance, "patient", None)
        regimen: forms.ModelChoiceField[Regimen] = self.fields["regimen"]  # type: ignore[assignment]
        regimen.queryset = Regimen.objects.all()
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_stop_date(self) -> date | None:
        return _not_in_future(self.cleaned_data.get("stop_date"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, stop, reason = data.get("start_date"), data.get("stop_date"), data.get("stop_reason")
        if start and stop and stop < start:
            self.add_error("stop_date", _("The stop date is before the start date."))
        if stop and not reason:
            self.add_error("stop_reason", _("Give the reason the course stopped."))
        if reason and not stop:
            self.add_error("stop_date", _("Give the date the course stopped."))
        birth = self.patient.birth_date if self.patient else None
        if start and birth and start < birth:
            self.add_error("start_date", _("The course cannot start before the patient's birth."))
        return data


class FollowUpEndForm(BoundedDates, forms.Form):
    """The end of a course's follow-up (not a stop): date and reason required, note optional.

    A plain form: the service validates the course (full_clean), and its errors come back
    beside the fields through save_form.
    """

    follow_up_end = forms.DateField(label=_("End of follow-up"), widget=DATE_WIDGET)
    follow_up_end_reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "---------"), *FollowUpEndReason.choices]
    )
    follow_up_end_note = forms.CharField(label=_("Details"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "follow_up_end": course.follow_up_end,
                "follow_up_end_reason": course.follow_up_end_reason,
                "follow_up_end_note": course.follow_up_end_note,
                "version": course.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.course = course

    def clean_follow_up_end(self) -> date | None:
        value = _not_in_future(self.cleaned_data.get("follow_up_end"))
        if value is not None and value < self.course.start_date:
            raise forms.ValidationError(_("The end of follow-up is before the start date."))
        return value


class FollowUpReopenForm(forms.Form):
    """Clearing an end of follow-up: only the version the user saw (a lost race shows)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NewPatientCourseForm(BoundedDates, forms.Form):
    """The first course, entered with the patient."""

    regimen = forms.ModelChoiceField(
        label=_("Regimen"), queryset=Regimen.objects.all(), empty_label=None
    )
    start_date = forms.DateField(label=_("Start date (D0)"), widget=DATE_WIDGET)
    confirmed = confirmed_field()

    def clean_start_date(self) -> date:
        value = self.cleaned_data["start_date"]
        if value.year < 2000:
            raise forms.ValidationError(_("Belimumab was not available before 2011."))
        return value
