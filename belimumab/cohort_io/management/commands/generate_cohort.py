"""`manage.py generate_cohort --patients N --seed S [--output DIR]`: a synthetic cohort."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from belimumab.cohort_io.generator import generate_cohort, write_csv_files
from belimumab.cohort_io.management.commands.import_cohort import TerminalProgress
from belimumab.cohort_io.readers import tables_from_rows
from belimumab.cohort_io.services import cohort_import


class Command(BaseCommand):
    help = (
        "Generate a synthetic, deterministic cohort (codes DEMO-0001..., invented names). With "
        "--output, write the import CSV files there; without it, import them directly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True, help="number of patients")
        parser.add_argument("--seed", type=int, required=True, help="random seed")
        parser.add_argument("--output", type=Path, help="folder for the CSV files")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="reference date (YYYY-MM-DD): nothing is dated after it (default: today)",
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=730,
            help="courses start between this many days and 14 days before --today (default 730)",
        )
        parser.add_argument("--prefix", default="DEMO", help="patient code prefix (default DEMO)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patients"] < 0 or options["history_days"] < 14:
            raise CommandError("--patients must be >= 0 and --history-days >= 14")
        today = options["today"] or timezone.localdate()
        started = time.perf_counter()
        cohort = generate_cohort(
            patients=options["patients"],
            seed=options["seed"],
            today=today,
            history_days=options["history_days"],
            prefix=options["prefix"],
        )
        rows = sum(len(r) for _c, r in cohort.values())
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Generated {options['patients']} patients, {rows} rows in {elapsed:.1f} s."
        )
        if options["output"]:
            write_csv_files(cohort, options["output"])
            self.stdout.write(f"Wrote the CSV files to {options['output']}.")
            return
        bar = TerminalProgress(sys.stderr)
        try:
            result = cohort_import(source=tables_from_rows(cohort), today=today, progress=bar)
        finally:
            bar.close()
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(result.problems)} problem(s): nothing was imported.")
        for line in result.summary_lines():
            self.stdout.write(line)
