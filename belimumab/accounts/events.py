"""Every change of an account, a role or a group's permissions becomes an `AccountEvent`.

Signals rather than calls in our services: the Django admin (superusers), `createsuperuser`,
the password views and our own pages all save users the same way, and none of them can skip the
log. The actor is the user a service names (`instance._audit_actor`), else the request's user
(django-simple-history's middleware keeps the request), else nobody (a command: "system").
A password change is recorded as an event whose kind the caller names
(`instance._password_event`); the hash itself is never copied anywhere.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db.models.signals import m2m_changed, post_save, pre_save
from simple_history.models import HistoricalRecords

from belimumab.accounts.models import AccountAction, AccountEvent
from belimumab.core.signals import restoring

TRACKED = ("username", "first_name", "last_name", "email", "is_staff")
_FLAGS = {
    "is_active": (AccountAction.REACTIVATED, AccountAction.DEACTIVATED),
    "is_superuser": (AccountAction.SUPERUSER_GRANTED, AccountAction.SUPERUSER_REVOKED),
}


def _actor(instance: Any = None) -> User | None:
    explicit = getattr(instance, "_audit_actor", None)
    if explicit is not None:
        return explicit
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def event_record(
    action: str, *, user: User | None, actor: User | None, detail: dict[str, Any] | None = None
) -> AccountEvent:
    return AccountEvent.objects.create(action=action, user=user, actor=actor, detail=detail or {})


def _user_pre_save(sender: Any, instance: User, raw: bool = False, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if raw or instance.pk is None or (update_fields and set(update_fields) == {"last_login"}):
        return  # a login only stamps last_login: nothing an auditor needs twice (axes logs it)
    fields = (*TRACKED, *_FLAGS, "password")
    instance._audit_before = (  # type: ignore[attr-defined]
        User.objects.filter(pk=instance.pk).values(*fields).first()
    )


def _user_post_save(
    sender: Any, instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    actor = _actor(instance)
    if created:
        detail = {field: getattr(instance, field) for field in TRACKED}
        event_record(AccountAction.CREATED, user=instance, actor=actor, detail=detail)
        return
    before = instance.__dict__.pop("_audit_before", None)
    if before is None:
        return
    changes = [
        [field, before[field], getattr(instance, field)]
        for field in TRACKED
        if before[field] != getattr(instance, field)
    ]
    if changes:
        event_record(AccountAction.CHANGED, user=instance, actor=actor, detail={"changes": changes})
    for field, (granted, revoked) in _FLAGS.items():
        if before[field] != getattr(instance, field):
            action = granted if getattr(instance, field) else revoked
            event_record(action, user=instance, actor=actor)
    if before["password"] != instance.password:
        action = getattr(instance, "_password_event", AccountAction.PASSWORD_SET)
        event_record(action, user=instance, actor=actor)


def _names(model: type[Any], pk_set: set[int] | None) -> list[str]:
    if model is Permission:
        found = Permission.objects.filter(pk__in=pk_set or ()).select_related("content_type")
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in found)
    return sorted(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))


def _groups_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if restoring():  # a backup's memberships: its own events come with it
        return
    if action == "pre_clear":  # groups.clear(): the memberships about to go
        action = "post_remove"
        pk_set = (
            set(instance.user_set.values_list("pk", flat=True))
            if reverse
            else set(instance.groups.values_list("pk", flat=True))
        )
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    kind = AccountAction.ROLE_ADDED if action == "post_add" else AccountAction.ROLE_REMOVED
    actor = _actor(instance)
    if reverse:  # group.user_set.add(...): one event per user
        for user in User.objects.filter(pk__in=pk_set):
            event_record(kind, user=user, actor=actor, detail={"role": instance.name})
        return
    for name in _names(Group, pk_set):
        event_record(kind, user=instance, actor=actor, detail={"role": name})


def _permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove") or not pk_set or reverse or restoring():
        return
    key = "added" if action == "post_add" else "removed"
    detail: dict[str, Any] = {key: _names(Permission, pk_set)}
    if isinstance(instance, Group):
        detail["group"] = instance.name
        event_record(AccountAction.PERMISSIONS_CHANGED, user=None, actor=_actor(), detail=detail)
    else:
        event_record(
            AccountAction.PERMISSIONS_CHANGED, user=instance, actor=_actor(instance), detail=detail
        )


def connect() -> None:
    uid = "belimumab.accounts.events"
    pre_save.connect(_user_pre_save, sender=User, dispatch_uid=f"{uid}.pre")
    post_save.connect(_user_post_save, sender=User, dispatch_uid=f"{uid}.post")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid=f"{uid}.groups")
    for through in (User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            _permissions_changed, sender=through, dispatch_uid=f"{uid}.{through.__name__}"
        )
