"""Users are Django's auth users; roles are groups (see roles.py).

Two append-only logs feed the audit screen beside the clinical history: `AccountEvent` (every
change of an account, a role or a group's permissions, and each password issued, reset or
changed, never the password itself) and `RecordRead` (who opened which patient's record).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from belimumab.patients.models import Patient


class AccountAction(models.TextChoices):
    CREATED = "account_created", _("account created")
    CHANGED = "account_changed", _("account changed")
    DEACTIVATED = "account_deactivated", _("account deactivated")
    REACTIVATED = "account_reactivated", _("account reactivated")
    ROLE_ADDED = "role_added", _("role added")
    ROLE_REMOVED = "role_removed", _("role removed")
    SUPERUSER_GRANTED = "superuser_granted", _("superuser status granted")
    SUPERUSER_REVOKED = "superuser_revoked", _("superuser status revoked")
    PERMISSIONS_CHANGED = "permissions_changed", _("permissions changed")
    PASSWORD_ISSUED = "password_issued", _("temporary password issued")
    RESET_LINK_SENT = "reset_link_sent", _("password reset link sent")
    PASSWORD_CHANGED = "password_changed", _("password changed by its owner")
    PASSWORD_RESET = "password_reset", _("password set through a reset link")
    PASSWORD_SET = "password_set", _("password set")
    ROLE_FROM_PROVIDER = "role_from_provider", _("role set by the identity provider at login")


class AccountEvent(models.Model):
    """One change of an account, a role membership or a group's permissions (append-only)."""

    when = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_events",
        verbose_name=_("account"),
    )
    action = models.CharField(_("action"), max_length=32, choices=AccountAction.choices)
    # what changed: [[field, before, after], ...], or the role / group and permissions
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        indexes = [
            models.Index(fields=["when"], name="accountevent_when"),
            models.Index(fields=["actor", "when"], name="accountevent_actor_when"),
        ]

    def __str__(self) -> str:
        return f"{self.when:%Y-%m-%d %H:%M} {self.action}"


class ReadKind(models.TextChoices):
    PATIENT_PAGE = "patient_page", _("patient page opened")
    TIMELINE = "timeline", _("timeline opened")
    HISTORY = "history", _("record history opened")
    EXPORT = "export", _("cohort export downloaded")


class RecordRead(models.Model):
    """Who opened which patient's record (French health-data rules log reads too).

    Written by `accounts.middleware.record_reads`, one INSERT per page; an export of the whole
    cohort has no patient."""

    when = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patient"),
    )
    kind = models.CharField(_("action"), max_length=16, choices=ReadKind.choices)
    detail = models.CharField(_("detail"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("record read")
        verbose_name_plural = _("record reads")
        indexes = [
            models.Index(fields=["when"], name="recordread_when"),
            models.Index(fields=["user", "when"], name="recordread_user_when"),
            models.Index(fields=["patient", "when"], name="recordread_patient_when"),
        ]

    def __str__(self) -> str:
        return f"{self.when:%Y-%m-%d %H:%M} {self.kind}"


class TemporaryPassword(models.Model):
    """The account's password was issued by an administrator: its owner must change it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("temporary password")
        verbose_name_plural = _("temporary passwords")

    def __str__(self) -> str:
        return str(self.user_id)
