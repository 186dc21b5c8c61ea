"""What an import reports: its problems, its progress steps and its result."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """One problem of the files, printed as `FILE:LINE: COLUMN: message`.

    LINE is the CSV line (header = 1) or the worksheet row; problems of a whole file use line 1
    and column "-".
    """

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


@dataclass(frozen=True)
class Progress:
    """A step of a long import: `phase` ("read", "validate", "compare", "write"), rows done of
    `total`."""

    phase: str
    done: int
    total: int


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import found and did (or would do, for a dry run)."""

    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def summary_lines(self) -> list[str]:
        """One line per table: created / updated / unchanged (or what a dry run would do)."""
        lines = []
        for name, c in self.counts.items():
            if self.dry_run:
                text = _(
                    "%(table)s: %(created)d to create, %(updated)d to update, "
                    "%(unchanged)d unchanged"
                )
            else:
                text = _(
                    "%(table)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged"
                )
            lines.append(
                text
                % {
                    "table": name,
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                }
            )
        return lines
