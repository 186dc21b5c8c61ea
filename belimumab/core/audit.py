"""Audit trail read from django-simple-history: who, when, what changed (before -> after)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from belimumab.core.plausibility import confirmed_text

# history_type of django-simple-history -> a stable code (CSV, tests), shown through a label.
ACTION_CODES = {"+": "created", "~": "changed", "-": "deleted"}
ACTION_LABELS = {
    "created": _("created"),
    "changed": _("changed"),
    "deleted": _("deleted"),
    "deactivated": _("deactivated"),
}


def action_code(row: Any, previous: Any | None) -> str:
    """created / changed / deactivated / deleted for one history row."""
    if previous is not None and previous.is_active and not row.is_active:
        return "deactivated"
    return ACTION_CODES.get(row.history_type, row.history_type)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Entry:
    record: str
    when: datetime
    who: str
    action: str
    reason: str
    changes: tuple[Change, ...]


def _label(model: Any, field: str) -> str:
    try:
        return str(model._meta.get_field(field).verbose_name)
    except Exception:  # a field removed since: show its name
        return field


def _shown(field: str, before: Any, after: Any) -> tuple[Any, Any]:
    """The confirmed plausibility checks by name, not as a list of codes."""
    if field == "confirmed_checks":
        return confirmed_text(before or []), confirmed_text(after or [])
    return before, after


def history_entries(records: list[Any], record_label: str) -> list[Entry]:
    """Entries for one record's history rows (oldest first in, newest first out)."""
    entries = []
    previous = None
    for row in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        changes: tuple[Change, ...] = ()
        if previous is not None:
            delta = row.diff_against(previous, excluded_fields=["version", "updated_at"])
            changes = tuple(
                Change(c.field, _label(row.instance_type, c.field), *_shown(c.field, c.old, c.new))
                for c in delta.changes
            )
        elif getattr(row, "confirmed_checks", None):
            # values confirmed beyond their usual limits at creation (DOMAIN.md plausibility)
            label = _label(row.instance_type, "confirmed_checks")
            changes = (
                Change("confirmed_checks", label, None, confirmed_text(row.confirmed_checks)),
            )
        action = ACTION_LABELS[action_code(row, previous)]
        user = row.history_user
        entries.append(
            Entry(
                record=record_label,
                when=row.history_date,
                who=user.get_username() if user else str(_("system")),
                action=str(action),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
        previous = row
    return entries[::-1]


def record_history(instance: Any) -> list[Entry]:
    rows = list(instance.history.select_related("history_user").all())
    return history_entries(rows, f"{instance._meta.verbose_name} {instance}")
