from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "belimumab.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from belimumab.accounts import events, passwords
        from belimumab.accounts.roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="belimumab.accounts.sync_roles")
        events.connect()
        passwords.connect()
