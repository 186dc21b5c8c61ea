"""Users and groups in the Django admin are for superusers only.

An administrator (the role) has the `auth.*_user` permissions for the application's own account
pages, which keep to the four roles; Django's UserAdmin would let the same permissions grant
superuser status, permissions and group edits, and set anyone's password. Here a superuser
still manages users and groups, but nobody sets another person's password: they issue a
temporary one or send a reset link from the accounts page.

The group list and the user page's group choices name the four roles in the user's language;
a group's stored name stays its code (sync_roles finds groups by it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import ManyToManyField
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from belimumab.accounts.forms import ROLE_LABELS


def role_label(group_name: str) -> str:
    """A role's name in the user's language; a group a hospital added is shown as named."""
    return str(ROLE_LABELS.get(group_name, group_name))


class RoleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return role_label(obj.name)


class _SuperusersOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted (the audit log points at them)


class SuperuserUserAdmin(_SuperusersOnly, UserAdmin):
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if str(request.user.pk) != str(id):
            raise PermissionDenied  # another person's password: temporary password or reset
        return super().user_change_password(request, id, form_url)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SuperuserGroupAdmin(_SuperusersOnly, GroupAdmin):
    list_display = ("role", "name")

    @admin.display(description=_("role"), ordering="name")
    def role(self, group: Group) -> str:
        return role_label(group.name)


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, SuperuserUserAdmin)
admin.site.register(Group, SuperuserGroupAdmin)
