"""`manage.py load_demo`: demo accounts + the demo and study cohorts (used by `make run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from belimumab.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_users_create
from belimumab.cohort_io.services import cohort_import
from belimumab.patients.models import Patient

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = (
        "Create the demo accounts and import fixtures/demo (dates moved so that the worklist is "
        "current) and fixtures/study (the published cohort), once. DEBUG only."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("load_demo only runs when DJANGO_DEBUG is true.")
        demo_users_create()
        self.stdout.write(
            f"Demo accounts ({DEMO_PASSWORD}): " + ", ".join(u[0] for u in DEMO_USERS)
        )
        if Patient.objects.exists():
            self.stdout.write("Patients already present: cohorts not imported again.")
            return
        for folder, shift in (("demo", True), ("study", False)):
            result = cohort_import(source=FIXTURES / folder, shift_to_today=shift)
            if result.problems:
                for problem in result.problems:
                    self.stderr.write(str(problem))
                raise CommandError(f"fixtures/{folder} could not be imported.")
            self.stdout.write(f"fixtures/{folder}: {result.changes} rows imported.")
