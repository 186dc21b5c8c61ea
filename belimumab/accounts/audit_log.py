"""The administrators' audit log: every clinical change, account event and record read.

The screen pages a filtered feed (`feed_page`); the CSV of a period (`audit_rows`) holds the
clinical changes with their before/after values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db.models import BigIntegerField, Case, CharField, F, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from belimumab.accounts.models import AccountAction, AccountEvent, ReadKind, RecordRead
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


# The screen: one feed, newest first, over the clinical history of every model, the account
# events and the record reads. A UNION ALL of narrow rows is sorted and paged in SQL; only the
# page's rows are then completed (their diffs, names and codes), one query per kind of row on
# the page, so the cost does not depend on how long the log is.
ACCOUNT, READ = "account", "read"
PAGE_SIZE = 50
_COLUMNS = ("src", "rid", "at", "uid", "pid", "act", "info")
_CLINICAL_ACTION = Case(
    When(history_type="+", then=Value("created")),
    When(history_type="-", then=Value("deleted")),
    When(is_active=False, then=Value("deactivated")),
    default=Value("changed"),
    output_field=CharField(),
)


@dataclass(frozen=True)
class FeedFilter:
    start: datetime
    end: datetime
    user_id: int | None = None
    patient_id: int | None = None
    record_type: str = ""
    action: str = ""


@dataclass
class FeedRow:
    source: str
    pk: int
    when: datetime
    user_id: int | None
    patient_id: int | None
    action: str
    info: str
    who: str = ""
    patient: str = ""
    record: str = ""
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(FEED_ACTION_LABELS.get(self.action, self.action))


def record_type_choices() -> list[tuple[str, Any]]:
    clinical = [(m._meta.model_name or "", m._meta.verbose_name) for m in clinical_models()]
    return [*clinical, (ACCOUNT, _("user account")), (READ, _("record read"))]


FEED_ACTION_LABELS: dict[str, Any] = {
    **ACTION_LABELS,
    **dict(AccountAction.choices),
    **dict(ReadKind.choices),
}


def _narrow(queryset: Any, filters: FeedFilter, **columns: Any) -> Any:
    # order_by(): a history model's default ordering is not allowed inside a UNION
    narrowed = queryset.order_by().annotate(**columns)
    narrowed = narrowed.filter(at__gte=filters.start, at__lt=filters.end)
    if filters.user_id is not None:
        narrowed = narrowed.filter(uid=filters.user_id)
    if filters.action:
        narrowed = narrowed.filter(act=filters.action)
    return narrowed.values_list(*_COLUMNS)


def _sources(filters: FeedFilter) -> list[Any]:
    sources = []
    # typed NULL: PostgreSQL would read an untyped first NULL of the UNION as text
    no_patient = Cast(Value(None), output_field=BigIntegerField())
    for model in clinical_models():
        name = model._meta.model_name or ""
        if filters.record_type not in ("", name):
            continue
        if model is Patient:
            patient: Any = F("id")
        elif any(field.name == "patient" for field in model._meta.get_fields()):
            patient = F("patient_id")
        elif filters.patient_id is not None:
            continue  # the department's settings concern no patient
        else:
            patient = no_patient
        query = _narrow(
            model.history.model.objects.all(),
            filters,
            src=Value(name),
            rid=F("history_id"),
            at=F("history_date"),
            uid=F("history_user_id"),
            pid=patient,
            act=_CLINICAL_ACTION,
            info=Coalesce("history_change_reason", Value("")),
        )
        sources.append(query.filter(pid=filters.patient_id) if filters.patient_id else query)
    if filters.record_type in ("", ACCOUNT) and filters.patient_id is None:
        sources.append(
            _narrow(
                AccountEvent.objects.all(),
                filters,
                src=Value(ACCOUNT),
                rid=F("pk"),
                at=F("when"),
                uid=F("actor_id"),
                pid=no_patient,
                act=F("action"),
                info=Value(""),
            )
        )
    if filters.record_type in ("", READ):
        reads = _narrow(
            RecordRead.objects.all(),
            filters,
            src=Value(READ),
            rid=F("pk"),
            at=F("when"),
            uid=F("user_id"),
            pid=F("patient_id"),
            act=F("kind"),
            info=F("detail"),
        )
        sources.append(reads.filter(pid=filters.patient_id) if filters.patient_id else reads)
    return sources


def feed_page(filters: FeedFilter, page: int) -> tuple[list[FeedRow], int]:
    """One page of the feed, newest first, and the number of entries: 2 queries, then one per
    kind of row on the page (each clinical model, account events), users and patients."""
    sources = _sources(filters)
    if not sources:
        return [], 0
    feed = sources[0].union(*sources[1:], all=True) if len(sources) > 1 else sources[0]
    total = feed.count()
    first = (page - 1) * PAGE_SIZE
    rows = [FeedRow(*values) for values in feed.order_by("-at", "-rid")[first : first + PAGE_SIZE]]
    _complete(rows)
    return rows, total


def _complete(rows: list[FeedRow]) -> None:
    by_source: dict[str, list[FeedRow]] = {}
    for row in rows:
        by_source.setdefault(row.source, []).append(row)
    for model in clinical_models():
        name = model._meta.model_name or ""
        if name in by_source:
            _clinical_changes(model, by_source[name])
    if ACCOUNT in by_source:
        _account_details(by_source[ACCOUNT])
    users = {row.user_id for row in rows if row.user_id is not None}
    names = dict(User.objects.filter(pk__in=users).values_list("pk", "username"))
    patients = {row.patient_id for row in rows if row.patient_id is not None}
    codes = dict(Patient.objects.filter(pk__in=patients).values_list("pk", "code"))
    for row in rows:
        row.who = names.get(row.user_id, "") if row.user_id else str(_("system"))
        row.patient = codes.get(row.patient_id, "") if row.patient_id else ""


def _clinical_changes(model: type[ClinicalModel], rows: list[FeedRow]) -> None:
    """The page's history rows and every earlier row of the same records (to diff against)."""
    history = model.history.model
    wanted = {row.pk for row in rows}
    records = history.objects.filter(history_id__in=wanted).values_list("id", flat=True)
    latest = max(row.when for row in rows)
    everything = history.objects.filter(id__in=records, history_date__lte=latest).order_by(
        "id", "history_date", "history_id"
    )
    previous: dict[int, Any] = {}
    found: dict[int, tuple[Any, Any]] = {}
    for entry in everything:
        if entry.history_id in wanted:
            found[entry.history_id] = (entry, previous.get(entry.id))
        previous[entry.id] = entry
    for row in rows:
        entry, before = found[row.pk]
        row.record = f"{model._meta.verbose_name} #{entry.id}"
        if before is not None:
            delta = entry.diff_against(before, excluded_fields=EXCLUDED)
            row.changes = [(c.field, c.old, c.new) for c in delta.changes]


def _account_details(rows: list[FeedRow]) -> None:
    events = AccountEvent.objects.filter(pk__in=[row.pk for row in rows]).select_related("user")
    by_pk = {event.pk: event for event in events}
    for row in rows:
        event = by_pk[row.pk]
        row.record = event.user.username if event.user else str(event.detail.get("group", ""))
        detail = event.detail
        row.changes = [tuple(change) for change in detail.get("changes", [])]
        if "role" in detail:
            row.info = str(detail["role"])
        elif "provider" in detail:  # roles set at a single sign-on: which provider said so
            row.info = str(detail["provider"])
        elif "added" in detail or "removed" in detail:
            added, removed = detail.get("added", []), detail.get("removed", [])
            row.info = " ".join([*(f"+{p}" for p in added), *(f"-{p}" for p in removed)])
