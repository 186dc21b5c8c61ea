from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PharmacyConfig(AppConfig):
    name = "belimumab.pharmacy"
    verbose_name = _("Pharmacy")

    def ready(self) -> None:
        from belimumab.pharmacy import schedules  # noqa: F401  (connects the signals)
