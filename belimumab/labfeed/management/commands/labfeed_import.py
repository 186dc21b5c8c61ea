"""`manage.py labfeed_import [PATH ...] [--sender NAME] [--keep]`: read HL7 ORU^R01 files.

With no PATH, the drop folder (BELIMUMAB_LABFEED_DROP). Each file is taken whole or not at all
and moved to processed/ or failed/ beside it; problems are printed as FILE:LINE: COLUMN: message
and the command ends with status 1 when a file was refused. docs/lab-feed.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from belimumab.labfeed import files, services


class Command(BaseCommand):
    help = "Read HL7 ORU^R01 files (or the drop folder) into the results to approve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="files or folders")
        parser.add_argument(
            "--sender",
            default=settings.LABFEED["FILE_SENDER"],
            help="the sender the files count under (message control ids are unique per sender)",
        )
        parser.add_argument(
            "--keep", action="store_true", help="leave the files where they are (no move)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["paths"] or [Path(settings.LABFEED["DROP_FOLDER"])]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        sender = services.sender_for_files(options["sender"])
        refused = 0
        for path in files.files_in(paths):
            result = files.file_read(path, sender=sender)
            if not options["keep"]:
                files.file_move(result)
            for problem in result.problems:
                self.stderr.write(problem)
            refused += bool(result.problems)
            if not result.problems:
                self.stdout.write(
                    f"{path}: {result.created} new, {result.corrected} corrected, "
                    f"{result.duplicates} already received"
                )
        if refused:
            raise CommandError(f"{refused} file(s) refused: nothing of them was written")
