"""The dashboard's filter form (the export links and `manage.py cohort_report` take the same
filters)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from belimumab.core.forms import BoundedDates, date_field
from belimumab.patients.models import Indication, Route
from belimumab.reports.selectors import CohortFilters


class CohortFilterForm(BoundedDates, forms.Form):
    as_of = date_field(gettext_lazy("Data as of"), required=False)
    start_from = date_field(gettext_lazy("Initiated from"), required=False)
    start_to = date_field(gettext_lazy("Initiated until"), required=False)
    route = forms.ChoiceField(
        label=gettext_lazy("Route"),
        required=False,
        choices=[("", gettext_lazy("All routes")), *Route.choices],
    )
    indication = forms.ChoiceField(
        label=gettext_lazy("Indication"),
        required=False,
        choices=[("", gettext_lazy("All indications")), *Indication.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The explanation as a tooltip and "today" as the placeholder: a help text under this one
        # field pushed the other filters out of line.
        self.fields["as_of"].widget.attrs.update(
            placeholder=gettext_lazy("today"),
            title=gettext_lazy("Data cut-off: what is dated later is ignored (default: today)."),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_from"), data.get("start_to")
        if start and end and end < start:
            self.add_error("start_to", _("The end of the period is before its start."))
        as_of = data.get("as_of")
        if as_of and as_of > timezone.localdate():
            # a time point whose window closes after today has not been reached
            self.add_error("as_of", _("The cut-off date cannot be after today."))
        return data

    def cut_off(self) -> date:
        """The cut-off asked for (today, local date, when none or the form is not valid)."""
        data = getattr(self, "cleaned_data", None) or {}
        return data.get("as_of") or timezone.localdate()

    def filters(self) -> CohortFilters:
        data = self.cleaned_data
        return CohortFilters(
            start_from=data.get("start_from"),
            start_to=data.get("start_to"),
            route=data.get("route") or "",
            indication=data.get("indication") or "",
        )
