"""`make run` loads demo accounts for each role and a current demo cohort plus the study."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from belimumab.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from belimumab.labfeed.models import PendingLabResult, PendingStatus
from belimumab.patients.models import Patient
from belimumab.pharmacy import draws
from belimumab.stock.models import VialLot

pytestmark = pytest.mark.django_db


def test_load_demo_creates_every_role_and_a_current_worklist(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # a second `make run` changes nothing
    assert Patient.objects.filter(code__startswith="DEMO-").count() == 40
    assert Patient.objects.filter(code__startswith="STR-").count() == 16
    for username, _first, _last, role in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [role]
    client = Client()
    client.force_login(User.objects.get(username="pharmacien"))
    rows = client.get(reverse("pharmacy:worklist")).context["rows"]
    assert len(rows) >= 5  # infusions due in the coming days or overdue, as of today
    # the laboratory's sample messages wait for a clinician: DEMO-0003's panel (matched by its
    # hospital identifier), and the Crithidia titre and the unknown patient set apart
    waiting = PendingLabResult.objects.filter(status=PendingStatus.PENDING)
    assert waiting.filter(patient__code="DEMO-0003").exclude(test="").exists()
    assert waiting.filter(patient__isnull=True, hospital_id="800999").exists()
    clinician = Client()
    clinician.force_login(User.objects.get(username="clinicien"))
    assert clinician.get(reverse("labfeed:pending")).status_code == 200
    # the stock: lots received by the demo pharmacists, one expiring soon, one expired, once
    assert VialLot.objects.count() == 6
    stock = client.get(reverse("stock:stock")).content.decode()
    assert 'class="table-warning" data-lot="DEMO-120B"' in stock
    assert 'class="table-danger" data-lot="DEMO-400X"' in stock
    assert "DEMO-400E" not in stock  # emptied: hidden by default
    # recording an infusion or a dispensation draws from them, first expiry first
    proposed = draws.proposals({"iv120": 6, "iv400": 2, "sc200": 4}, timezone.localdate())
    assert [(p.lots[0].number, p.missing) for p in proposed] == [
        ("DEMO-120B", 0),
        ("DEMO-400A", 0),
        ("DEMO-PEN1", 0),
    ]


def test_load_demo_refuses_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.filter(username="pharmacien").exists()
