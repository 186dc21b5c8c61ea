"""Every URL pattern x anonymous and every role x GET and POST (DEVELOPERS.md, issue 5).

A URL pattern without a rule in some `tests/<app>/access.py` fails the suite, so a new view cannot
ship untested for access.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.access_spec import ALL_ROLES, Rule

CORE_RULES = [
    Rule("home", get=ALL_ROLES, ok_status=(302,)),
    Rule("login", get=ALL_ROLES, anonymous_ok=True, ok_status=(200, 302)),
    Rule("logout", post=ALL_ROLES, anonymous_ok=True, ok_status=(200, 302)),
    Rule("set_language", post=ALL_ROLES, anonymous_ok=True, ok_status=(302,)),
    Rule("health", get=ALL_ROLES, anonymous_ok=True, ok_status=(200,)),  # the load balancer
]


def _app_rules() -> list[Rule]:
    rules = list(CORE_RULES)
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            access = importlib.import_module(f"tests.{module.name}.access")
        except ModuleNotFoundError:
            continue
        rules.extend(access.RULES)
    return rules


RULES = _app_rules()


def _pattern_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin: covered by test_admin_is_for_administrators
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _pattern_names(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
        elif isinstance(entry, URLPattern):
            names.add(f"{prefix}<unnamed {entry.pattern}>")
    return names


def test_every_url_pattern_has_an_access_rule():
    covered = {rule.name for rule in RULES}
    missing = _pattern_names(get_resolver()) - covered
    assert not missing, f"URL patterns without an access rule: {sorted(missing)}"


@pytest.fixture
def world(make_patient, make_infusion, users):
    """One patient with a bit of everything, for URL arguments."""
    from datetime import date
    from decimal import Decimal

    from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit

    patient = make_patient(code="ACC01", start=date(2026, 1, 5))
    infusion = make_infusion(patient, date(2026, 1, 5))
    visit = Visit.objects.create(patient=patient, date=date(2026, 1, 5), recorded_total=6, sledai=6)
    lab = LabResult.objects.create(
        patient=patient, date=date(2026, 1, 5), test="c3", value=Decimal("0.6"), unit="g/L"
    )
    treatment = TreatmentDose.objects.create(
        patient=patient, drug="prednisone", start_date=date(2025, 6, 1), dose=Decimal("10")
    )
    event = AdverseEvent.objects.create(
        patient=patient, onset_date=date(2026, 2, 1), term="Bronchitis", category="infection"
    )
    from belimumab.pharmacy.models import PrintedSheet

    printed = PrintedSheet.objects.create(  # an archived print (its bytes are not a real PDF)
        kind="sheet",
        infusion=infusion,
        day=infusion.date,
        language="en-gb",
        pdf=b"%PDF-1.7 archived",
        sha256="0" * 64,
        printed_by=users["pharmacist"],
    )
    return SimpleNamespace(
        printed=printed,
        patient=patient,
        course=patient.courses.first(),
        infusion=infusion,
        visit=visit,
        lab=lab,
        treatment=treatment,
        adverse_event=event,
        users=users,
    )


ROLES_AND_ANONYMOUS = [None, *sorted(ALL_ROLES)]


def _cases(method: str):
    for rule in RULES:
        allowed = rule.get if method == "get" else rule.post
        if allowed is None:
            continue
        for role in ROLES_AND_ANONYMOUS:
            name = f"{method}-{rule.name}{rule.query}-{role or 'anonymous'}"
            yield pytest.param(rule, role, allowed, id=name)


def _check(client_for, world, rule: Rule, role, allowed, method: str):
    url = reverse(rule.name, kwargs=rule.kwargs(world)) + rule.query
    client = client_for(role)
    response = client.get(url) if method == "get" else client.post(url, rule.post_data(world))
    if role is None and not rule.anonymous_ok:
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith(reverse("login")), response["Location"]
    elif role is None or role in allowed:
        assert response.status_code in rule.ok_status, (url, role, response.status_code)
    else:
        assert response.status_code == 403, (url, role, response.status_code)


@pytest.mark.parametrize(("rule", "role", "allowed"), list(_cases("get")))
def test_get_access(client_for, world, rule, role, allowed):
    _check(client_for, world, rule, role, allowed, "get")


@pytest.mark.parametrize(("rule", "role", "allowed"), list(_cases("post")))
def test_post_access(client_for, world, rule, role, allowed):
    _check(client_for, world, rule, role, allowed, "post")


@pytest.mark.parametrize("role", ROLES_AND_ANONYMOUS)
def test_admin_is_for_administrators(client_for, role):
    response = client_for(role).get(reverse("admin:index"))
    if role == "administrator":
        assert response.status_code == 200
    else:
        assert response.status_code == 302  # to the admin's login page


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.name}{r.query}" for r in RULES])
def test_put_patch_delete_and_options_answer_405(client_for, world, rule):
    """Views read GET and write on POST; other methods used to run them as a GET (200)."""
    url = reverse(rule.name, kwargs=rule.kwargs(world)) + rule.query
    for role in ROLES_AND_ANONYMOUS:
        client = client_for(role)
        for method in (client.put, client.patch, client.delete, client.options):
            response = method(url, "{}", content_type="application/json")
            assert response.status_code == 405, (url, role, method.__name__)
            assert response["Allow"] == "GET, HEAD, POST"
