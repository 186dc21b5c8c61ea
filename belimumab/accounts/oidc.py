"""Single sign-on with OpenID Connect (mozilla-django-oidc), for at most two providers.

`settings.OIDC_PROVIDERS` holds each provider, built from the environment (settings.py,
docs/deploy.md). The library serves one provider from global settings; here the provider's
slug waits in the session from the login link until the provider sends the browser back to the
callback, and the per-provider values are looked up from it.

At each login the user's roles are set from the provider's groups claim through the provider's
mapping: a user with no mapped group is refused (no account created), and a change of roles is
recorded as an `AccountEvent` (role set by the identity provider) beside the membership events the
signals write. Accounts are matched by username `<slug>.<username claim>`, so a provider can
reach only the accounts named after it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from belimumab.accounts.events import event_record
from belimumab.accounts.models import AccountAction
from belimumab.accounts.roles import ADMINISTRATOR, ROLES

logger = logging.getLogger(__name__)

SESSION_PROVIDER = "oidc_provider"
BACKEND_PATH = "belimumab.accounts.oidc.ProviderBackend"
REFUSAL = "_oidc_refusal"  # request attribute: why the callback refused (oidc_views.MESSAGES)


def provider_settings(provider: Mapping[str, Any], attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's setting `attr` for this provider, else the global one."""
    extra = {"acr_values": provider["acr_values"]} if provider["acr_values"] else {}
    values = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": provider["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": provider["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": provider["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": provider["jwks_endpoint"],
        "OIDC_RP_CLIENT_ID": provider["client_id"],
        "OIDC_RP_CLIENT_SECRET": provider["client_secret"],
        "OIDC_RP_SIGN_ALGO": provider["sign_algo"],
        "OIDC_RP_SCOPES": provider["scopes"],
        "OIDC_USE_PKCE": provider["pkce"],
        "OIDC_TOKEN_USE_BASIC_AUTH": provider["token_basic_auth"],
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": extra,
        "OIDC_RP_IDP_SIGN_KEY": None,
    }
    if attr in values:
        return values[attr]
    return import_from_settings(attr, *default)


def claim_values(claims: Mapping[str, Any], path: str) -> list[str]:
    """The values found at a dotted path through objects and lists, as text.

    "groups" -> the groups; "SubjectRefPro.exercices.codeProfession" -> the profession code
    of each of a Pro Sante Connect user's practices.
    """
    found: list[Any] = [claims]
    for key in path.split("."):
        reached: list[Any] = []
        for item in found:
            if isinstance(item, Mapping) and key in item:
                value = item[key]
                reached.extend(value if isinstance(value, list) else [value])
        found = reached
    return [str(value) for value in found if isinstance(value, str | int)]


def roles_from_claims(provider: Mapping[str, Any], claims: Mapping[str, Any]) -> list[str]:
    """The roles the provider's groups map to (sorted, each once); [] when none is mapped."""
    mapping = provider["roles"]
    return sorted(
        {mapping[g] for g in claim_values(claims, provider["groups_claim"]) if g in mapping}
    )


def refuse(request: HttpRequest, reason: str) -> None:
    """Why the callback refuses (its page says it in the user's language; the log in English)."""
    logger.warning("OpenID Connect sign-in refused: %s", reason)
    setattr(request, REFUSAL, reason)


class LocalBackend(ModelBackend):
    """Username and password; with DJANGO_LOCAL_LOGIN=false, for superusers only."""

    def user_can_authenticate(self, user: Any) -> bool:
        if not settings.LOCAL_LOGIN and not getattr(user, "is_superuser", False):
            return False
        return super().user_can_authenticate(user)


@transaction.atomic
def account_from_provider(
    *, slug: str, username: str, claims: Mapping[str, Any], roles: list[str], create: bool
) -> User | None:
    """The account of `username` with its names and roles as the provider says; None when it
    does not exist and the provider may not create accounts."""
    fields: dict[str, Any] = {
        field: str(claims[claim])[:size]
        for field, claim, size in (
            ("first_name", "given_name", 150),
            ("last_name", "family_name", 150),
            ("email", "email", 254),
        )
        if claims.get(claim)
    }
    # the admin site, for the regimens, as the accounts pages do
    fields["is_staff"] = ADMINISTRATOR in roles
    if create:
        # get_or_create: two first sign-ins at once find one account, not a unique violation;
        # no local password: this account signs in at its provider
        user, created = User.objects.get_or_create(
            username=username, defaults={**fields, "password": make_password(None)}
        )
    else:
        found = User.objects.filter(username=username).first()
        if found is None:
            return None
        user, created = found, False
    if not created and any(getattr(user, key) != value for key, value in fields.items()):
        for key, value in fields.items():
            setattr(user, key, value)
        user.save()
    roles_from_provider_set(user=user, roles=roles, slug=slug)
    return user


def roles_from_provider_set(*, user: User, roles: list[str], slug: str) -> None:
    """Give the user exactly these of the four roles; a change becomes an AccountEvent."""
    before = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    if before == roles:
        return
    user.groups.remove(*Group.objects.filter(name__in=set(before) - set(roles)))
    user.groups.add(*Group.objects.filter(name__in=roles))
    event_record(
        AccountAction.ROLE_FROM_PROVIDER,
        user=user,
        actor=None,
        detail={"provider": slug, "changes": [["role", ", ".join(before), ", ".join(roles)]]},
    )


class ProviderBackend(OIDCAuthenticationBackend):
    """Answers the callback of the provider named in the session; nothing else."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the library reads its settings here; they depend on the request's provider
        self.UserModel = get_user_model()
        self.slug = ""
        self.provider: Mapping[str, Any] = {}

    def get_settings(self, attr: str, *default: Any) -> Any:
        return provider_settings(self.provider, attr, *default)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or "code" not in request.GET:
            return None
        self.slug = request.session.get(SESSION_PROVIDER, "")
        if self.slug not in settings.OIDC_PROVIDERS:
            return None
        self.provider = settings.OIDC_PROVIDERS[self.slug]
        for attr in ("TOKEN", "USER", "JWKS"):
            setattr(self, f"OIDC_OP_{attr}_ENDPOINT", self.get_settings(f"OIDC_OP_{attr}_ENDPOINT"))
        for attr in ("CLIENT_ID", "CLIENT_SECRET", "SIGN_ALGO", "IDP_SIGN_KEY"):
            setattr(self, f"OIDC_RP_{attr}", self.get_settings(f"OIDC_RP_{attr}"))
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError):
            # the provider unreachable or its answer not trusted: a refusal page, never a 500
            logger.warning("OpenID Connect login failed at %s", self.slug, exc_info=True)
            refuse(request, "provider")
            return None
        return user

    def get_user(self, user_id: int) -> User | None:
        # the library's ignores deactivation: a deactivated account's open session must end
        user: User | None = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_payload_data(self, token: bytes, key: Any) -> dict[str, Any]:
        """The library checks the signature, algorithm and expiry; the audience and the issuer
        are checked here, so that a token issued to another client is not accepted."""
        payload: dict[str, Any] = super().get_payload_data(token, key)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.provider["client_id"] not in audiences:
            raise SuspiciousOperation("ID token issued to another client")
        if self.provider["issuer"] and payload.get("iss") != self.provider["issuer"]:
            raise SuspiciousOperation("ID token from another issuer")
        return payload

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        claims = {**payload, **userinfo}
        name = claim_values(claims, self.provider["username_claim"])
        roles = roles_from_claims(self.provider, claims)
        if not name or not roles:
            refuse(self.request, "unknown_group")
            return None
        username = f"{self.slug}.{name[0]}"[:150]
        existing = User.objects.filter(username=username).first()
        if existing is not None and (existing.is_superuser or not existing.is_active):
            refuse(self.request, "inactive")  # a superuser signs in locally, through /admin/
            return None
        user = account_from_provider(
            slug=self.slug,
            username=username,
            claims=claims,
            roles=roles,
            create=self.provider["create_users"],
        )
        if user is None:
            refuse(self.request, "no_account")
        return user
