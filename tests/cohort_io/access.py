"""Who may open the cohort_io app's pages (tests/test_access.py checks every rule)."""

from belimumab.cohort_io.models import ImportJob
from tests.access_spec import ADMINISTRATOR, Rule


def _job(world):
    """An import job of the administrator (who sees it; the other roles import nothing)."""
    job = ImportJob.objects.create(owner=world.users[ADMINISTRATOR], file_name="upload.zip")
    return {"job_id": job.pk}


RULES = [
    # Cohort import: administrators only (patients.import_cohort), GET the form, POST files.
    Rule("cohort_io:import", get=frozenset({ADMINISTRATOR}), post=frozenset({ADMINISTRATOR})),
    # An import job: its owner and administrators (tests/cohort_io/test_import_jobs.py checks
    # that an importer who is neither gets 404).
    Rule("cohort_io:job", get=frozenset({ADMINISTRATOR}), kwargs=_job),
    Rule("cohort_io:job_status", get=frozenset({ADMINISTRATOR}), kwargs=_job),
    Rule("cohort_io:job_confirm", post=frozenset({ADMINISTRATOR}), kwargs=_job),
]
