from django.apps import AppConfig


class CohortIoConfig(AppConfig):
    """Whole cohorts in and out as files: import (command and browser), demo generator."""

    name = "belimumab.cohort_io"
