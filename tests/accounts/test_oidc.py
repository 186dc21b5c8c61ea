"""Single sign-on against a real OpenID Connect provider started on loopback.

The provider is tests/oidc_provider (django-oauth-toolkit) in its own process, with its own
SQLite file and an RS256 key generated here; the application's live server signs users in
through it, a `requests` session playing the browser (redirects, cookies, the provider's login
form). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import html
import re

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth.models import User

from belimumab.accounts.models import AccountAction, AccountEvent
from tests.oidc_provider import harness

# the provider's fixtures, shared with the browser test
provider = harness.provider
sso = harness.sso


def _sign_in(app_url: str, username: str, language: str = "en") -> requests.Response:
    """The browser's round trip: the app's button, the provider's form, back to the app."""
    browser = requests.Session()
    browser.headers["Accept-Language"] = language
    form = browser.get(f"{app_url}/oidc/hospital/login/", timeout=10)
    assert form.url.startswith("http://127.0.0.1:"), form.url  # at the provider's login page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None
    next_url = re.search(r'name="next" value="([^"]+)"', form.text)
    assert next_url is not None
    response = browser.post(
        form.url,
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": "provider-password",
            "next": next_url.group(1).replace("&amp;", "&"),
        },
        timeout=10,
    )
    response.browser = browser  # type: ignore[attr-defined]
    return response


def _roles(username: str) -> list[str]:
    return sorted(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_a_mapped_group_signs_in_with_its_role(sso, live_server):
    sso.manage("op_user", "alice", "provider-password", "hosp-pharmacie", "other-group")
    response = _sign_in(live_server.url, "alice")
    assert response.status_code == 200
    assert response.url == f"{live_server.url}/pharmacy/"  # the pharmacist's page
    user = User.objects.get(username="hospital.alice")
    assert _roles("hospital.alice") == ["pharmacist"]
    assert (user.first_name, user.email) == ("Alice", "alice@hospital.test")
    assert not user.has_usable_password()
    event = AccountEvent.objects.get(user=user, action=AccountAction.ROLE_FROM_PROVIDER)
    assert event.detail == {"provider": "hospital", "changes": [["role", "", "pharmacist"]]}
    events = AccountEvent.objects.filter(user=user).order_by("pk")
    assert [e.action for e in events] == ["account_created", "role_added", "role_from_provider"]
    assert events[0].detail["first_name"] == "Alice"  # created with its names, in one event


def test_a_changed_group_gives_the_new_role_and_an_audit_event(sso, live_server):
    sso.manage("op_user", "bob", "provider-password", "hosp-pharmacie")
    _sign_in(live_server.url, "bob")
    assert _roles("hospital.bob") == ["pharmacist"]
    sso.manage("op_user", "bob", "provider-password", "hosp-medecine")

    response = _sign_in(live_server.url, "bob")

    assert response.url == f"{live_server.url}/patients/"  # the clinician's page
    assert _roles("hospital.bob") == ["clinician"]
    events = AccountEvent.objects.filter(
        user__username="hospital.bob", action=AccountAction.ROLE_FROM_PROVIDER
    ).order_by("pk")
    assert [e.detail["changes"] for e in events] == [
        [["role", "", "pharmacist"]],
        [["role", "pharmacist", "clinician"]],
    ]
    # the memberships themselves are logged too, by the account signals
    removed = AccountEvent.objects.get(user__username="hospital.bob", action="role_removed")
    assert removed.detail == {"role": "pharmacist"}


def test_the_same_group_again_records_nothing(sso, live_server, settings):
    sso.manage("op_user", "carol", "provider-password", "hosp-medecine")
    _sign_in(live_server.url, "carol")
    # the client's secret in a Basic header this time (client_secret_basic)
    settings.OIDC_PROVIDERS["hospital"]["token_basic_auth"] = True
    assert _sign_in(live_server.url, "carol").url == f"{live_server.url}/patients/"
    assert AccountEvent.objects.filter(action=AccountAction.ROLE_FROM_PROVIDER).count() == 1


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "belongs to no group this application knows"),
        ("fr", "n'appartient à aucun groupe connu de cette application"),
    ],
)
def test_an_unknown_group_is_refused_and_no_account_is_created(sso, live_server, language, text):
    sso.manage("op_user", "mallory", "provider-password", "visitors")
    response = _sign_in(live_server.url, "mallory", language)
    assert response.status_code == 403
    assert response.url.startswith(f"{live_server.url}/oidc/callback/")
    assert text in html.unescape(response.text)
    assert "Test IdP" in response.text
    assert not User.objects.filter(username__contains="mallory").exists()
    assert not AccessAttempt.objects.exists()  # no password was guessed: nothing counted


def test_an_address_locked_by_password_guesses_still_signs_in_at_its_provider(sso, live_server):
    AccessAttempt.objects.create(
        username="someone", ip_address="127.0.0.1", user_agent="x", failures_since_start=10
    )
    sso.manage("op_user", "erin", "provider-password", "hosp-medecine")
    response = _sign_in(live_server.url, "erin")
    assert response.url == f"{live_server.url}/patients/"


def test_logout_ends_both_sessions(sso, live_server):
    sso.manage("op_user", "dave", "provider-password", "hosp-medecine")
    browser = _sign_in(live_server.url, "dave").browser  # type: ignore[attr-defined]
    csrf = browser.get(f"{live_server.url}/patients/", timeout=10).cookies.get("csrftoken")
    csrf = csrf or browser.cookies.get("csrftoken")

    response = browser.post(f"{live_server.url}/logout/", headers={"X-CSRFToken": csrf}, timeout=10)

    # through the provider's end-session endpoint, back to our login page
    assert [r.url.split("?")[0] for r in response.history] == [
        f"{live_server.url}/logout/",
        f"{sso.issuer}/logout/",
    ]
    assert response.url == f"{live_server.url}/login/"
    assert browser.get(f"{live_server.url}/patients/", timeout=10).url.startswith(
        f"{live_server.url}/login/"
    )
    # the provider asks for the password again: its session ended too
    again = browser.get(f"{live_server.url}/oidc/hospital/login/", timeout=10)
    assert again.url.startswith(f"{sso.url}/accounts/login/")
