"""`manage.py run_worker`: the task worker (django-tasks-db's `db_worker`) with a heartbeat.

Every option of `db_worker` applies (`--batch`, `--max-tasks`, `--interval`, ...). Beside it a
thread writes this worker's heartbeat and fails the tasks of workers found dead
(`belimumab.core.worker`); the health endpoint reports the worker from that heartbeat.
"""

from __future__ import annotations

import os
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from belimumab.core.worker import HeartbeatThread


class Command(db_worker.Command):
    help = "Run the background task worker (imports, reports), with its heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        if (
            options["reload"]
            and not options["batch"]
            and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        ):
            # --reload (the default in DEBUG): this process only restarts the real worker, a
            # child running this command again, which beats with its own id.
            super().handle(*args, **options)
            return
        beats = HeartbeatThread(options["worker_id"])
        beats.start()
        try:
            super().handle(*args, **options)
        finally:
            beats.stop()
