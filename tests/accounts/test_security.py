import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_is_throttled_after_repeated_failures(users):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "pharmacist", "wrong").status_code == 200
    assert _login(client, "pharmacist", "wrong").status_code == 429  # the limit locks
    locked = _login(client, "pharmacist", "pw-for-tests-only")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # another account from the same address is not locked (username + address)
    assert _login(client, "clinician", "pw-for-tests-only").status_code == 302


def test_a_good_login_works_and_lands_on_the_role_page(users):
    client = Client()
    response = _login(client, "pharmacist", "pw-for-tests-only")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users["pharmacist"].pk)


@pytest.mark.parametrize("password", ["short", "password1234", "123456789012", "pharmacist12"])
def test_weak_passwords_are_refused(users, password):
    with pytest.raises(ValidationError):
        validate_password(password, users["pharmacist"])


def test_strong_password_is_accepted(users):
    validate_password("Lupus-Belimumab-Strasbourg-2026", users["pharmacist"])


def _expiry(client: Client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_sessions_expire_after_thirty_idle_minutes(users):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = Client()
    assert _login(client, "pharmacist", "pw-for-tests-only").status_code == 302
    assert client.get(reverse("pharmacy:worklist")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("pharmacy:worklist"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_request_pushes_the_idle_expiry_forward_at_most_once_a_minute(users):
    client = Client()
    client.force_login(users["pharmacist"])
    worklist = reverse("pharmacy:worklist")
    start = time.time()
    with mock.patch("belimumab.accounts.sessions.time.time", return_value=start):
        first = client.get(worklist)  # never pushed since the login: saved, cookie renewed
    assert settings.SESSION_COOKIE_NAME in first.cookies
    pushed = _expiry(client)
    assert pushed > timezone.now() + timedelta(minutes=29)
    with (
        mock.patch("belimumab.accounts.sessions.time.time", return_value=start + 59),
        CaptureQueriesContext(connection) as queries,
    ):
        again = client.get(worklist)
    assert settings.SESSION_COOKIE_NAME not in again.cookies
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _expiry(client) == pushed
    with mock.patch("belimumab.accounts.sessions.time.time", return_value=start + 60):
        later = client.get(worklist)
    assert settings.SESSION_COOKIE_NAME in later.cookies
    assert _expiry(client) > pushed


def test_a_logout_is_not_undone_by_the_refresh(users):
    client = Client()
    client.force_login(users["pharmacist"])
    key = client.session.session_key
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("pharmacy:worklist")).status_code == 302


def test_every_page_has_a_csp_without_inline_scripts(client_for):
    response = client_for("clinician").get(reverse("patients:list"))
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert b"<script>" not in response.content and b"onchange=" not in response.content


def test_csrf_is_enforced(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["clinician"])
    response = client.post(reverse("patients:create"), {})
    assert response.status_code == 403


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "a-production-like-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "belimumab.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_administrators_edit_regimens_in_the_admin_but_delete_nothing(client_for):
    from django.contrib.auth.models import Group

    response = client_for("administrator").get(reverse("admin:patients_regimen_changelist"))
    assert response.status_code == 200 and b"iv_standard" in response.content
    for group in Group.objects.all():
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert not {c for c in codenames if c.startswith("delete_")}, group.name
