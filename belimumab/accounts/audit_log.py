"""The audit log of every clinical model for a period, for administrators (view and CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps

from belimumab.core.audit import ACTION_LABELS, action_code
from belimumab.core.models import ClinicalModel
from belimumab.patients.models import Patient

EXCLUDED = ["version", "updated_at"]


@dataclass(frozen=True)
class AuditRow:
    when: datetime
    who: str
    model: str
    record_id: int
    patient: str
    action: str
    reason: str
    changes: list[tuple[str, Any, Any]]

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


def clinical_models() -> list[type[ClinicalModel]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ClinicalModel) and not model._meta.abstract
    ]


def audit_rows(start: datetime, end: datetime) -> Iterator[AuditRow]:
    """Every history entry in [start, end), oldest first, with before/after values.

    Two queries per clinical model: the entries of the period, then the entry just before each
    of them (to diff against), whatever the number of rows.
    """
    rows: list[AuditRow] = []
    for model in clinical_models():
        history = model.history.model
        period = list(
            history.objects.filter(history_date__gte=start, history_date__lt=end)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        if not period:
            continue
        ids = {row.id for row in period}
        everything = list(
            history.objects.filter(id__in=ids, history_date__lt=end).order_by(
                "id", "history_date", "history_id"
            )
        )
        previous_of: dict[int, Any] = {}
        last: dict[int, Any] = {}
        for row in everything:
            previous_of[row.history_id] = last.get(row.id)
            last[row.id] = row
        for row in period:
            before = previous_of.get(row.history_id)
            changes = []
            if before is not None:
                delta = row.diff_against(before, excluded_fields=EXCLUDED)
                changes = [(c.field, c.old, c.new) for c in delta.changes]
            action = action_code(row, before)
            rows.append(
                AuditRow(
                    when=row.history_date,
                    who=row.history_user.get_username() if row.history_user else "system",
                    model=model._meta.model_name or "",
                    record_id=row.id,
                    patient=str(getattr(row, "code", "") or getattr(row, "patient_id", "")),
                    action=action,
                    reason=row.history_change_reason or "",
                    changes=changes,
                )
            )
    rows.sort(key=lambda r: (r.when, r.model, r.record_id))
    codes = _patient_codes(
        {r.patient for r in rows if r.patient.isdigit() and r.model != "patient"}
    )
    for row in rows:
        if row.model != "patient":
            row = AuditRow(**{**row.__dict__, "patient": codes.get(row.patient, row.patient)})
        yield row


def _patient_codes(ids: set[str]) -> dict[str, str]:
    found = Patient.objects.filter(pk__in=[int(i) for i in ids]).values_list("pk", "code")
    return {str(pk): code for pk, code in found}
