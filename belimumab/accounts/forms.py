from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from belimumab.core.forms import DATE_WIDGET, BoundedDates


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
