"""Signals core sends so that the apps above it can react without core importing them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

# Sent inside the restore's transaction, after the backup's rows are loaded: apps rebuild what
# the backup leaves out because it is derived (e.g. the pharmacy's course schedules).
backup_restored = Signal()

_restoring: ContextVar[bool] = ContextVar("belimumab_restoring", default=False)


def restoring() -> bool:
    """True while a backup's rows are loaded: receivers that record new events (account
    changes) stay quiet, the rows being loaded are the history itself."""
    return _restoring.get()


@contextmanager
def restoring_backup() -> Iterator[None]:
    token = _restoring.set(True)
    try:
        yield
    finally:
        _restoring.reset(token)
