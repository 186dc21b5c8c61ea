"""Template filters of the clinical pages: the words of clinical.display."""

from __future__ import annotations

from django import template

from belimumab.clinical import display
from belimumab.clinical.selectors import StatusRow

register = template.Library()


@register.filter
def activity_label(code: str) -> str:
    """`{{ row.activity|activity_label }}`: "moderate" -> "Moderate activity"."""
    return display.activity_label(code) if code else ""


@register.filter
def reason_texts(status: StatusRow) -> list[str]:
    """`{% for reason in status|reason_texts %}`: the computed response's reasons in words."""
    return display.reason_texts(status.result, status.threshold)
