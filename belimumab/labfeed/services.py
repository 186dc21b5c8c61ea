"""Writes of the laboratory feed: receiving a message, approving or rejecting its results,
matching again, the administrators' mappings and senders.

A message is taken whole or not at all; the same control id from the same sender again changes
nothing. Results enter the record only through the clinical service, when a clinician accepts
them; every change of a waiting result is audited (ClinicalModel history).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from belimumab.clinical.models import LabResult
from belimumab.clinical.services import LabInput, lab_panel_record, lab_result_update
from belimumab.core.services import clinical_save
from belimumab.labfeed import oru
from belimumab.labfeed.models import (
    LabCodeMapping,
    LabMessage,
    PendingLabResult,
    PendingStatus,
    Sender,
)
from belimumab.patients.models import Patient

ACCEPTED, ERROR, REJECTED = "AA", "AE", "AR"
UNMATCHED = Q(patient__isnull=True) | Q(test="")


@dataclass(frozen=True)
class Receipt:
    """What became of one message: the ACK code, its text, the HL7 ACK itself."""

    code: str
    text: str
    ack: str
    created: int = 0
    corrected: int = 0
    duplicate: bool = False
    problems: list[oru.Problem] = field(default_factory=list)


# --- senders -----------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sender_for_token(token: str) -> Sender | None:
    """The active sender holding this bearer token (compared by hash: the token is not kept)."""
    if not token:
        return None
    return Sender.objects.filter(token_hash=token_hash(token), is_active=True).first()


def sender_token_issue(*, name: str, user: Any) -> tuple[Sender, str]:
    """Create the sender, or give it a new token (the old one stops working); the token is
    returned once and only its hash is stored."""
    token = secrets.token_urlsafe(32)
    sender = Sender.objects.filter(name=name).first() or Sender(name=name)
    sender.token_hash = token_hash(token)
    sender.is_active = True
    clinical_save(sender, user=user, reason="token issued")
    return sender, token


def sender_deactivate(*, sender: Sender, user: Any) -> Sender:
    """The sender's token stops working at once (a new token reactivates it); audited."""
    sender.token_hash = ""
    sender.is_active = False
    return clinical_save(sender, user=user, reason="deactivated")


def sender_for_files(name: str, *, user: Any = None) -> Sender:
    """The sender a drop folder's files are counted under (created without a token)."""
    sender = Sender.objects.filter(name=name).first()
    if sender is None:
        sender = clinical_save(Sender(name=name), user=user, reason="drop folder")
    return sender


# --- receiving ---------------------------------------------------------------------------------


class _Matcher:
    """Patients by hospital identifier and tests by mapping, each read once per message."""

    def __init__(self) -> None:
        self.tests = {
            (m.system.upper(), m.code): m.test
            for m in LabCodeMapping.objects.filter(is_active=True)
        }
        self.patients: dict[str, Patient | None] = {}

    def patient(self, hospital_id: str) -> Patient | None:
        if hospital_id not in self.patients:
            self.patients[hospital_id] = Patient.objects.filter(
                hospital_id=hospital_id, is_active=True
            ).first()
        return self.patients[hospital_id]

    def test(self, system: str, code: str) -> str:
        return self.tests.get((system.upper(), code), "")


def _fill(pending: PendingLabResult, obs: oru.Observation, message: LabMessage) -> None:
    pending.message = message
    pending.set_id = obs.set_id
    pending.value = obs.value
    pending.unit = obs.unit
    pending.reference_range = obs.reference_range
    pending.lower_limit = obs.lower
    pending.upper_limit = obs.upper
    pending.observed_on = obs.observed_on
    pending.code_text = obs.code_text


def _previous(obs: oru.Observation, sender: Sender) -> PendingLabResult | None:
    """The latest result this correction corrects: same sender, patient, order and code."""
    return (
        PendingLabResult.objects.filter(
            message__sender=sender,
            hospital_id=obs.hospital_id,
            order_id=obs.order_id,
            system=obs.system,
            code=obs.code,
            is_active=True,
        )
        .exclude(status=PendingStatus.REJECTED)
        .order_by("-pk")
        .first()
    )


def _take(obs: oru.Observation, message: LabMessage, matcher: _Matcher, user: Any) -> bool:
    """Store one observation; True when it corrected a result still waiting."""
    previous = _previous(obs, message.sender) if obs.is_correction else None
    if previous is not None and previous.status == PendingStatus.PENDING:
        _fill(previous, obs, message)
        previous.is_correction = True
        clinical_save(previous, user=user, reason=f"corrected by {message.control_id}")
        return True
    pending = PendingLabResult(
        hospital_id=obs.hospital_id,
        order_id=obs.order_id,
        system=obs.system,
        code=obs.code,
        patient=matcher.patient(obs.hospital_id),
        test=matcher.test(obs.system, obs.code),
        is_correction=obs.is_correction,
    )
    if previous is not None:  # already accepted: the correction waits, then replaces it
        pending.corrects = previous.lab_result
        pending.patient = previous.patient
        pending.test = previous.test
    _fill(pending, obs, message)
    clinical_save(pending, user=user, reason=f"received in {message.control_id}")
    return False


def _problem_receipt(exc: oru.MessageProblems) -> Receipt:
    code = REJECTED if exc.reject else ERROR
    text = "; ".join(str(p) for p in exc.problems)
    if exc.parsed is None:
        return Receipt(code, text, oru.bare_acknowledgement(code, text), problems=exc.problems)
    return Receipt(code, text, oru.acknowledgement(exc.parsed, code, text), problems=exc.problems)


def message_receive(*, sender: Sender, text: str, source: str = "", user: Any = None) -> Receipt:
    """Take one ORU^R01 message whole (AA), or nothing with the problems (AE, AR)."""
    try:
        message = oru.read(text)
    except oru.MessageProblems as exc:
        return _problem_receipt(exc)
    done = _("Already received: nothing changed.")
    if LabMessage.objects.filter(sender=sender, control_id=message.control_id).exists():
        ack = oru.acknowledgement(message.parsed, ACCEPTED, done)
        return Receipt(ACCEPTED, done, ack, duplicate=True)
    matcher, corrected = _Matcher(), 0
    try:
        with transaction.atomic():
            stored = LabMessage.objects.create(
                sender=sender,
                control_id=message.control_id,
                source=source[:300],
                text=oru.normalise(text),
            )
            for obs in message.observations:
                corrected += _take(obs, stored, matcher, user)
    except IntegrityError:  # the same message sent twice at the same instant: one wins
        ack = oru.acknowledgement(message.parsed, ACCEPTED, done)
        return Receipt(ACCEPTED, done, ack, duplicate=True)
    created = len(message.observations) - corrected
    summary = _("%(created)s result(s) to approve, %(corrected)s corrected.") % {
        "created": created,
        "corrected": corrected,
    }
    ack = oru.acknowledgement(message.parsed, ACCEPTED, summary)
    return Receipt(ACCEPTED, summary, ack, created=created, corrected=corrected)


# --- approving ---------------------------------------------------------------------------------


def _waiting(pending: PendingLabResult) -> None:
    if pending.status != PendingStatus.PENDING or not pending.is_active:
        raise ValidationError(_("This result was already decided."))
    if not pending.is_matched:
        raise ValidationError(_("Match the patient and the test before accepting this result."))


def pending_accept(
    *, pending: PendingLabResult, user: Any, expected_version: int | None, today: date
) -> LabResult:
    """Accept a waiting result into the record with the message's unit and reference range;
    a correction of an accepted result replaces its value (the clinical history keeps both)."""
    _waiting(pending)
    assert pending.patient is not None  # is_matched
    item = LabInput(
        test=pending.test,
        value=pending.value,
        unit=pending.unit,
        lower=pending.lower_limit,
        upper=pending.upper_limit,
    )
    with transaction.atomic():
        if pending.corrects is not None:
            lab = lab_result_update(
                lab=pending.corrects,
                user=user,
                on=pending.observed_on,
                item=item,
                expected_version=None,
                today=today,
            )
        else:
            (lab,) = lab_panel_record(
                patient=pending.patient,
                user=user,
                on=pending.observed_on,
                results=[item],
                today=today,
            )
        pending.status = PendingStatus.ACCEPTED
        pending.lab_result = lab
        clinical_save(pending, user=user, expected_version=expected_version, reason="accepted")
    return lab


def pending_reject(
    *, pending: PendingLabResult, user: Any, reason: str, expected_version: int | None
) -> PendingLabResult:
    """Reject a waiting result with a reason; it stays listed in the history, never deleted."""
    if pending.status != PendingStatus.PENDING or not pending.is_active:
        raise ValidationError(_("This result was already decided."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for rejecting this result.")})
    pending.status = PendingStatus.REJECTED
    pending.reject_reason = reason.strip()[:300]
    return clinical_save(pending, user=user, expected_version=expected_version, reason="rejected")


def pending_rematch(*, user: Any) -> int:
    """Match waiting results again (a hospital identifier or a mapping was added since);
    returns how many changed."""
    matcher, changed = _Matcher(), 0
    unmatched = PendingLabResult.objects.filter(
        status=PendingStatus.PENDING, is_active=True, corrects__isnull=True
    ).filter(UNMATCHED)
    for pending in unmatched.order_by("pk"):
        patient = pending.patient or matcher.patient(pending.hospital_id)
        test = pending.test or matcher.test(pending.system, pending.code)
        if patient != pending.patient or test != pending.test:
            pending.patient, pending.test = patient, test
            clinical_save(pending, user=user, reason="matched again")
            changed += 1
    return changed


# --- mappings ----------------------------------------------------------------------------------


def mapping_save(
    *, mapping: LabCodeMapping, user: Any, expected_version: int | None = None
) -> LabCodeMapping:
    """Add or change a mapping, then match the waiting results again."""
    mapping.system = mapping.system.strip().upper()
    mapping.code = mapping.code.strip()
    with transaction.atomic():
        saved = clinical_save(
            mapping,
            user=user,
            expected_version=expected_version,
            integrity_errors={
                "one_active_mapping_per_code": (
                    "code",
                    _("This code of this system is already mapped."),
                )
            },
        )
        pending_rematch(user=user)
    return saved
