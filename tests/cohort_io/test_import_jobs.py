"""Browser imports as background tasks (issue 15): the job enqueued, run by a real worker, its
page and polled state, a worker killed mid-way, who sees a job."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from belimumab.cohort_io.models import ImportChunk, ImportJob
from belimumab.core.models import WorkerHeartbeat
from belimumab.core.worker import fail_abandoned_tasks
from belimumab.patients.models import Patient
from tests.cohort_io.test_import import _uploads, base_files

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


@pytest.fixture(autouse=True)
def regimens(request):
    """The regimens of data migration 0002 (a transactional test's flush removes them)."""
    import importlib

    from django.apps import apps

    request.getfixturevalue("db")
    migration = importlib.import_module("belimumab.patients.migrations.0002_fill_regimens")
    migration.fill_regimens(apps, None)


@pytest.fixture
def admin(client_for):
    client = client_for("administrator")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def queued(settings):
    """Tasks wait in the database for a worker, as in production."""
    settings.TASKS = DATABASE_BACKEND


def _upload(client) -> ImportJob:
    response = client.post(reverse("cohort_io:import"), {"files": _uploads(base_files())})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cohort_io:job", kwargs={"job_id": job.pk})
    return job


def _worker() -> None:
    """`manage.py run_worker` in this process, until the queue is empty."""
    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0",
        stdout=io.StringIO(),
    )  # fmt: skip


def test_a_queued_job_waits_for_the_worker_and_its_page_says_so(admin, queued):
    job = _upload(admin)
    assert (job.state, job.dry_run, job.file_name, job.chunks.count()) == (
        "queued", True, "upload.zip", 1,
    )  # fmt: skip
    task = DBTaskResult.objects.get()
    assert (task.status, task.args_kwargs["args"], job.task_id) == (
        "READY",
        [str(job.pk)],
        str(task.id),
    )
    page = admin.get(reverse("cohort_io:job", kwargs={"job_id": job.pk})).content.decode()
    assert "Waiting for the worker" in page
    assert "The files are checked by the task worker" in page
    status_url = reverse("cohort_io:job_status", kwargs={"job_id": job.pk})
    assert f'data-status-url="{status_url}"' in page
    assert '<script src="/static/js/job_status.js"></script>' in page  # served, not inline
    assert f'href="{reverse("cohort_io:job", kwargs={"job_id": job.pk})}">Refresh</a>' in page
    assert Patient.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_then_imports_the_files(admin, users, queued):
    job = _upload(admin)
    _worker()
    job.refresh_from_db()
    assert (job.state, job.dry_run, job.percent, job.problems) == ("done", True, 100, [])
    assert job.counts["patients"] == [2, 0, 0] and job.counts["infusions"] == [4, 0, 0]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    page = admin.get(reverse("cohort_io:job", kwargs={"job_id": job.pk})).content.decode()
    assert "The files are correct. Nothing has been written yet." in page
    assert Patient.objects.count() == 0

    response = admin.post(reverse("cohort_io:job_confirm", kwargs={"job_id": job.pk}))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.dry_run) == ("queued", False)
    _worker()
    job.refresh_from_db()
    assert (job.state, job.written, job.chunks.count()) == ("done", True, 0)
    assert Patient.objects.count() == 2
    assert {h.history_user for h in Patient.history.all()} == {users["administrator"]}
    assert WorkerHeartbeat.objects.count() == 2  # one per worker run, each with its own id
    page = admin.get(reverse("cohort_io:job", kwargs={"job_id": job.pk})).content.decode()
    assert "The cohort was imported." in page


def test_a_job_left_running_by_a_killed_worker_is_failed_clearly(admin, queued, settings):
    job = _upload(admin)
    task = DBTaskResult.objects.get()
    task.claim("killed-worker")  # the worker took it, then died (no heartbeat since)
    ImportJob.objects.filter(pk=job.pk).update(state="running", phase="validate", percent=40)
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="killed-worker", seen_at=now - timedelta(seconds=30))
    assert fail_abandoned_tasks() == 0  # silent for 30 s only: it may still be working
    job.refresh_from_db()
    assert job.state == "running"

    WorkerHeartbeat.objects.filter(pk="killed-worker").update(seen_at=now - timedelta(seconds=61))
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=now - timedelta(seconds=61))
    assert fail_abandoned_tasks() == 1
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.problems == [
        ["-", 1, "-", "the worker stopped while these files were processed; nothing was "
         "written: upload them again"],
    ]  # fmt: skip
    assert ImportChunk.objects.count() == 0
    assert DBTaskResult.objects.get().status == "FAILED"
    page = admin.get(reverse("cohort_io:job", kwargs={"job_id": job.pk})).content.decode()
    assert "1 problem: nothing was imported." in page
    assert "-:1: -: the worker stopped while these files were processed" in page
    assert fail_abandoned_tasks() == 0  # once


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_survives_a_worker_restart(admin, queued):
    """A task no worker has claimed is a row: the next worker to start runs it."""
    job = _upload(admin)
    assert fail_abandoned_tasks() == 0
    _worker()
    job.refresh_from_db()
    assert job.state == "done"


def test_the_status_endpoint_reports_progress_in_five_queries(
    admin, queued, django_assert_num_queries
):
    job = _upload(admin)
    ImportJob.objects.filter(pk=job.pk).update(state="running", phase="validate", percent=40)
    url = reverse("cohort_io:job_status", kwargs={"job_id": job.pk})
    # session, user, the user's and the groups' permissions (patients.import_cohort; the
    # administrators' view_importjob then comes from the same cache) and the job; the upload
    # pushed the session's expiry forward already, the polling does not (accounts/sessions.py)
    with django_assert_num_queries(5):
        response = admin.get(url)
    assert response.json() == {
        "state": "running", "finished": False, "phase": "Checking every row", "percent": 40,
    }  # fmt: skip
    assert "no-cache" in response["Cache-Control"]


def test_the_job_page_while_running_in_five_queries(admin, queued, django_assert_num_queries):
    job = _upload(admin)
    ImportJob.objects.filter(pk=job.pk).update(state="running", phase="compare", percent=100)
    url = reverse("cohort_io:job", kwargs={"job_id": job.pk})
    # the same five as the status endpoint: the page reads nothing more while the job runs
    with django_assert_num_queries(5):
        page = admin.get(url).content.decode()
    assert "Running · <span" in page and "Comparing with the database" in page
    assert 'style="width: 100%">100%</div>' in page


def test_a_finished_job_shows_its_problems(admin):
    files = base_files()
    files["visits"][1][1] = "2026-13-05"
    response = admin.post(reverse("cohort_io:import"), {"files": _uploads(files)}, follow=True)
    page = response.content.decode()
    assert "1 problem: nothing was imported." in page
    assert "visits.csv:2: date: &#x27;2026-13-05&#x27; is not a date" in page
    assert "job_status.js" not in page  # finished: nothing to poll
    job = ImportJob.objects.get()
    status = admin.get(reverse("cohort_io:job_status", kwargs={"job_id": job.pk})).json()
    assert status == {"state": "done", "finished": True, "phase": "", "percent": 100}


def test_only_the_owner_and_administrators_see_a_job(admin, make_user, client_for, queued):
    job = _upload(admin)
    urls = [
        reverse("cohort_io:job", kwargs={"job_id": job.pk}),
        reverse("cohort_io:job_status", kwargs={"job_id": job.pk}),
    ]
    confirm = reverse("cohort_io:job_confirm", kwargs={"job_id": job.pk})
    # another administrator: every administrator sees the department's imports
    other_admin = make_user("admin2", "administrator")
    client = client_for(None)
    client.force_login(other_admin)
    assert [client.get(url).status_code for url in urls] == [200, 200]
    # an importer who is not an administrator sees their own jobs only: 404, not 403, so that
    # a job's existence is not revealed
    importers = Group.objects.create(name="importers")
    importers.permissions.add(Permission.objects.get(codename="import_cohort"))
    importer = make_user("importer")
    importer.groups.add(importers)
    client.force_login(importer)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert client.post(confirm).status_code == 404
    # the other roles: no import at all
    for role in ("pharmacist", "clinician", "department_head"):
        assert [client_for(role).get(url).status_code for url in urls] == [403, 403]
    assert client_for(None).get(urls[1]).status_code == 302  # to the login page
    assert ImportJob.objects.get().state == "queued"


def test_a_job_id_that_does_not_exist_is_404(admin):
    url = reverse("cohort_io:job", kwargs={"job_id": "00000000-0000-0000-0000-000000000000"})
    assert admin.get(url).status_code == 404


def test_an_upload_left_unconfirmed_for_a_day_expires(admin):
    job, _page = _dry_run(admin)
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(days=1, seconds=1)
    )
    files = base_files()
    files["visits"][1][1] = "2026-13-05"  # the next upload (refused: removed at once too)
    admin.post(reverse("cohort_io:import"), {"files": _uploads(files)})
    job.refresh_from_db()
    assert (job.size, ImportChunk.objects.count()) == (0, 0)
    response = admin.post(reverse("cohort_io:job_confirm", kwargs={"job_id": job.pk}))
    assert "already imported or have expired" in response.content.decode()
    assert Patient.objects.count() == 0


def _dry_run(client) -> tuple[ImportJob, str]:
    response = client.post(
        reverse("cohort_io:import"), {"files": _uploads(base_files())}, follow=True
    )
    job = ImportJob.objects.get()
    assert (job.state, job.size > 0, job.chunks.count()) == ("done", True, 1)
    return job, response.content.decode()
