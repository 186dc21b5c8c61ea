"""Passwords: each user changes their own; a forgotten one is reset by a mailed link; a
temporary one (issued by an administrator) must be changed before anything else.

Django's own views in the site's layout; ours only add the audit event, lift the obligation to
change a temporary password, and let a reset clear the login lockout of its account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from belimumab.accounts.lockout import lockout_clear
from belimumab.accounts.models import AccountAction, TemporaryPassword

MUST_CHANGE = "belimumab_must_change_password"
# what a user with a temporary password may still reach
_ALLOWED_URL_NAMES = {"password_change", "logout", "set_language"}


def _password_saved(request: HttpRequest, user: User) -> None:
    TemporaryPassword.objects.filter(user=user).delete()
    request.session.pop(MUST_CHANGE, None)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user
        user._audit_actor = user
        user._password_event = AccountAction.PASSWORD_CHANGED
        response = super().form_valid(form)
        _password_saved(self.request, user)
        messages.success(self.request, _("Your password was changed."))
        return response


class _LocalLoginOnly:
    """With local login off (DJANGO_LOCAL_LOGIN=false) a reset would give a password that signs
    in nowhere, and its link would log the user in past the switch: not found."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.LOCAL_LOGIN:
            raise Http404
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(_LocalLoginOnly, auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(_LocalLoginOnly, auth_views.PasswordResetConfirmView):
    """The link proved who they are: set the password, clear their lockout, log them in."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("home")
    post_reset_login = True  # logged in without authenticate(): a locked account gets in
    post_reset_login_backend = "belimumab.accounts.oidc.LocalBackend"

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        user = form.user
        user._audit_actor = user
        user._password_event = AccountAction.PASSWORD_RESET
        response = super().form_valid(form)
        lockout_clear(user.get_username())
        _password_saved(self.request, user)
        messages.success(self.request, _("Your password was changed."))
        return response


def flag_temporary_password(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """At login, one query: must this user change a temporary password first?"""
    if TemporaryPassword.objects.filter(user=user).exists():
        request.session[MUST_CHANGE] = True


def connect() -> None:
    user_logged_in.connect(flag_temporary_password, dispatch_uid="belimumab.accounts.temporary")


def password_change_required(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Send a user holding a temporary password to the change form, whatever they ask for.

    Reads the session only (the flag set at login), so other pages cost no query."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        if request.session.get(MUST_CHANGE):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in _ALLOWED_URL_NAMES:
                return redirect(reverse("password_change"))
        return get_response(request)

    return middleware
