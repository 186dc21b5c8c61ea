from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from belimumab.core.backup import backup_restore


class Command(BaseCommand):
    help = "Replace the whole database content with a backup written by `backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="confirm that the current content is replaced"
        )

    def handle(self, *args: Any, path: Path, yes: bool, **options: Any) -> None:
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        if not yes:
            raise CommandError("Restoring replaces every row of the database: add --yes.")
        try:
            backup_restore(path)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored from {path}")
