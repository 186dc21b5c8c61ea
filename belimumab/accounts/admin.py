"""Users and groups in the Django admin are for superusers only.

An administrator (the role) has the `auth.*_user` permissions for the application's own account
pages, which keep to the four roles; Django's UserAdmin would let the same permissions grant
superuser status, permissions and group edits, and set anyone's password. Here a superuser
still manages users and groups, but nobody sets another person's password: they issue a
temporary one or send a reset link from the accounts page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


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


class SuperuserGroupAdmin(_SuperusersOnly, GroupAdmin):
    pass


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, SuperuserUserAdmin)
admin.site.register(Group, SuperuserGroupAdmin)
