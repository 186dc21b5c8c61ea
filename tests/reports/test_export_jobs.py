"""Cohort exports as background tasks (issue 15): built at once in DEBUG (immediate backend),
else by the worker while the export's page waits; the file is its owner's only."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from belimumab.core.worker import fail_abandoned_tasks
from belimumab.reports import jobs
from belimumab.reports.models import ReportJob

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def head(client_for):
    client = client_for("department_head")
    client.cookies["django_language"] = "en"
    return client


def _export_url(kind="report", fmt="json") -> str:
    return reverse("reports:export", kwargs={"kind": kind, "fmt": fmt})


def test_in_the_request_the_file_comes_at_once(head, make_patient, users):
    make_patient(code="EXP01")
    response = head.get(_export_url(), {"route": "iv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="belimumab-cohort-report.json"'
    assert json.loads(response.content)["cohort"]["initiated"] == 1
    job = ReportJob.objects.get()
    assert (job.owner, job.state, job.query) == (users["department_head"], "done", "route=iv")


@pytest.mark.django_db(transaction=True)
def test_with_the_worker_the_page_waits_then_offers_the_file(head, make_patient, settings):
    settings.TASKS = DATABASE_BACKEND
    make_patient(code="EXP01")
    response = head.get(_export_url())
    job = ReportJob.objects.get()
    page_url = reverse("reports:export_job", kwargs={"job_id": job.pk})
    assert (response.status_code, response["Location"]) == (302, page_url)
    page = head.get(page_url).content.decode()
    assert "Waiting for the worker" in page and "js/job_status.js" in page
    status_url = reverse("reports:export_job_status", kwargs={"job_id": job.pk})
    assert head.get(status_url).json() == {
        "state": "queued", "finished": False, "phase": "", "percent": 0,
    }  # fmt: skip
    # asking again while it waits reuses the job
    assert head.get(_export_url())["Location"] == page_url
    assert (ReportJob.objects.count(), DBTaskResult.objects.count()) == (1, 1)

    call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    assert head.get(status_url).json()["finished"] is True
    page = head.get(page_url).content.decode()
    download = reverse("reports:export_download", kwargs={"job_id": job.pk})
    assert f'href="{download}"' in page and "The file is ready." in page
    response = head.get(download)
    assert json.loads(response.content)["cohort"]["initiated"] == 1


def test_the_status_endpoint_in_eight_queries(head, users, django_assert_num_queries):
    job = ReportJob.objects.create(owner=users["department_head"], kind="report", fmt="json")
    url = reverse("reports:export_job_status", kwargs={"job_id": job.pk})
    # session, user, the user's and the groups' permissions, the job's state, and the
    # session's expiry pushed forward (savepoint, update, release)
    with django_assert_num_queries(8):
        response = head.get(url)
    assert response.json()["state"] == "queued"


def test_an_export_is_its_owners_only(client_for, users):
    job = ReportJob.objects.create(
        owner=users["department_head"], kind="report", fmt="json", state="done", content=b"{}"
    )
    urls = [
        reverse(name, kwargs={"job_id": job.pk})
        for name in ("reports:export_job", "reports:export_job_status", "reports:export_download")
    ]
    owner, administrator = client_for("department_head"), client_for("administrator")
    assert [owner.get(url).status_code for url in urls] == [200, 200, 200]
    assert [administrator.get(url).status_code for url in urls] == [404, 404, 404]
    assert [client_for("clinician").get(url).status_code for url in urls] == [403, 403, 403]


def test_a_failed_export_says_so(head, users, monkeypatch):
    def broken(job):
        raise ValueError("boom")

    monkeypatch.setattr(jobs, "_build", broken)
    response = head.get(_export_url(), follow=True)
    page = response.content.decode()
    assert "The export failed (the log has the error): ask for it again." in page
    assert "boom" not in page
    assert ReportJob.objects.get().state == "failed"


def test_an_export_left_running_by_a_killed_worker_fails(head, settings):
    settings.TASKS = DATABASE_BACKEND
    head.get(_export_url())
    task = DBTaskResult.objects.get()
    task.claim("killed-worker")  # never beat: a worker gone before its first heartbeat
    long_ago = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS + 1)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=long_ago)
    ReportJob.objects.update(state="running")
    assert fail_abandoned_tasks() == 1
    job = ReportJob.objects.get()
    assert job.state == "failed"
    page = head.get(reverse("reports:export_job", kwargs={"job_id": job.pk})).content.decode()
    assert "The export failed (the log has the error): ask for it again." in page
