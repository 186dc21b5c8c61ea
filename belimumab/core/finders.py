"""Serve plotly.js from the installed plotly package, one file only (no CDN, nothing in git)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
STATIC_PATH = "vendor/plotly.min.js"


class PlotlyFinder(BaseFinder):
    """Expose `plotly/package_data/plotly.min.js` as `vendor/plotly.min.js`.

    Pointing STATICFILES_DIRS at package_data would also collect ~10 MB of unrelated files.
    """

    storage = FileSystemStorage(location=str(PLOTLY_JS.parent))

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path == STATIC_PATH:
            return [str(PLOTLY_JS)] if find_all else str(PLOTLY_JS)
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Any:
        storage = FileSystemStorage(location=str(PLOTLY_JS.parent))
        storage.prefix = "vendor"  # type: ignore[attr-defined]
        yield PLOTLY_JS.name, storage
