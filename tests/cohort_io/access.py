"""Who may open the cohort_io app's pages (tests/test_access.py checks every rule)."""

from tests.access_spec import ADMINISTRATOR, Rule

RULES = [
    # Cohort import: administrators only (patients.import_cohort), GET the form, POST files.
    Rule("cohort_io:import", get=frozenset({ADMINISTRATOR}), post=frozenset({ADMINISTRATOR})),
]
