"""`manage.py load_demo`: demo accounts + the demo and study cohorts (used by `make run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from belimumab.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_users_create
from belimumab.cohort_io.services import cohort_import
from belimumab.core.services import clinical_save
from belimumab.labfeed.files import file_read
from belimumab.labfeed.services import sender_for_files
from belimumab.patients.models import Patient
from belimumab.stock.demo import demo_lots_receive

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# The laboratory's sample messages (fixtures/hl7), received for a demo patient so that the
# clinicians' list of results to approve is not empty: the panel, then its correction, a
# Crithidia titre (a code no mapping knows yet) and a patient the application does not know.
LAB_SAMPLES = (
    "oru_r01_lupus_panel.hl7",
    "oru_r01_correction.hl7",
    "oru_r01_crithidia.hl7",
    "oru_r01_unknown_patient.hl7",
)
LAB_PATIENT = ("DEMO-0003", "800123")  # the hospital identifier the samples carry


class Command(BaseCommand):
    help = (
        "Create the demo accounts and import fixtures/demo (dates moved so that the worklist is "
        "current) and fixtures/study (the published cohort), once. DEBUG only."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("load_demo only runs when DJANGO_DEBUG is true.")
        users = {user.username: user for user in demo_users_create()}
        self.stdout.write(
            f"Demo accounts ({DEMO_PASSWORD}): " + ", ".join(u[0] for u in DEMO_USERS)
        )
        lots = demo_lots_receive(
            today=timezone.localdate(),
            receiver=users["pharmacien"],
            checker=users["pharmacienne"],
        )
        if lots:
            self.stdout.write(f"Stock: {lots} demonstration lots received.")
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
        self._lab_samples()

    def _lab_samples(self) -> None:
        code, hospital_id = LAB_PATIENT
        patient = Patient.objects.get(code=code)
        patient.hospital_id = hospital_id
        clinical_save(patient, reason="demo: the laboratory's identifier")
        sender = sender_for_files("demo-laboratory")
        for name in LAB_SAMPLES:
            result = file_read(FIXTURES / "hl7" / name, sender=sender)
            if result.problems:
                raise CommandError("\n".join(result.problems))
        self.stdout.write(f"fixtures/hl7: {len(LAB_SAMPLES)} laboratory messages received.")
