"""The admin's user and group pages name the four roles in the user's language.

A group's stored name stays its code (sync_roles finds groups by it); only what is shown changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import ManyToManyField
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from belimumab.accounts.roles import role_label


class RoleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return role_label(obj.name)


admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    list_display = ("role", "name")

    @admin.display(description=_("role"), ordering="name")
    def role(self, group: Group) -> str:
        return role_label(group.name)


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)
