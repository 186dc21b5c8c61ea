"""The login page with its providers, the single sign-on round trip, and the logout.

The provider's views are mozilla-django-oidc's, given the provider the session names
(oidc.SESSION_PROVIDER); a refused sign-in is a page in the user's language saying why.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from belimumab.accounts.oidc import BACKEND_PATH, REFUSAL, SESSION_PROVIDER, provider_settings
from belimumab.core.views import LoginView as LocalLoginView

MESSAGES = {
    "unknown_group": _(
        "Your account at %(provider)s belongs to no group this application knows. "
        "Ask the application's administrator to map your group to a role."
    ),
    "no_account": _(
        "No account of this application is linked to your %(provider)s identity. "
        "Ask the application's administrator to create it."
    ),
    "inactive": _("This account cannot sign in with %(provider)s."),
    "provider": _("%(provider)s could not confirm your identity. Try again in a moment."),
    "refused": _("The sign-in with %(provider)s was cancelled or refused."),
}


class LocalOffForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Sign-in with a local account is turned off: use your organisation's sign-in."
        ),
    }


class LoginView(LocalLoginView):
    """The local form (unless DJANGO_LOCAL_LOGIN=false) and a button per provider."""

    def get_form_class(self) -> type[AuthenticationForm]:
        return AuthenticationForm if settings.LOCAL_LOGIN else LocalOffForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["local_login"] = settings.LOCAL_LOGIN
        context["providers"] = [
            (slug, provider["name"]) for slug, provider in settings.OIDC_PROVIDERS.items()
        ]
        return context


class _RequestView(OIDCAuthenticationRequestView):
    def __init__(self, provider: dict[str, Any]) -> None:
        self.provider = provider
        self.OIDC_OP_AUTH_ENDPOINT = provider["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = provider["client_id"]

    def get_settings(self, attr: str, *default: Any) -> Any:
        return provider_settings(self.provider, attr, *default)


@require_GET
def oidc_login(request: HttpRequest, provider: str) -> HttpResponse:
    """Send the browser to the provider, remembering which one for the callback."""
    if provider not in settings.OIDC_PROVIDERS:
        raise Http404
    request.session[SESSION_PROVIDER] = provider
    view = _RequestView(settings.OIDC_PROVIDERS[provider])
    view.setup(request)
    response: HttpResponse = view.get(request)
    return response


class CallbackView(OIDCAuthenticationCallbackView):
    def login_failure(self) -> HttpResponse:
        slug = self.request.session.get(SESSION_PROVIDER, "")
        provider = settings.OIDC_PROVIDERS.get(slug, {"name": _("the identity provider")})
        reason = getattr(self.request, REFUSAL, "refused")
        message = MESSAGES[reason] % {"provider": provider["name"]}
        context = {"message": message, "local_login": settings.LOCAL_LOGIN}
        return render(self.request, "registration/oidc_refused.html", context, status=403)


class LogoutView(auth_views.LogoutView):
    """Ends the local session, then the provider's when it has an end-session endpoint."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider = None
        if request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH:
            provider = settings.OIDC_PROVIDERS.get(request.session.get(SESSION_PROVIDER, ""))
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        if provider is None or not provider["end_session_endpoint"]:
            return response
        params = {
            "client_id": provider["client_id"],
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
        if id_token:
            params["id_token_hint"] = id_token
        return HttpResponseRedirect(f"{provider['end_session_endpoint']}?{urlencode(params)}")
