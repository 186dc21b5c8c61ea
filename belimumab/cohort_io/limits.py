"""How large a cohort import may be: read from `settings.COHORT_IMPORT_LIMITS` (defaults in
`belimumab.domain.defaults`, environment variables in docs/deploy.md), described in
docs/data-format.md "Limits".

Sizes are checked before reading (file sizes, the sizes and compression ratio a .zip or .xlsx
declares for its members); rows and cells are counted while the file streams, so that neither a
huge file nor a sheet declaring a huge dimension is ever held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

MB = 2**20
# A member smaller than this is never a bomb, whatever its ratio (an empty sheet's XML is
# compressed 5-20 times, a CSV of repeated values more).
RATIO_FLOOR_BYTES = 1 * MB


@dataclass(frozen=True)
class ImportLimits:
    file_bytes: int
    unpacked_bytes: int
    compression_ratio: int
    rows: int
    cells: int


def import_limits() -> ImportLimits:
    """The limits in force (read at each import, so that a test or a deployment may change
    them)."""
    values = settings.COHORT_IMPORT_LIMITS
    return ImportLimits(
        file_bytes=values["FILE_MB"] * MB,
        unpacked_bytes=values["UNPACKED_MB"] * MB,
        compression_ratio=values["COMPRESSION_RATIO"],
        rows=values["ROWS"],
        cells=values["CELLS"],
    )
