from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from belimumab.accounts.audit_log import FEED_ACTION_LABELS, FeedFilter, record_type_choices
from belimumab.accounts.roles import ADMINISTRATOR, CLINICIAN, DEPARTMENT_HEAD, PHARMACIST, ROLES
from belimumab.core.forms import DATE_WIDGET, BoundedDates
from belimumab.patients.models import Patient


class AuditPeriodForm(BoundedDates, forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("To (included)"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start"].initial = today - timedelta(days=30)
        self.fields["end"].initial = today

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        if start and end and (end - start).days > 3660:
            self.add_error("end", _("Choose a period of ten years at most."))
        return data

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end + 1 day) as aware datetimes in the hospital's time zone."""
        start: date = self.cleaned_data["start"]
        end: date = self.cleaned_data["end"] + timedelta(days=1)
        tz = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(start, time()), tz),
            timezone.make_aware(datetime.combine(end, time()), tz),
        )


ROLE_LABELS = {
    PHARMACIST: _("Pharmacist"),
    CLINICIAN: _("Clinician"),
    DEPARTMENT_HEAD: _("Department head"),
    ADMINISTRATOR: _("Administrator"),
}
ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLES]


class AccountForm(forms.Form):
    """An account as an administrator manages it: names, email, one of the four roles."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Needed to send a password reset link."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive account cannot log in; its history is kept."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # a username is the audit trail's key: it is not renamed here
            self.fields["username"].disabled = True
        else:
            del self.fields["is_active"]  # a new account is active

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        taken = User.objects.filter(username__iexact=username)
        if not self.fields["username"].disabled and taken.exists():
            raise forms.ValidationError(_("This username is already taken."))
        return username


ALL = ("", _("all"))


def _record_types() -> list[tuple[str, Any]]:
    return [ALL, *record_type_choices()]


def _actions() -> list[tuple[str, Any]]:
    return [ALL, *sorted(FEED_ACTION_LABELS.items(), key=lambda item: str(item[1]))]


class AuditFilterForm(AuditPeriodForm):
    """The audit screen's filters: a period, and optionally who, which patient, what, which
    action ("what did this user do yesterday", "who opened this patient's record")."""

    user = forms.CharField(label=_("User"), max_length=150, required=False)
    patient = forms.CharField(label=_("Patient code"), max_length=60, required=False)
    record_type = forms.ChoiceField(label=_("Record type"), required=False, choices=_record_types)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=_actions)

    def clean_user(self) -> User | None:
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No account has this username."))
        return user

    def clean_patient(self) -> Patient | None:
        code = self.cleaned_data["patient"].strip()
        if not code:
            return None
        patient = Patient.objects.filter(code=code).first()
        if patient is None:
            raise forms.ValidationError(_("No patient has this code."))
        return patient

    def filters(self) -> FeedFilter:
        start, end = self.bounds()
        data = self.cleaned_data
        return FeedFilter(
            start=start,
            end=end,
            user_id=data["user"].pk if data["user"] else None,
            patient_id=data["patient"].pk if data["patient"] else None,
            record_type=data["record_type"],
            action=data["action"],
        )
