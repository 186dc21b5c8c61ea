"""Account management by administrators, within the four roles.

No one sets another person's password: an administrator issues a temporary one (shown once,
changed at first login) or sends a reset link. Superuser status and permissions are not
reachable from here; a superuser's account is managed by superusers only.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from belimumab.accounts.events import event_record
from belimumab.accounts.models import AccountAction, TemporaryPassword
from belimumab.accounts.roles import ADMINISTRATOR, ROLES


def _check_manageable(actor: User, user: User) -> None:
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied("Only a superuser manages a superuser's account.")


def account_role(user: User) -> str | None:
    """The user's role among the four, if any (the groups are prefetched by the list)."""
    names = [group.name for group in user.groups.all() if group.name in ROLES]
    return names[0] if names else None


def _role_set(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValidationError({"role": _("Choose one of the four roles.")})
    user.groups.set([Group.objects.get(name=role)])


@transaction.atomic
def account_create(
    *, actor: User, username: str, first_name: str, last_name: str, email: str, role: str
) -> tuple[User, str]:
    """A new account with a role and a temporary password (returned, to be shown once)."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.is_staff = role == ADMINISTRATOR  # the admin site, for the regimens
    user.set_unusable_password()
    user.full_clean()
    user._audit_actor = actor  # type: ignore[attr-defined]
    user.save()
    _role_set(user, role)
    return user, password_issue(actor=actor, user=user)


@transaction.atomic
def account_update(
    *,
    actor: User,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    is_active: bool,
) -> User:
    _check_manageable(actor, user)
    if user.pk == actor.pk and (not is_active or role != account_role(user)):
        raise ValidationError(
            {"role": _("You cannot change your own role or deactivate your own account.")}
        )
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.is_active = is_active
    user.is_staff = role == ADMINISTRATOR
    user.full_clean()
    user._audit_actor = actor  # type: ignore[attr-defined]
    user.save()
    if role != account_role(user):
        _role_set(user, role)
    return user


def temporary_password() -> str:
    """16 random characters from a URL-safe alphabet (96 bits): typed once, then replaced."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def password_issue(*, actor: User, user: User) -> str:
    """Give `user` a temporary password that they must change at their next login."""
    _check_manageable(actor, user)
    password = temporary_password()
    user.set_password(password)
    user._audit_actor = actor  # type: ignore[attr-defined]
    user._password_event = AccountAction.PASSWORD_ISSUED  # type: ignore[attr-defined]
    user.save()
    TemporaryPassword.objects.update_or_create(user=user)
    return password


def reset_link_send(*, actor: User, user: User, request: HttpRequest) -> None:
    """Mail `user` a link to choose a password (Django's reset token and templates)."""
    _check_manageable(actor, user)
    if not user.is_active:  # the link would log in an account that cannot log in
        raise ValidationError(_("This account is inactive: reactivate it first."))
    if not user.email:
        raise ValidationError(_("This account has no email address."))
    context = {
        "email": user.email,
        "domain": request.get_host(),
        "site_name": "Belimumab",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
    }
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        None,
        user.email,
    )
    event_record(AccountAction.RESET_LINK_SENT, user=user, actor=actor)
