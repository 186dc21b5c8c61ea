from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test.utils import get_runner, setup_test_environment
from django.utils import timezone

from belimumab.benchmarks import bench


class Command(BaseCommand):
    help = "Benchmark the main pages on cohorts of growing size (writes docs/benchmarks.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", default="100,1000,10000")
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument(
            "--output", type=Path, default=Path(settings.BASE_DIR) / "docs/benchmarks.md"
        )

    def handle(self, *args: Any, sizes: str, runs: int, output: Path, **options: Any) -> None:
        engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        measures = []
        # DEBUG off as in production (and as in tests): no SQL log growing during the import
        setup_test_environment(debug=False)
        with bench.temporary_folder() as work:
            for size in [int(s) for s in sizes.split(",")]:
                if connection.vendor == "sqlite":
                    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
                        Path(work) / f"bench-{size}.sqlite3"
                    )
                runner = get_runner(settings)(verbosity=0, interactive=False)
                old = runner.setup_databases()
                try:
                    self.stdout.write(f"{engine}: {size} patients...")
                    results = bench.run_size(engine, size, runs, Path(work))
                    measures.extend(results)
                    self.stdout.write(bench.markdown(results, engine))
                finally:
                    runner.teardown_databases(old)
        header = f"Run on {timezone.now():%Y-%m-%d} on {bench.machine()}."
        bench.write_report(output, engine, bench.markdown(measures, engine), header)
        self.stdout.write(f"written to {output}")
