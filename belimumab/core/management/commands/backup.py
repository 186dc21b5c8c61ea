from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from belimumab.core.backup import backup_write


class Command(BaseCommand):
    help = "Write a full logical backup (gzipped JSON) that `restore` reads on any database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="file ending in .json.gz")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        path = output or Path(f"backup-{timezone.now():%Y%m%d-%H%M%S}.json.gz")
        if not path.name.endswith(".json.gz"):
            path = path.with_name(path.name + ".json.gz")
        count = backup_write(path)
        self.stdout.write(f"{count} objects written to {path}")
