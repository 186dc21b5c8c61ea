"""Operations: a request id on every log line and response, and the health endpoint.

The id comes from the `X-Request-ID` header when the deployment says a proxy sets it (the
proxy's id then joins its own logs to ours), else a new one; either way the response carries it
back, so a user's "it failed at 10:42" becomes one grep.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

request_id: ContextVar[str] = ContextVar("request_id", default="-")
access_log = logging.getLogger("belimumab.request")
# What a proxy may send: letters, digits and dashes, as uuids and most tracing ids are; anything
# else (a log-injection attempt, a newline) is replaced by our own id.
_PROXY_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def _incoming_id(request: HttpRequest) -> str:
    if getattr(settings, "TRUST_REQUEST_ID_HEADER", False):
        candidate = request.headers.get("X-Request-ID", "")
        if _PROXY_ID.fullmatch(candidate):
            return candidate
    return uuid.uuid4().hex


def request_id_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Tags the request with an id, logs one line per request (method, path, status, time,
    user id: never a query string, which may carry a patient code)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        token = request_id.set(_incoming_id(request))
        start = time.perf_counter()
        try:
            response = get_response(request)
            response["X-Request-ID"] = request_id.get()
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id.reset(token)

    return middleware


def _database_ok() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure is "not ready"; the log has the detail, the answer does not
        logging.getLogger(__name__).exception("health: database check failed")
        return False


def _migrations_applied() -> bool:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logging.getLogger(__name__).exception("health: migration check failed")
        return False


def _registered(name: str, path: str) -> bool:
    """One check of settings.HEALTH_CHECKS; an exception is a failure (logged, not shown)."""
    try:
        return bool(import_string(path)())
    except Exception:
        logging.getLogger(__name__).exception("health: check %s failed", name)
        return False


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer: 200 when this server can serve (database reachable, every
    migration applied), else 503. The checks of settings.HEALTH_CHECKS (a task worker seen
    recently) are reported too, but a failed one only makes the status "degraded" at 200: a
    stopped worker delays imports, it does not stop this server from serving pages, and taking
    every server out of the load balancer for it would. No detail beyond ok/failed: the
    endpoint is public."""
    checks = {"database": _database_ok()}
    checks["migrations"] = checks["database"] and _migrations_applied()
    ready = all(checks.values())
    for name, path in getattr(settings, "HEALTH_CHECKS", {}).items():
        checks[name] = checks["database"] and _registered(name, path)
    status = "unavailable" if not ready else "ok" if all(checks.values()) else "degraded"
    return JsonResponse(
        {
            "status": status,
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        },
        status=200 if ready else 503,
    )
