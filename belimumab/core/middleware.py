"""Requests refused before any view runs (issue 13), so that no view can forget them.

- A method other than GET, HEAD or POST answers 405: every page of the application is a
  function view that reads GET and writes on POST, and treated PUT, DELETE or PATCH as a GET
  (200). Checked here rather than with `require_http_methods` on each view, so that a view added
  tomorrow is covered too (tests/test_access.py walks every URL with each of them).
- A NUL character in the path or a query parameter answers 400: PostgreSQL refuses NUL in text,
  so a search for `%00` (patient list, worklist, the admin's lookups) was a DataError and a 500.
  No keyboard types it and no stored text holds it (forms and imports refuse it), so nothing is
  lost. Raised as a `SuspiciousOperation`: Django logs it on `django.security.NulCharacter` and
  answers with templates/400.html, in the user's language. Forms refuse it in POSTed fields
  themselves (Django's `ProhibitNullCharactersValidator`), beside the field.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

ALLOWED_METHODS = ("GET", "HEAD", "POST")


class NulCharacter(SuspiciousOperation):
    """A NUL character in the request's path or query string."""


def _holds_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def request_guard_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """405 for a method no page accepts, 400 for a NUL character in the address."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        if _holds_nul(request):
            raise NulCharacter("NUL character in the path or the query string")
        return get_response(request)

    return middleware
