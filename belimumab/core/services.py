"""Writing clinical records: validation, optimistic concurrency, audit user, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from belimumab.core.models import ClinicalModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

M = TypeVar("M", bound=ClinicalModel)


class StaleRecord(ValidationError):
    """The record changed since the form was opened (someone else saved it)."""

    def __init__(self, current: ClinicalModel) -> None:
        super().__init__(
            _("This record was changed by someone else meanwhile. Review their version below.")
        )
        self.current = current


def clinical_save(
    instance: M,
    *,
    user: Any = None,
    expected_version: int | None = None,
    reason: str = "",
    integrity_errors: Mapping[str, tuple[str, StrOrPromise]] | None = None,
) -> M:
    """Validate and save a clinical record inside a transaction, writing its audit history.

    `expected_version` is the version the user started from; a different stored version means
    someone saved in between, and nothing is written (StaleRecord carries the stored record).
    `integrity_errors` maps a constraint name to (field, message) so that a race lost against a
    database constraint becomes a field error instead of a server error.
    """
    instance.full_clean()
    try:
        with transaction.atomic():
            if instance.pk is not None:
                current = type(instance).objects.select_for_update().get(pk=instance.pk)
                if expected_version is not None and current.version != expected_version:
                    raise StaleRecord(current)
                instance.version = current.version + 1
            if user is not None and getattr(user, "is_authenticated", False):
                instance._history_user = user  # type: ignore[attr-defined]
            if reason:
                instance._change_reason = reason  # type: ignore[attr-defined]
            instance.save()
    except IntegrityError as exc:
        for constraint, (field, message) in (integrity_errors or {}).items():
            if constraint in str(exc):
                raise ValidationError({field: message}) from exc
        raise
    return instance


def clinical_deactivate(instance: M, *, user: Any, expected_version: int | None = None) -> M:
    """Deactivate (never delete) a clinical record; the history keeps who and when."""
    instance.is_active = False
    return clinical_save(
        instance, user=user, expected_version=expected_version, reason="deactivated"
    )
