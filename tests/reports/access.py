"""Who may open the reports app's pages (tests/test_access.py checks every rule)."""

from belimumab.reports.models import ReportJob
from tests.access_spec import ADMINISTRATOR, DEPARTMENT_HEAD, Rule

COHORT_REPORT = frozenset({DEPARTMENT_HEAD, ADMINISTRATOR})  # patients.view_cohort_report


def _job(world):
    """A finished export of the administrator. The department head holds the permission but
    does not own it: 404 (its existence not revealed), hence 404 among the statuses allowed
    here; tests/reports/test_export_jobs.py checks owner 200 / other holder 404 exactly."""
    job = ReportJob.objects.create(
        owner=world.users[ADMINISTRATOR], kind="report", fmt="json", state="done", content=b"{}"
    )
    return {"job_id": job.pk}


RULES = [
    # Cohort dashboard and exports: department heads and administrators, GET only.
    Rule("reports:dashboard", get=COHORT_REPORT),
    Rule(
        "reports:export", get=COHORT_REPORT, kwargs=lambda world: {"kind": "report", "fmt": "json"}
    ),
    Rule(
        "reports:export",
        get=COHORT_REPORT,
        kwargs=lambda world: {"kind": "dataset", "fmt": "csv"},
        query="?route=iv",
    ),
    # An export job: its owner (tests/reports/test_export_jobs.py: others get 404).
    Rule("reports:export_job", get=COHORT_REPORT, kwargs=_job, ok_status=(200, 404)),
    Rule("reports:export_job_status", get=COHORT_REPORT, kwargs=_job, ok_status=(200, 404)),
    Rule("reports:export_download", get=COHORT_REPORT, kwargs=_job, ok_status=(200, 404)),
]
