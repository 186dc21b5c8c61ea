"""HTML -> PDF with WeasyPrint, offline: the only resources a page may load are the
application's own static files, read from disk; any other address is refused.

The sheets link their stylesheet as `{% static ... %}` like every page. WeasyPrint resolves it
against `BASE_URL`, a reserved name (RFC 2606) that never reaches the network: `static_fetcher`
maps its `/static/` paths to the file the staticfiles finders (the sources) or `STATIC_ROOT`
(collected, with whitenoise's hashed names in production) hold.

WeasyPrint is imported when a PDF is made, not when the URLs load: it costs half a second at
the start of every process (servers, workers, every management command).
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join

BASE_URL = "https://sheets.invalid/"


def static_file(url: str) -> Path | None:
    """The file behind a static URL of `BASE_URL`, or None for any other address."""
    parts = urlsplit(url)
    prefix = urlsplit(urljoin(BASE_URL, settings.STATIC_URL)).path
    if (
        f"{parts.scheme}://{parts.netloc}/" != BASE_URL
        or parts.query
        or not parts.path.startswith(prefix)
    ):
        return None
    relative = unquote(parts.path[len(prefix) :])
    try:
        found = finders.find(relative)
        if not found and settings.STATIC_ROOT:
            found = safe_join(str(settings.STATIC_ROOT), relative)
    except SuspiciousFileOperation:  # ../ out of the static folders
        return None
    path = Path(found if isinstance(found, str) else "")
    return path if found and path.is_file() else None


@cache
def static_fetcher() -> Any:
    """WeasyPrint's URL fetcher serving `static_file` and refusing everything else (no
    network, no file:// address)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = static_file(url)
            if path is None:
                raise ValueError(f"Only the application's static files are read: {url}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return StaticFetcher


def html_to_pdf(html: str) -> bytes:
    """The PDF of a page rendered by Django (its `/static/` links resolved offline)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=static_fetcher()())
    return bytes(document.write_pdf())
