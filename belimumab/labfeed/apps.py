from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabfeedConfig(AppConfig):
    name = "belimumab.labfeed"
    verbose_name = _("Laboratory results feed")
