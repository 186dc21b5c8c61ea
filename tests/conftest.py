"""Shared fixtures: one user per role, a logged-in client per role, a small cohort factory."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from belimumab.accounts.roles import ROLES
from belimumab.department import selectors as department_selectors

# Playwright's sync API runs an event loop in the test thread; Django then refuses ORM calls
# from "async" context unless told it is safe (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROLE_NAMES = ROLES  # pharmacist, clinician, department_head, administrator


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Password hashing is deliberately slow; tests do not measure it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _department_settings_read_afresh():
    """Outside a request the department's settings are kept until forgotten: each test starts
    from its own database, not from what the previous test read."""
    department_selectors.forget()
    yield
    department_selectors.forget()


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(username: str, role: str | None = None, **extra) -> User:
        user = User.objects.create_user(username=username, password="pw-for-tests-only", **extra)
        if role:
            user.groups.add(Group.objects.get(name=role))
            if role == "administrator":
                user.is_staff = True
                user.save()
        return user

    return make


@pytest.fixture
def users(make_user) -> dict[str, User]:
    return {role: make_user(role, role) for role in ROLE_NAMES}


@pytest.fixture
def client_for(users) -> Callable[[str | None], Client]:
    """A test client logged in as the given role (None: anonymous)."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(users[role])
        return client

    return make


@pytest.fixture
def make_patient(db) -> Callable[..., object]:
    """A patient with an IV course started at `start` (default 2026-01-05)."""
    from belimumab.patients.models import Course, Patient, Regimen

    counter = {"n": 0}

    def make(
        code: str | None = None,
        start: date = date(2026, 1, 5),
        regimen: str = "iv_standard",
        **fields,
    ):
        counter["n"] += 1
        patient = Patient.objects.create(
            code=code or f"P{counter['n']:04d}",
            last_name=fields.pop("last_name", "Martin"),
            first_name=fields.pop("first_name", "Claire"),
            birth_date=fields.pop("birth_date", date(1985, 3, 14)),
            sex=fields.pop("sex", "F"),
            **fields,
        )
        Course.objects.create(
            patient=patient, regimen=Regimen.objects.get(code=regimen), start_date=start
        )
        return patient

    return make


@pytest.fixture
def make_infusion(db) -> Callable[..., object]:
    from belimumab.pharmacy.models import Infusion

    def make(patient, day: date, weight: str = "70.0", **fields):
        course = patient.courses.first()
        dose = Decimal(weight) * 10
        return Infusion.objects.create(
            patient=patient,
            course=course,
            date=day,
            weight_kg=Decimal(weight),
            prescribed_dose_mg=fields.pop("prescribed_dose_mg", dose),
            prepared_dose_mg=fields.pop("prepared_dose_mg", dose),
            **fields,
        )

    return make
