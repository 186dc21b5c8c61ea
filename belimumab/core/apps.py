from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "belimumab.core"
    verbose_name = "Core"
