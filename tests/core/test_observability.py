"""The request id and the access log line, and the health endpoint the load balancer polls."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from belimumab.core import observability
from belimumab.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def access_lines():
    """The access log as the production configuration writes it: JSON, one object per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(observability.RequestIdFilter())
    formatter = settings.LOGGING["formatters"]["json"]
    handler.setFormatter(
        logging.config.DictConfigurator({}).configure_custom(dict(formatter))  # type: ignore[attr-defined]
    )
    logger = logging.getLogger("belimumab.request")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_every_response_carries_a_fresh_request_id(client_for):
    first = client_for("pharmacist").get(reverse("pharmacy:worklist"))
    second = client_for(None).get(reverse("login"))
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_proxy_id_is_reused_only_when_trusted(client_for, settings):
    client = client_for("clinician")
    url = reverse("health")
    assert client.get(url, HTTP_X_REQUEST_ID="lb-12345678")["X-Request-ID"] != "lb-12345678"
    settings.TRUST_REQUEST_ID_HEADER = True
    assert client.get(url, HTTP_X_REQUEST_ID="lb-12345678")["X-Request-ID"] == "lb-12345678"
    # a forged id that would split a log line is replaced, even from a trusted proxy
    forged = client.get(url, HTTP_X_REQUEST_ID="x\nlevel=ERROR")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_one_json_access_line_per_request_without_the_query_string(client_for, users, access_lines):
    response = client_for("pharmacist").get(reverse("pharmacy:worklist"), {"q": "PAT-001"})
    (line,) = access_lines()
    assert line["request_id"] == response["X-Request-ID"]
    assert line["logger"] == "belimumab.request" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/pharmacy/", 200)
    assert line["user_id"] == users["pharmacist"].pk and line["duration_ms"] > 0
    assert "PAT-001" not in json.dumps(line)  # a patient code in ?q= stays out of the logs


def test_health_answers_anonymous_callers_without_detail(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        # the tests' tasks run in the request (immediate backend): no worker to wait for
        "checks": {"database": "ok", "migrations": "ok", "task_worker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_is_unavailable_with_a_migration_not_applied(client, monkeypatch):
    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [("pending", False)]
    )
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "failed",
        "task_worker": "ok",
    }


def test_health_is_unavailable_without_the_database(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("connection refused to 10.0.0.5")

    monkeypatch.setattr(observability.connections[observability.DEFAULT_DB_ALIAS], "cursor", broken)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "failed", "migrations": "failed", "task_worker": "failed"},
    }
    assert b"10.0.0.5" not in response.content


@pytest.fixture
def database_tasks(settings):
    """Tasks wait for a worker (the production backend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _beat(seconds_ago: int) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=f"w{seconds_ago}", seen_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_health_without_a_worker_is_degraded_but_still_serves(client, database_tasks):
    """A stopped worker delays imports; the server still serves pages, so it stays in the load
    balancer (200) and the monitoring reads "degraded"."""
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "migrations": "ok", "task_worker": "failed"},
    }


def test_health_with_a_worker_silent_too_long_is_degraded(client, database_tasks, settings):
    settings.WORKER_STALE_SECONDS = 60
    _beat(61)
    assert client.get(reverse("health")).json()["checks"]["task_worker"] == "failed"


def test_health_with_a_recent_worker_is_ok(client, database_tasks):
    _beat(61)
    _beat(5)
    response = client.get(reverse("health"))
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "task_worker": "ok"},
    }
    assert b"w5" not in response.content  # no worker id, no time: no detail


def test_a_registered_check_that_raises_is_failed_without_detail(client, settings):
    settings.HEALTH_CHECKS = {"feed": "tests.core.test_observability.broken_check"}
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "feed": "failed"}
    assert b"10.0.0.7" not in response.content


def broken_check() -> bool:
    raise OperationalError("no route to 10.0.0.7")
