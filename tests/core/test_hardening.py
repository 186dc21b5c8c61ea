"""What the security review of issue 13 found at the edges of every page: error pages in the
site's layout and language without detail, a NUL character in an address. (405 for
PUT/DELETE/PATCH on every URL: tests/test_access.py; the proxy header: test_proxy.py.)"""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_a_404_is_in_the_sites_layout_and_the_users_language(client_for, settings):
    settings.DEBUG = False
    client = client_for("clinician")
    response = client.get("/patients/999999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in page and "navbar" in page
    assert 'href="/patients/"' in page  # the menu of the user's role
    assert "Raised by" not in page and "No Patient matches" not in page  # no detail
    english = _english(client).get("/patients/999999/").content.decode()
    assert "Page not found" in english and '<html lang="en-gb">' in english


def test_a_403_is_in_the_sites_layout_and_the_users_language(client_for, settings):
    settings.DEBUG = False
    client = client_for("pharmacist")
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()
    assert "navbar" in response.content.decode()
    english = _english(client).get(reverse("reports:dashboard")).content.decode()
    assert "Your role does not give access to this page." in english


def test_a_refused_form_csrf_is_a_403_page_that_says_what_to_do(users, settings):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["clinician"])
    response = client.post(reverse("patients:create"), {})
    page = response.content.decode()
    assert response.status_code == 403
    assert "Rechargez la page" in page
    assert "CSRF" not in page  # Django's page names the mechanism and the cookie


@pytest.mark.urls("tests.core.error_urls")
def test_a_500_says_so_in_the_users_language_with_a_reference_and_no_detail(users, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(users["clinician"])
    logging.getLogger("django.request").disabled = True  # the traceback is expected
    try:
        response = client.get("/boom/")
        english = _english(client).get("/boom/")
    finally:
        logging.getLogger("django.request").disabled = False
    page = response.content.decode()
    assert response.status_code == 500
    assert "Erreur du serveur" in page
    assert response["X-Request-ID"] in page  # the reference the user reports
    assert "secret detail" not in page and "Traceback" not in page and "Martin" not in page
    assert "Server error" in english.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/patients/?q=%00",
        "/patients/?q=AB%00C&page=2",
        "/pharmacy/worklist/?q=%00",
        "/pharmacy/worklist/?due=%00",
        "/accounts/audit/?start=2026-01-01&end=2026-01-31%00",
        "/admin/patients/patient/?q=%00",
        "/patients/%00/",
    ],
)
def test_a_nul_character_in_an_address_is_a_400_page_never_a_500(client_for, settings, url):
    """PostgreSQL refuses NUL in text: these were DataErrors (500) on the production database."""
    settings.DEBUG = False
    response = client_for("administrator").get(url)
    assert response.status_code == 400, url
    page = response.content.decode()
    assert "Requête refusée" in page and "navbar" in page


def test_a_search_without_nul_still_searches(client_for, make_patient):
    make_patient(code="FIND01")
    make_patient(code="OTHER2")
    page = client_for("clinician").get("/patients/?q=find").content.decode()
    assert "FIND01" in page and "OTHER2" not in page
