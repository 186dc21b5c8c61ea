"""Who may open the reports app's pages (tests/test_access.py checks every rule)."""

from tests.access_spec import ADMINISTRATOR, DEPARTMENT_HEAD, Rule

COHORT_REPORT = frozenset({DEPARTMENT_HEAD, ADMINISTRATOR})  # patients.view_cohort_report

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
]
