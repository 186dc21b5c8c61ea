"""An administrator imports a cohort from the browser while the task worker runs the job
(issue 15): the page waits for the worker, follows it (static/js/job_status.js polling the
JSON state) and opens on the report by itself, then the confirmed import likewise."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from belimumab.cohort_io.models import ImportJob
from belimumab.patients.models import Patient
from tests.cohort_io.test_import import base_files, csv_text

# serialized_rollback: each test starts from the migrated data (the role groups, the regimens)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _worker() -> None:
    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0",
        stdout=io.StringIO(),
    )  # fmt: skip


def test_the_job_page_follows_the_worker_to_the_report(
    page, live_server, login, users, settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    paths = []
    for name, rows in base_files().items():
        path = tmp_path / f"{name}.csv"
        path.write_text(csv_text(rows), encoding="utf-8")
        paths.append(str(path))
    login("administrator")
    page.goto(f"{live_server.url}/reports/import/")
    page.set_input_files("input[name=files]", paths)
    page.click("form[enctype] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/import/[0-9a-f-]{36}/$"))
    expect(page.locator("#job-state")).to_have_text("En attente du worker")

    _worker()  # the page's script sees the job finished and loads the page again
    expect(page.locator("#import-report")).to_contain_text(
        "Les fichiers sont corrects", timeout=10_000
    )
    assert Patient.objects.count() == 0
    page.click("#import-report button[type=submit]")  # Importer
    expect(page.locator("#job-state")).to_have_text("En attente du worker")

    _worker()
    expect(page.locator("#import-report")).to_contain_text(
        "La cohorte a été importée", timeout=10_000
    )
    assert Patient.objects.count() == 2
    assert ImportJob.objects.get().written
