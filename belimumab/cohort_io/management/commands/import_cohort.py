"""`manage.py import_cohort PATH [--dry-run]`: import a cohort, all or nothing.

Format: docs/data-format.md.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from belimumab.cohort_io.results import Progress
from belimumab.cohort_io.services import cohort_import

PHASES = {
    "read": "reading",
    "validate": "checking",
    "compare": "comparing",
    "write": "writing",
}


class TerminalProgress:
    """A one-line progress bar on a terminal (nothing when the stream is not a terminal)."""

    width = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.last: tuple[str, int] | None = None

    def __call__(self, step: Progress) -> None:
        if not self.enabled:
            return
        percent = 100 * step.done // step.total if step.total else 100
        if (step.phase, percent) == self.last:
            return
        self.last = (step.phase, percent)
        filled = self.width * percent // 100
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{PHASES.get(step.phase, step.phase):<10} [{bar}] {percent:3d}%")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.last is not None:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import a cohort from a folder of CSV files, a .zip of them or an .xlsx workbook "
        "(docs/data-format.md). All or nothing: on any problem, every problem is printed as "
        "FILE:LINE: COLUMN: message and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="folder of CSV files, .zip of CSV files or .xlsx workbook")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--user", help="username recorded in the audit history (default: none, 'import')"
        )
        parser.add_argument(
            "--shift-to-today",
            action="store_true",
            help="move every date so that the files' latest care date is today (demo data)",
        )
        parser.add_argument(
            "--today", type=date.fromisoformat, help="today's date (YYYY-MM-DD), default: today"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"unknown user {options['user']!r}") from exc
        bar = TerminalProgress(sys.stderr)
        try:
            result = cohort_import(
                source=options["path"],
                user=user,
                dry_run=options["dry_run"],
                today=options["today"],
                shift_to_today=options["shift_to_today"],
                progress=bar,
            )
        finally:
            bar.close()
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(result.problems)} problem(s): nothing was imported.", returncode=1
            )
        for line in result.summary_lines():
            self.stdout.write(line)
        if result.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported: {result.changes} row(s) written."))
