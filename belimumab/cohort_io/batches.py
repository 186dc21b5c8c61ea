"""Sizes of the importer's batches: query parameters and rows written per step."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Parameters per query when filtering on a list (below SQLite's historical limit of 999).
QUERY_CHUNK = 900
# Rows written per bulk call (a progress step).
WRITE_CHUNK = 5000


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in slices of `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
