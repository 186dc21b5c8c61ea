"""A pharmacist signs in with the hospital's provider in Chromium, and logs out of both.

The provider is the one of tests/oidc_provider (django-oauth-toolkit) started on 127.0.0.1;
the browser follows the real redirects, fills the provider's own form and comes back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.oidc_provider import harness

# serialized_rollback, as every browser test: it starts from the migrated data (the role groups)
# whatever ran before, and leaves the tables as the next browser test expects them
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

provider = harness.provider
sso = harness.sso


def test_a_pharmacist_signs_in_with_the_hospital_provider_and_logs_out(sso, live_server, page):
    sso.manage("op_user", "paula", "provider-password", "hosp-pharmacie")
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Se connecter avec Test IdP").click()

    page.wait_for_url(f"{sso.url}/accounts/login/**")  # the provider's own form
    page.fill("input[name=username]", "paula")
    page.fill("input[name=password]", "provider-password")
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/pharmacy/")  # the pharmacist's worklist
    assert User.objects.get(username="hospital.paula").groups.get().name == "pharmacist"

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/login/")  # back through the provider's logout
    page.get_by_role("link", name="Se connecter avec Test IdP").click()
    page.wait_for_url(f"{sso.url}/accounts/login/**")  # the provider asks for the password again
