"""Administrators manage accounts within the four roles: list, create, edit, deactivate,
issue a temporary password (shown once), send a reset link. Nothing is ever deleted."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from belimumab.accounts import services
from belimumab.accounts.forms import ROLE_LABELS, AccountForm
from belimumab.accounts.roles import ROLES
from belimumab.core.views import save_form


def _acting(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login is required everywhere
    return user


@permission_required("auth.view_user", raise_exception=True)
def user_list(request: HttpRequest) -> HttpResponse:
    """Every account with its role: two queries whatever their number (users, their groups)."""
    users = User.objects.order_by("-is_active", "username").prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__in=ROLES))
    )
    rows = [(user, ROLE_LABELS.get(services.account_role(user) or "", "—")) for user in users]
    return render(request, "accounts/user_list.html", {"rows": rows})


def _issued(request: HttpRequest, user: User, password: str) -> HttpResponse:
    """The temporary password, shown once in this response and stored nowhere in clear."""
    return render(
        request, "accounts/temporary_password.html", {"account": user, "password": password}
    )


@permission_required("auth.add_user", raise_exception=True)
def user_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = save_form(
            form,
            lambda: services.account_create(
                actor=_acting(request),
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
            ),
        )
        if outcome.saved:
            user, password = outcome.value
            return _issued(request, user, password)
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


def _managed(request: HttpRequest, pk: int) -> User:
    user = get_object_or_404(User, pk=pk)
    if user.is_superuser and not request.user.is_superuser:
        raise PermissionDenied
    return user


@permission_required("auth.change_user", raise_exception=True)
def user_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    initial = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": services.account_role(user),
        "is_active": user.is_active,
    }
    form = AccountForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = save_form(
            form,
            lambda: services.account_update(
                actor=_acting(request),
                user=user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                is_active=data["is_active"],
            ),
        )
        if outcome.saved:
            messages.success(request, _("Account %(name)s saved.") % {"name": user.username})
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "account": user})


@require_POST
@permission_required("auth.change_user", raise_exception=True)
def user_password_issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    password = services.password_issue(actor=_acting(request), user=user)
    return _issued(request, user, password)


@require_POST
@permission_required("auth.change_user", raise_exception=True)
def user_reset_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    try:
        services.reset_link_send(actor=_acting(request), user=user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A reset link was sent to %(email)s.") % {"email": user.email})
    return redirect("accounts:user_update", pk=user.pk)
