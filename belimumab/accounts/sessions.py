"""Idle expiry of sessions without a database write on every page.

`SESSION_SAVE_EVERY_REQUEST` pushes the expiry forward by saving the session at each request: a
transaction and an UPDATE of `django_session` (with its WAL flush on PostgreSQL) on every page a
pharmacist opens. This middleware saves it only when the last push is older than
`SESSION_REFRESH_SECONDS`: a session then expires between `SESSION_COOKIE_AGE - refresh` and
`SESSION_COOKIE_AGE` after the last request (29 to 30 minutes by default), never later.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# the session key holding when the expiry was last pushed forward (epoch seconds)
REFRESHED = "_belimumab_refreshed"


def session_refresh_middleware(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Marks the session modified (so SessionMiddleware saves it with a new expiry and cookie)
    when it was last pushed forward more than `SESSION_REFRESH_SECONDS` ago. Listed after
    SessionMiddleware: its response phase runs before the session is saved."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        session = request.session
        if session.is_empty():  # anonymous, or logged out by this request
            return response
        now = int(time.time())
        if now - int(session.get(REFRESHED, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED] = now
        return response

    return middleware
