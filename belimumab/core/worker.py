"""The task worker's heartbeat, the health check that reads it, and the tasks of dead workers.

`manage.py run_worker` is django-tasks-db's `db_worker` plus a thread that writes this
process's `WorkerHeartbeat` every `WORKER_HEARTBEAT_SECONDS` (idle or busy: a long import still
beats) and, at the same pace, fails the tasks left "running" by a worker silent for
`WORKER_STALE_SECONDS` (killed, out of memory, its machine gone). Such a task is failed, not
retried: an import is one transaction, so a killed worker wrote nothing, but a file that
killed one worker may kill the next; the user sees the failure and runs it again. The library
sends `task_finished` for it, so the application that owns the task updates its own record.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from belimumab.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker running this task stopped (killed or crashed) before it finished."""


def uses_worker() -> bool:
    """True when tasks wait for a worker (the database backend), False when they run in the
    request that enqueues them (the immediate backend of a developer's machine)."""
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db.")


def heartbeat(worker_id: str) -> None:
    """Record that `worker_id` is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:64], defaults={"seen_at": timezone.now()}
    )


def worker_seen_recently() -> bool:
    """The health check "task_worker": a worker beat within WORKER_STALE_SECONDS (always true
    when tasks run in the request: there is no worker to wait for)."""
    if not uses_worker():
        return True
    since = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()


def fail_abandoned_tasks() -> int:
    """Fail the running tasks whose worker has been silent too long; how many.

    The worker of a task is the last of its `worker_ids` (a retried task lists every worker that
    claimed it). Each failed task sends `task_finished`, as the worker would have.
    """
    since = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=since).values_list("worker_id", flat=True)
    )
    failed = 0
    for row in DBTaskResult.objects.running():
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        # Started before the stale limit: a worker that just claimed it has beaten since.
        if row.started_at is not None and row.started_at >= since:
            continue
        row.set_failed(WorkerLost(f"worker {row.worker_ids[-1:]} stopped"))
        logger.warning("task %s failed: its worker stopped", row.id)
        task_finished.send(sender=type(row.task.get_backend()), task_result=row.task_result)
        failed += 1
    return failed


def _beat(worker_id: str) -> None:
    try:
        heartbeat(worker_id)
        fail_abandoned_tasks()
    except Exception:  # a busy SQLite file or a lost connection: beat again next time
        logger.exception("task worker heartbeat failed")
    finally:
        close_old_connections()


class HeartbeatThread(threading.Thread):
    """Beats every WORKER_HEARTBEAT_SECONDS until stopped; its own database connection."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                _beat(self.worker_id)
                self.stopped.wait(settings.WORKER_HEARTBEAT_SECONDS)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join()
