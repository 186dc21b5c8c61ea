"""Demo accounts, one per role, for `make run` (refused when DEBUG is off)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured

from belimumab.accounts.roles import ADMINISTRATOR, CLINICIAN, DEPARTMENT_HEAD, PHARMACIST

DEMO_PASSWORD = "demo-belimumab"
DEMO_USERS = [
    # username, first name, last name, role
    ("pharmacien", "Paul", "Pharmacien", PHARMACIST),
    ("pharmacienne", "Inès", "Vérif", PHARMACIST),
    ("clinicien", "Claire", "Clinicienne", CLINICIAN),
    ("chef", "Henri", "Chef de service", DEPARTMENT_HEAD),
    ("admin", "Alice", "Admin", ADMINISTRATOR),
]


def demo_users_create() -> list[User]:
    """Create (or reset) the demo accounts. Never on a production instance."""
    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo accounts are only created when DJANGO_DEBUG is true.")
    users = []
    for username, first, last, role in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.is_staff = role == ADMINISTRATOR
        user.is_superuser = False
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        users.append(user)
    return users
