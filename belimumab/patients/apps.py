from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "belimumab.patients"
    verbose_name = _("Patients")

    def ready(self) -> None:
        from belimumab.patients.regimens import ensure_regimens

        post_migrate.connect(ensure_regimens, dispatch_uid="belimumab.patients.ensure_regimens")
