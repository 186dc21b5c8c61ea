"""Privileged users: only a superuser grants superuser status or permissions; administrators
manage accounts within the four roles; no one sets another person's password."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from belimumab.accounts.models import AccountEvent, TemporaryPassword

pytestmark = pytest.mark.django_db


def _events(user):
    return list(
        AccountEvent.objects.filter(user=user)
        .order_by("pk")
        .values_list("action", "actor__username")
    )


def test_an_administrator_cannot_make_itself_superuser_in_the_admin(client_for, users):
    admin = users["administrator"]
    client = client_for("administrator")
    url = reverse("admin:auth_user_change", args=[admin.pk])
    assert client.get(url).status_code == 403
    data = {"username": admin.username, "is_superuser": "on", "is_staff": "on", "is_active": "on"}
    assert client.post(url, data).status_code == 403
    admin.refresh_from_db()
    assert not admin.is_superuser
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert b"auth/user" not in client.get(reverse("admin:index")).content


def test_an_administrator_cannot_edit_a_group_nor_hold_group_permissions(client_for):
    group = Group.objects.get(name="administrator")
    client = client_for("administrator")
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 403
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames & {"change_group", "add_group", "change_permission"} == set()
    assert {"view_user", "add_user", "change_user"} <= codenames


def test_an_administrator_cannot_set_another_users_password_in_the_admin(client_for, users):
    target = users["clinician"]
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    data = {"password1": "Another-Strong-Pass-2026", "password2": "Another-Strong-Pass-2026"}
    assert client_for("administrator").post(url, data).status_code == 403
    target.refresh_from_db()
    assert target.check_password("pw-for-tests-only")


def test_a_superuser_manages_users_in_the_admin_but_sets_no_other_password(users, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    target = users["clinician"]
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.get(url).status_code == 403
    # and what a superuser grants is in the audit log, with who did it
    page = reverse("admin:auth_user_change", args=[target.pk])
    form = client.get(page).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(is_superuser="on", is_active="on", groups=[g.pk for g in target.groups.all()])
    data.update(
        date_joined_0="2026-01-01", date_joined_1="10:00:00", last_login_0="", last_login_1=""
    )
    data.pop("user_permissions", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(page, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ("superuser_granted", "root") in _events(target)


def _issue_and_read_password(client, user) -> str:
    response = client.post(reverse("accounts:user_password_issue", args=[user.pk]))
    assert response.status_code == 200
    return (
        re.search(rb'data-testid="temporary-password">([^<]+)<', response.content).group(1).decode()
    )


def test_administrator_creates_an_account_with_a_role_and_a_temporary_password(client_for):
    client = client_for("administrator")
    data = {"username": "nurse.b", "first_name": "Brigitte", "last_name": "B", "role": "pharmacist"}
    response = client.post(reverse("accounts:user_create"), data | {"email": "b@example.org"})
    assert response.status_code == 200
    password = re.search(rb'temporary-password">([^<]+)<', response.content).group(1).decode()
    assert len(password) == 16
    user = User.objects.get(username="nurse.b")
    assert list(user.groups.values_list("name", flat=True)) == ["pharmacist"]
    assert not user.is_superuser and not user.is_staff
    assert TemporaryPassword.objects.filter(user=user).exists()
    assert _events(user) == [
        ("account_created", "administrator"),
        ("role_added", "administrator"),
        ("password_issued", "administrator"),
    ]
    # the hash goes nowhere near the audit log
    assert all("password" not in str(e.detail) for e in AccountEvent.objects.filter(user=user))

    # first login: every page sends to the password change until it is changed
    newcomer = Client()
    assert (
        newcomer.post(reverse("login"), {"username": "nurse.b", "password": password}).status_code
        == 302
    )
    worklist = newcomer.get(reverse("pharmacy:worklist"))
    assert worklist.status_code == 302 and worklist["Location"] == reverse("password_change")
    change = newcomer.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Belimumab-Nurse-Strasbourg",
            "new_password2": "Belimumab-Nurse-Strasbourg",
        },
    )
    assert change.status_code == 302
    assert newcomer.get(reverse("pharmacy:worklist")).status_code == 200
    assert not TemporaryPassword.objects.filter(user=user).exists()
    assert _events(user)[-1] == ("password_changed", "nurse.b")


def test_a_taken_username_or_a_role_outside_the_four_is_refused_beside_the_field(client_for, users):
    client = client_for("administrator")
    response = client.post(
        reverse("accounts:user_create"), {"username": "Clinician", "role": "superuser"}
    )
    form = response.context["form"]
    assert set(form.errors) == {"username", "role"}
    assert User.objects.filter(username__iexact="clinician").count() == 1


def test_role_change_and_deactivation_are_audited_and_nothing_is_deleted(client_for, users):
    target = users["clinician"]
    url = reverse("accounts:user_update", args=[target.pk])
    data = {
        "first_name": "Claire",
        "last_name": "C",
        "email": "",
        "role": "department_head",
        "is_active": "",
    }
    response = client_for("administrator").post(url, data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert list(target.groups.values_list("name", flat=True)) == ["department_head"]
    assert not target.is_active
    events = [e for e in _events(target) if e[1] == "administrator"]
    assert events == [
        ("account_changed", "administrator"),
        ("account_deactivated", "administrator"),
        ("role_removed", "administrator"),
        ("role_added", "administrator"),
    ]
    detail = AccountEvent.objects.filter(user=target, action="role_removed").get().detail
    assert detail == {"role": "clinician"}
    assert (
        Client()
        .post(reverse("login"), {"username": "clinician", "password": "pw-for-tests-only"})
        .status_code
        == 200
    )


def test_an_administrator_cannot_touch_a_superuser_nor_its_own_role(client_for, users, make_user):
    root = make_user("root", is_superuser=True)
    client = client_for("administrator")
    assert client.get(reverse("accounts:user_update", args=[root.pk])).status_code == 403
    assert client.post(reverse("accounts:user_password_issue", args=[root.pk])).status_code == 403
    assert client.post(reverse("accounts:user_reset_link", args=[root.pk])).status_code == 403
    me = users["administrator"]
    data = {"first_name": "", "last_name": "", "email": "", "role": "clinician", "is_active": "on"}
    response = client.post(reverse("accounts:user_update", args=[me.pk]), data)
    assert "role" in response.context["form"].errors
    assert list(me.groups.values_list("name", flat=True)) == ["administrator"]


def test_the_account_list_costs_the_same_queries_for_5_or_40_accounts(
    client_for, make_user, django_assert_num_queries
):
    client = client_for("administrator")
    client.get(reverse("accounts:users"))  # the first request since the login pushes the session
    # session, user, its groups' and own permissions, then users, their roles
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:users"))
    assert len(response.context["rows"]) == 4
    for i in range(36):
        make_user(f"user{i:02d}", "clinician")
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:users"))
    assert len(response.context["rows"]) == 40
    with translation.override("fr"):  # the page's language
        clinician = _("Clinician")
    rows = [(account.username, str(role)) for account, role in response.context["rows"]]
    assert ("user00", clinician) in rows


def test_a_reset_link_sent_by_an_administrator_unlocks_and_logs_in_a_locked_user(
    client_for, users, settings
):
    target = users["pharmacist"]
    target.email = "paul@example.org"
    target.save()
    attacker = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(reverse("login"), {"username": "pharmacist", "password": "x"})
    locked = attacker.post(
        reverse("login"), {"username": "pharmacist", "password": "pw-for-tests-only"}
    )
    assert locked.status_code == 429

    response = client_for("administrator").post(
        reverse("accounts:user_reset_link", args=[target.pk])
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["paul@example.org"]
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    browser = attacker  # the same address as the failed logins
    form_page = browser.get(link, follow=True)
    new = "Pharmacie-Hopital-Civil-2026"
    done = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert browser.session["_auth_user_id"] == str(target.pk)  # in, despite the lock
    # and the lock is gone: the new password works at the login form from that address
    again = Client().post(reverse("login"), {"username": "pharmacist", "password": new})
    assert again.status_code == 302
    assert [action for action, _by in _events(target)][-2:] == ["reset_link_sent", "password_reset"]


def test_users_reset_their_own_forgotten_password_by_email(users):
    users["clinician"].email = "claire@example.org"
    users["clinician"].save()
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "claire@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body
    # an unknown address says the same and sends nothing (no account enumeration)
    assert client.post(reverse("password_reset"), {"email": "who@example.org"}).status_code == 302
    assert len(mail.outbox) == 1


def test_the_password_change_page_is_in_the_site_layout(client_for):
    response = client_for("department_head").get(reverse("password_change"))
    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]


def test_a_change_of_a_groups_permissions_is_an_account_event(db):
    group = Group.objects.get(name="clinician")
    permission = group.permissions.get(codename="add_visit")
    group.permissions.remove(permission)
    event = AccountEvent.objects.filter(action="permissions_changed").latest("pk")
    assert event.detail == {"removed": ["clinical.add_visit"], "group": "clinician"}
    assert event.actor is None and event.user is None  # a command: "system"


def test_no_reset_link_for_an_inactive_account(client_for, users):
    target = users["clinician"]
    target.email, target.is_active = "claire@example.org", False
    target.save()
    url = reverse("accounts:user_reset_link", args=[target.pk])
    response = client_for("administrator").post(url, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 0
    assert not AccountEvent.objects.filter(user=target, action="reset_link_sent").exists()
