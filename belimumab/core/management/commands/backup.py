from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from belimumab.core.backup import backup_write


class Command(BaseCommand):
    help = "Write a full logical backup (gzipped JSON) that `restore` reads on any database."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="file ending in .json.gz")

    def handle(self, *args, output: Path | None, **options):
        path = output or Path(f"backup-{timezone.now():%Y%m%d-%H%M%S}.json.gz")
        if not path.name.endswith(".json.gz"):
            path = path.with_name(path.name + ".json.gz")
        count = backup_write(path)
        self.stdout.write(f"{count} objects written to {path}")
