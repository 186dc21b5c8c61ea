"""`manage.py cohort_report --format json|csv|csv_fr|xlsx|html [--output FILE]`: the cohort report.

The same pipeline and numbers as the dashboard (`selectors.cohort_report`), with the same
filters and the data cut-off `--as-of` (default today, local date). `--dataset` writes the
long analysis dataset (one row per patient and time point, for R) instead of the report. HTML
is one self-contained file (styles and plotly.js inlined).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import plotly.io as pio
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from belimumab.patients.models import Indication, Route
from belimumab.reports import exports, selectors
from belimumab.reports.presenters import present


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Write the cohort report (or, with --dataset, the analysis dataset) of the cohort."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=["json", "csv", "csv_fr", "xlsx", "html"],
            default="json",
            help="csv_fr: for a French spreadsheet (semicolons, decimal comma, dd/mm/yyyy, BOM); "
            "xlsx: the report as one sheet per table",
        )
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument(
            "--dataset",
            action="store_true",
            help="the long analysis dataset instead of the report (json, csv, csv_fr or xlsx)",
        )
        parser.add_argument("--from", dest="start_from", help="initiated on or after (YYYY-MM-DD)")
        parser.add_argument("--to", dest="start_to", help="initiated on or before (YYYY-MM-DD)")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="data cut-off (YYYY-MM-DD, default today): what is dated later is ignored",
        )
        parser.add_argument("--route", choices=Route.values, default="")
        parser.add_argument("--indication", choices=Indication.values, default="")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help="language of the HTML report and of the XLSX tables' headers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = options["format"]
        if options["dataset"] and fmt == "html":
            raise CommandError("the dataset is written as json, csv, csv_fr or xlsx")
        filters = selectors.CohortFilters(
            start_from=_date(options["start_from"]) if options["start_from"] else None,
            start_to=_date(options["start_to"]) if options["start_to"] else None,
            route=options["route"],
            indication=options["indication"],
        )
        as_of = _date(options["as_of"]) if options["as_of"] else timezone.localdate()
        if as_of > timezone.localdate():
            raise CommandError(f"the cut-off date is after today: {as_of.isoformat()}")
        ds, report = selectors.cohort_report(filters, as_of)
        with translation.override(options["language"]):  # the XLSX headers too
            if fmt == "html":
                data = self.html(ds, report, options["language"])
            else:
                data = exports.export_bytes(
                    "dataset" if options["dataset"] else "report", fmt, ds, report
                )
        if options["output"]:
            Path(options["output"]).write_bytes(data)
            self.stderr.write(f"Written: {options['output']} ({len(data)} bytes)")
        elif fmt == "xlsx" and sys.stdout.isatty():
            raise CommandError("an XLSX file goes to a file: give --output FILE")
        else:
            self.stdout.flush()
            out = getattr(self.stdout, "_out", sys.stdout)
            if hasattr(out, "buffer"):
                out.buffer.write(data)
                out.buffer.flush()
            else:
                out.write(data.decode("utf-8") if fmt != "xlsx" else data.hex())

    @staticmethod
    def html(ds: Any, report: dict[str, Any], language: str) -> bytes:
        first = {"done": False}

        def embed(fig: Any, height: int) -> str:
            # plotly.js once, inline, so that the file works offline and alone.
            include = not first["done"]
            first["done"] = True
            # plotly's own HTML of our figure (the data is JSON-encoded by plotly); the figure
            # is already the spec plotly would validate (belimumab.reports.charts)
            return mark_safe(
                pio.to_html(
                    fig,
                    full_html=False,
                    include_plotlyjs=include,
                    default_height=height,
                    config={"displaylogo": False, "responsive": True},
                    validate=False,
                )
            )

        def read(path: str) -> str:
            found = finders.find(path)
            return Path(found).read_text(encoding="utf-8") if found else ""

        return render_to_string(
            "reports/report_standalone.html",
            {
                "report": report,
                **present(ds, report, embed=embed),
                "language": language,
                "bootstrap_css": read("bootstrap/css/bootstrap.min.css"),
                "project_css": read("css/belimumab.css"),
            },
        ).encode("utf-8")
