"""Login lockout: per username and address (5), per address across usernames (10)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


def _login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_limits_are_five_per_username_and_ten_per_address():
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_ADDRESS_FAILURE_LIMIT) == (5, 10)


def test_password_spraying_12_usernames_from_one_address_ends_locked(users):
    client = Client()
    statuses = [_login(client, f"user{i}", "Spring2026!").status_code for i in range(12)]
    # one guess each: no username reaches 5, the address reaches 10 at the 10th
    assert statuses == [200] * 9 + [429] * 3
    # even a real account with its right password is refused from that address...
    assert _login(client, "clinician", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ...and not from another address
    assert _login(Client(), "clinician", PASSWORD, address="10.0.0.2").status_code == 302


def test_a_username_is_locked_at_5_from_one_address_only(users):
    client = Client()
    statuses = [_login(client, "pharmacist", "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert _login(client, "pharmacist", PASSWORD).status_code == 429
    # the same user from her own workstation still gets in: an attacker elsewhere cannot lock her
    assert _login(Client(), "pharmacist", PASSWORD, address="10.0.0.9").status_code == 302


def test_a_success_forgets_only_its_own_username_failures(users):
    client = Client()
    for i in range(6):
        _login(client, f"guess{i}", "wrong")
    for _ in range(2):
        _login(client, "clinician", "wrong")
    assert _login(client, "clinician", PASSWORD).status_code == 302  # 8 failures so far
    # the 6 guesses still count for the address (axes alone forgets them all): 4 more lock it
    statuses = [_login(Client(), f"more{i}", "wrong").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
