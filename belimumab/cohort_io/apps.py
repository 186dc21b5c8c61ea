from django.apps import AppConfig


class CohortIoConfig(AppConfig):
    """Whole cohorts in and out as files: import (command and browser), demo generator."""

    name = "belimumab.cohort_io"

    def ready(self) -> None:
        # The receiver of django-tasks' task_finished (a job whose worker died), also in a
        # worker process, which loads no URL and so no view.
        from belimumab.cohort_io import jobs  # noqa: F401
