"""`make bench` still runs end to end: every measured step (generate, import, pages, infusion
POSTs, the PDF of 40 sheets, dashboard, report) on a small cohort. A form rule added later (a
confirmation the bench did not send) once made every infusion POST refused and the whole bench
fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_bench_runs_every_step_on_a_small_cohort(tmp_path):
    output = tmp_path / "bench.md"
    # its own SQLite file whatever the suite runs on: the bench creates and drops its test
    # database, which must never be the one this suite is using
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}"}
    env["DJANGO_ACCESS_LOG"] = "WARNING"
    done = subprocess.run(
        [sys.executable, "manage.py", "bench", "--sizes", "30", "--runs", "2", "--output", output],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = output.read_text()
    for step in (
        "import_cohort",
        "worklist",
        "timeline",
        "infusion POST",
        "planning",
        "stock",
        "lot traceability",
        "PDF of 40 sheets",
        "dashboard",
    ):
        assert f"| 30 | {step}" in table
