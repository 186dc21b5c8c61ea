"""The laboratory's results feed: senders, code mappings, received messages, results to approve.

A result of the feed never enters the record by itself: it waits as a PendingLabResult until a
clinician accepts it (clinical.LabResult through the clinical service) or rejects it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from belimumab.clinical.models import LabResult, LabTest
from belimumab.core.models import ClinicalModel
from belimumab.patients.models import Patient


class Sender(ClinicalModel):
    """A system allowed to send results: the hospital's interface engine, or the drop folder.

    Only a SHA-256 hash of its bearer token is stored; an empty hash means files only.
    """

    name = models.SlugField(_("name"), max_length=50, unique=True)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sender")
        verbose_name_plural = _("senders")
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="sender_token_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class LabCodeMapping(ClinicalModel):
    """A code a laboratory sends (OBX-3: identifier and coding system) -> the application's test.

    Many to one: the ELISA and the Crithidia anti-dsDNA codes both map to anti_dsdna.
    """

    system = models.CharField(
        _("coding system"),
        max_length=20,
        help_text=_("OBX-3.3: LN for LOINC, or the laboratory's own system name."),
    )
    code = models.CharField(_("code"), max_length=40)
    test = models.CharField(_("test"), max_length=16, choices=LabTest.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["test", "system", "code"]
        verbose_name = _("lab code mapping")
        verbose_name_plural = _("lab code mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "code"],
                condition=Q(is_active=True),
                name="one_active_mapping_per_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.code} -> {self.test}"


class LabMessage(models.Model):
    """One ORU^R01 message received (its control id is unique per sender: a resend is a no-op)."""

    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="messages")
    control_id = models.CharField(_("message control id"), max_length=50)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    text = models.TextField(_("message"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("lab message")
        verbose_name_plural = _("lab messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "control_id"], name="one_message_per_control_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender_id}:{self.control_id}"


class PendingStatus(models.TextChoices):
    PENDING = "pending", _("To approve")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class PendingLabResult(ClinicalModel):
    """One observation (OBX) of a message, waiting for a clinician.

    `patient` and `test` stay empty while the hospital identifier or the code is unknown: the
    row is listed, never dropped, and matched again once the identifier or mapping exists.
    `corrects`: the accepted result this correction (OBX-11 = C) will replace on approval.
    """

    message = models.ForeignKey(LabMessage, on_delete=models.PROTECT, related_name="results")
    set_id = models.PositiveIntegerField(_("OBX set id"))
    order_id = models.CharField(_("order number"), max_length=50, blank=True)
    hospital_id = models.CharField(_("hospital identifier"), max_length=32)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="pending_labs"
    )
    system = models.CharField(_("coding system"), max_length=20)
    code = models.CharField(_("code"), max_length=40)
    code_text = models.CharField(_("name sent"), max_length=200, blank=True)
    test = models.CharField(_("test"), max_length=16, choices=LabTest.choices, blank=True)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    reference_range = models.CharField(_("reference range"), max_length=40, blank=True)
    lower_limit = models.DecimalField(
        _("lower limit of normal"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    upper_limit = models.DecimalField(
        _("upper limit of normal"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    observed_on = models.DateField(_("observation date"))
    is_correction = models.BooleanField(_("correction"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=PendingStatus.choices, default=PendingStatus.PENDING
    )
    reject_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    corrects = models.ForeignKey(
        LabResult, on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    lab_result = models.ForeignKey(
        LabResult, on_delete=models.PROTECT, null=True, blank=True, related_name="feed_results"
    )

    class Meta:
        ordering = ["observed_on", "pk"]
        verbose_name = _("lab result to approve")
        verbose_name_plural = _("lab results to approve")
        indexes = [
            models.Index(fields=["status", "observed_on"]),
            models.Index(fields=["hospital_id", "order_id", "system", "code"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0), name="pending_lab_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hospital_id} {self.system}:{self.code} {self.observed_on:%Y-%m-%d}"

    @property
    def is_matched(self) -> bool:
        return self.patient_id is not None and bool(self.test)
