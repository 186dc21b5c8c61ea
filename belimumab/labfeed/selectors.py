"""Reads of the laboratory feed: the approval page, the mappings, the senders."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from belimumab.labfeed.models import LabCodeMapping, PendingLabResult, PendingStatus, Sender
from belimumab.labfeed.services import UNMATCHED

# the list is work to do, not an archive: beyond this, the oldest are shown first and the
# count tells how many wait
PAGE_LIMIT = 100


@dataclass(frozen=True)
class ApprovalPage:
    ready: list[PendingLabResult]
    ready_count: int
    unmatched: list[PendingLabResult]
    unmatched_count: int


def _waiting() -> QuerySet[PendingLabResult]:
    return PendingLabResult.objects.filter(status=PendingStatus.PENDING, is_active=True)


def approval_page() -> ApprovalPage:
    """Results ready to approve (patient and test known) and those waiting for a match:
    4 queries whatever the number of rows."""
    ready = _waiting().exclude(UNMATCHED)
    unmatched = _waiting().filter(UNMATCHED)
    related = ("patient", "message__sender", "corrects")
    return ApprovalPage(
        ready=list(ready.select_related(*related).order_by("observed_on", "pk")[:PAGE_LIMIT]),
        ready_count=ready.count(),
        unmatched=list(
            unmatched.select_related(*related).order_by("observed_on", "pk")[:PAGE_LIMIT]
        ),
        unmatched_count=unmatched.count(),
    )


def mappings() -> list[LabCodeMapping]:
    return list(LabCodeMapping.objects.order_by("-is_active", "test", "system", "code"))


def senders() -> list[Sender]:
    return list(Sender.objects.order_by("name"))
