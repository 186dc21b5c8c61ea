from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicalConfig(AppConfig):
    name = "belimumab.clinical"
    verbose_name = _("Clinical follow-up")
