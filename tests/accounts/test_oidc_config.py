"""Single sign-on without a provider: the configuration, the claims, the login page, local login
switched off, the logout of a local account, the checks of the ID token."""

from __future__ import annotations

import socket
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.urls import reverse

from belimumab import settings as project_settings
from belimumab.accounts.oidc import ProviderBackend, claim_values, roles_from_claims

# a Pro Sante Connect userinfo: one practice as a pharmacist (21), one as a physician (10)
PSC_CLAIMS = {
    "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS-ID-8899100012345",
    "SubjectNameID": "899700012345",
    "SubjectRefPro": {
        "codeCivilite": "M",
        "exercices": [
            {"codeProfession": "21", "activities": [{"raisonSocialeSite": "CHU"}]},
            {"codeProfession": 10, "activities": []},
        ],
    },
}


def _provider(**extra):
    base = {
        "name": "Test IdP",
        "issuer": "https://idp.example/realms/chu",
        "client_id": "belimumab",
        "client_secret": "s",
        "authorization_endpoint": "https://idp.example/auth",
        "token_endpoint": "https://idp.example/token",
        "userinfo_endpoint": "https://idp.example/userinfo",
        "jwks_endpoint": "https://idp.example/jwks",
        "end_session_endpoint": "https://idp.example/logout",
        "sign_algo": "RS256",
        "scopes": "openid profile email",
        "acr_values": "",
        "pkce": True,
        "token_basic_auth": False,
        "username_claim": "preferred_username",
        "groups_claim": "groups",
        "roles": {"CHU-PUI": "pharmacist", "CHU-MI": "clinician"},
        "create_users": True,
    }
    return {**base, **extra}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("groups", ["a", "b"]),
        ("group", ["solo"]),
        ("SubjectRefPro.exercices.codeProfession", ["21", "10"]),
        ("SubjectRefPro.codeCivilite", ["M"]),
        ("SubjectRefPro.exercices.activities.raisonSocialeSite", ["CHU"]),
        ("SubjectRefPro.missing", []),
        ("nested", []),  # an object is not a value
    ],
)
def test_claim_values_follow_dotted_paths_through_lists(path, expected):
    claims = {**PSC_CLAIMS, "groups": ["a", "b"], "group": "solo", "nested": {"x": 1}}
    assert claim_values(claims, path) == expected


def test_roles_are_the_mapped_groups_each_once_and_unknown_groups_give_none():
    provider = _provider(roles={"CHU-PUI": "pharmacist", "CHU-PUI-2": "pharmacist"})
    claims = {"groups": ["CHU-PUI", "CHU-PUI-2", "visitors"]}
    assert roles_from_claims(provider, claims) == ["pharmacist"]
    assert roles_from_claims(provider, {"groups": ["visitors"]}) == []
    assert roles_from_claims(provider, {}) == []
    psc = _provider(
        groups_claim="SubjectRefPro.exercices.codeProfession",
        roles={"10": "clinician", "21": "pharmacist"},
    )
    assert roles_from_claims(psc, PSC_CLAIMS) == ["clinician", "pharmacist"]


def test_a_provider_is_read_from_the_environment(monkeypatch):
    for key, value in {
        "CLIENT_ID": "belimumab",
        "CLIENT_SECRET": "s3cret",
        "AUTHORIZATION_ENDPOINT": "https://idp/auth",
        "TOKEN_ENDPOINT": "https://idp/token",
        "USERINFO_ENDPOINT": "https://idp/userinfo",
        "JWKS_ENDPOINT": "https://idp/jwks",
        "ROLE_MAP": "CHU-PUI=pharmacist, CHU=MI=clinician",
        "ACR_VALUES": "eidas1",
        "PKCE": "false",
    }.items():
        monkeypatch.setenv(f"OIDC_PSC_{key}", value)
    provider = project_settings.oidc_provider("PSC", "Pro Santé Connect")
    assert provider is not None
    assert provider["name"] == "Pro Santé Connect"
    assert provider["roles"] == {"CHU-PUI": "pharmacist", "CHU=MI": "clinician"}
    assert (provider["acr_values"], provider["pkce"], provider["sign_algo"]) == (
        "eidas1",
        False,
        "RS256",
    )
    assert (provider["groups_claim"], provider["end_session_endpoint"]) == ("groups", "")


def test_a_provider_without_client_id_is_absent_and_a_half_set_one_fails(monkeypatch):
    assert project_settings.oidc_provider("NOBODY", "x") is None
    monkeypatch.setenv("OIDC_HALF_CLIENT_ID", "belimumab")
    with pytest.raises(ImproperlyConfigured, match="OIDC_HALF_CLIENT_SECRET"):
        project_settings.oidc_provider("HALF", "x")
    for key in ("CLIENT_SECRET", "AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT"):
        monkeypatch.setenv(f"OIDC_HALF_{key}", "x")
    monkeypatch.setenv("OIDC_HALF_USERINFO_ENDPOINT", "x")
    monkeypatch.setenv("OIDC_HALF_JWKS_ENDPOINT", "x")
    monkeypatch.setenv("OIDC_HALF_ROLE_MAP", "CHU-PUI=pharmacien")
    with pytest.raises(ImproperlyConfigured, match="pharmacien"):
        project_settings.oidc_provider("HALF", "x")


def test_the_login_page_offers_each_provider_in_the_users_language(
    client, settings, db, django_assert_num_queries
):
    settings.OIDC_PROVIDERS = {
        "hospital": _provider(name="CHU Login"),
        "psc": _provider(name="Pro Santé Connect"),
    }
    with django_assert_num_queries(0):
        page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert 'href="/oidc/hospital/login/">Sign in with CHU Login</a>' in text
    assert 'href="/oidc/psc/login/">Sign in with Pro Santé Connect</a>' in text
    assert 'name="password"' in text
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Se connecter avec CHU Login" in page.content.decode()


def test_the_provider_link_keeps_where_the_user_was_going(client, settings, db):
    settings.OIDC_PROVIDERS = {"hospital": _provider()}
    page = client.get(reverse("login") + "?next=/patients/%3Fq%3D1", HTTP_ACCEPT_LANGUAGE="en")
    assert 'href="/oidc/hospital/login/?next=/patients/%3Fq%3D1"' in page.content.decode()
    response = client.get("/oidc/hospital/login/?next=/patients/")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://idp.example/auth?response_type=code")
    assert "code_challenge_method=S256" in location
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Foidc%2Fcallback%2F" in location
    assert client.session["oidc_provider"] == "hospital"
    assert client.session["oidc_login_next"] == "/patients/"


def test_acr_values_are_sent_when_the_provider_asks_for_them(client, settings, db):
    settings.OIDC_PROVIDERS = {"psc": _provider(acr_values="eidas1")}
    response = client.get("/oidc/psc/login/")
    assert "acr_values=eidas1" in response["Location"]
    assert client.post("/oidc/psc/login/").status_code == 405


@pytest.fixture
def local_off(settings):
    settings.LOCAL_LOGIN = False
    settings.OIDC_PROVIDERS = {"hospital": _provider(name="CHU Login")}


def test_local_login_off_hides_the_form_and_refuses_local_accounts(local_off, client, make_user):
    make_user("pharma", "pharmacist")
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="password"' not in page
    assert "Sign in with CHU Login" in page
    response = client.post(
        reverse("login"),
        {"username": "pharma", "password": "pw-for-tests-only"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Sign-in with a local account is turned off" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_local_login_off_still_lets_a_superuser_in(local_off, client, django_user_model):
    django_user_model.objects.create_superuser("root", password="pw-for-tests-only")
    response = client.post(reverse("login"), {"username": "root", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_local_account_logs_out_here_only(client, settings, make_user):
    settings.OIDC_PROVIDERS = {"hospital": _provider()}
    client.force_login(make_user("clin", "clinician"))
    session = client.session
    session["oidc_provider"] = "hospital"  # an abandoned provider sign-in earlier
    session.save()
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")


def test_the_refusal_page_is_in_the_users_language(client, db):
    response = client.get("/oidc/callback/?error=access_denied", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "was cancelled or refused" in response.content.decode()


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"aud": "belimumab", "iss": "https://idp.example/realms/chu"}, None),
        ({"aud": ["other", "belimumab"], "iss": "https://idp.example/realms/chu"}, None),
        ({"aud": "other-client", "iss": "https://idp.example/realms/chu"}, "another client"),
        ({"aud": "belimumab", "iss": "https://evil.example"}, "another issuer"),
    ],
)
def test_the_id_token_must_name_our_client_and_the_issuer(key, claims, error):
    token = jwt.encode({**claims, "sub": "x", "exp": time.time() + 60}, key, algorithm="RS256")
    backend = ProviderBackend()
    backend.provider = _provider()
    backend.OIDC_RP_SIGN_ALGO = "RS256"
    if error is None:
        assert backend.get_payload_data(token, key.public_key())["sub"] == "x"
    else:
        with pytest.raises(SuspiciousOperation, match=error):
            backend.get_payload_data(token, key.public_key())


def test_local_login_off_closes_the_password_reset(local_off, client, db):
    assert client.get(reverse("password_reset")).status_code == 404
    confirm = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "x"})
    assert client.get(confirm).status_code == 404


@pytest.fixture
def backend(rf, db):
    """The backend after the token exchange, with the provider's userinfo given."""
    backend = ProviderBackend()
    backend.slug = "psc"
    backend.provider = _provider(
        username_claim="SubjectNameID",
        groups_claim="SubjectRefPro.exercices.codeProfession",
        roles={"21": "pharmacist"},
        create_users=False,
    )
    backend.request = rf.get("/oidc/callback/")
    backend.get_userinfo = lambda access, id_token, payload: PSC_CLAIMS
    return backend


def _refusal(backend):
    return getattr(backend.request, "_oidc_refusal", None)


def test_without_account_creation_only_an_account_an_administrator_made_signs_in(
    backend, make_user
):
    payload = {"sub": PSC_CLAIMS["sub"]}
    assert backend.get_or_create_user("a", "i", payload) is None
    assert _refusal(backend) == "no_account"

    made = make_user("psc.899700012345", "clinician")
    user = backend.get_or_create_user("a", "i", payload)
    assert user == made
    assert sorted(user.groups.values_list("name", flat=True)) == ["pharmacist"]


@pytest.mark.parametrize("flag", ["is_superuser", "is_active"])
def test_a_superuser_or_a_deactivated_account_is_not_signed_in(backend, make_user, flag):
    user = make_user("psc.899700012345", "pharmacist")
    setattr(user, flag, flag == "is_superuser")
    user.save()
    assert backend.get_or_create_user("a", "i", {"sub": PSC_CLAIMS["sub"]}) is None
    assert _refusal(backend) == "inactive"


def test_userinfo_about_another_subject_is_refused(backend):
    with pytest.raises(SuspiciousOperation, match="another subject"):
        backend.get_or_create_user("a", "i", {"sub": "someone-else"})


def test_the_logout_may_redirect_to_each_providers_end_session_origin():
    policy = {"DIRECTIVES": {"form-action": ["'self'"]}}
    project_settings.with_logout_origins(
        policy,
        {
            "hospital": _provider(end_session_endpoint="https://sso.chu.example:8443/logout?x=1"),
            "psc": _provider(end_session_endpoint=""),
            "twice": _provider(end_session_endpoint="https://sso.chu.example:8443/other"),
        },
    )
    assert policy["DIRECTIVES"]["form-action"] == ["'self'", "https://sso.chu.example:8443"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens


def test_an_unreachable_provider_is_a_refusal_page_not_an_error(
    client, settings, db, django_assert_num_queries
):
    down = f"http://127.0.0.1:{_closed_port()}"
    settings.OIDC_PROVIDERS = {
        "hospital": _provider(name="CHU Login", token_endpoint=f"{down}/token")
    }
    location = client.get("/oidc/hospital/login/")["Location"]
    state = parse_qs(urlsplit(location).query)["state"][0]

    # the session read (1), saved before the slow call (3: savepoint, update, release) and read
    # again (1); axes's clean-up of expired failures (1, none recorded: the callback carries no
    # password); not saved at the end (its expiry was pushed by the login redirect a moment ago)
    with django_assert_num_queries(6):
        response = client.get(f"/oidc/callback/?code=abc&state={state}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert "CHU Login could not confirm your identity" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_account_loses_its_open_single_sign_on_session(make_user):
    user = make_user("hospital.jdupont", "clinician")
    assert ProviderBackend().get_user(user.pk) == user
    user.is_active = False
    user.save()
    assert ProviderBackend().get_user(user.pk) is None
