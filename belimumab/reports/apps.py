from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "belimumab.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The receiver of django-tasks' task_finished, also in a worker (which loads no view).
        from belimumab.reports import jobs  # noqa: F401
