"""The test provider (tests/oidc_provider) as a process on 127.0.0.1, and the fixtures that start
it and point the application at it. Imported by the SSO tests (tests/accounts/test_oidc.py and
the browser test tests/e2e/test_oidc.py); the file name keeps pytest from collecting it."""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from belimumab.settings import with_logout_origins

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "belimumab-test"
SECRET = "client-secret-for-tests-only"
ROLE_MAP = {"hosp-pharmacie": "pharmacist", "hosp-medecine": "clinician"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    def __init__(self, tmp: Path) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/o"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "OP_DATABASE": str(tmp / "provider.sqlite3"),
            "OP_RSA_KEY": pem,
            "OP_ISSUER": self.issuer,
            "PYTHONPATH": str(ROOT),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "django", *args], env=self.env, cwd=ROOT, check=True)

    def start(self) -> None:
        self.manage("migrate", "--verbosity=0")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.issuer}/.well-known/jwks.json", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the test provider did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def settings_for_app(self) -> dict:
        return {
            "name": "Test IdP",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "authorization_endpoint": f"{self.issuer}/authorize/",
            "token_endpoint": f"{self.issuer}/token/",
            "userinfo_endpoint": f"{self.issuer}/userinfo/",
            "jwks_endpoint": f"{self.issuer}/.well-known/jwks.json",
            "end_session_endpoint": f"{self.issuer}/logout/",
            "sign_algo": "RS256",
            "scopes": "openid profile email",
            "acr_values": "",
            "pkce": True,
            "token_basic_auth": False,
            "username_claim": "preferred_username",
            "groups_claim": "groups",
            "roles": ROLE_MAP,
            "create_users": True,
        }


@pytest.fixture(scope="session")
def provider(tmp_path_factory, live_server):
    # loopback only, whatever proxy the machine's environment names
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    op = Provider(tmp_path_factory.mktemp("oidc"))
    op.start()
    op.manage(
        "op_client",
        CLIENT_ID,
        SECRET,
        f"{live_server.url}/oidc/callback/",
        f"{live_server.url}/login/",
    )
    yield op
    op.stop()


@pytest.fixture
def sso(provider, settings, transactional_db):
    settings.OIDC_PROVIDERS = {"hospital": provider.settings_for_app()}
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    with_logout_origins(policy, settings.OIDC_PROVIDERS)
    settings.CONTENT_SECURITY_POLICY = policy
    return provider
