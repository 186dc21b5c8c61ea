"""`X-Forwarded-Proto` is the word of whoever sends it: trusted only when the deployment says a
TLS proxy sets it (DJANGO_TRUST_PROXY, issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _setting(name: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_TRUST_PROXY")}
    result = subprocess.run(
        [sys.executable, "-c", f"from belimumab import settings; print(settings.{name})"],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_proxy_header_is_trusted_only_when_the_deployment_says_a_proxy_sets_it():
    assert _setting("__dict__.get('SECURE_PROXY_SSL_HEADER')") == "None"
    trusted = _setting("SECURE_PROXY_SSL_HEADER", DJANGO_TRUST_PROXY="true")
    assert trusted == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_client_sending_x_forwarded_proto_does_not_pass_for_https(client_for, settings):
    """Without a trusted proxy the header is the client's word: HTTP is still redirected."""
    settings.SECURE_SSL_REDIRECT = True
    client = client_for("clinician")
    response = client.get("/patients/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/patients/"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # DJANGO_TRUST_PROXY
    assert client.get("/patients/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
