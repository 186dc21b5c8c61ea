"""Signals core sends so that the apps above it can react without core importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the restore's transaction, after the backup's rows are loaded: apps rebuild what
# the backup leaves out because it is derived (e.g. the pharmacy's course schedules).
backup_restored = Signal()
