from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentConfig(AppConfig):
    name = "belimumab.department"
    verbose_name = _("Department settings")

    def ready(self) -> None:
        from belimumab.department import signals  # noqa: F401  (connects the handlers)
