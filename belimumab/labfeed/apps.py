from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LabfeedConfig(AppConfig):
    name = "belimumab.labfeed"
    verbose_name = _("Laboratory results feed")

    def ready(self) -> None:
        # the LOINC mappings come back after a flush (tests) as the role groups do
        from belimumab.labfeed.seeding import after_migrate

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="labfeed.loinc_mappings")
