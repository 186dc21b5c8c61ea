"""The feed's pages: the HL7 endpoint with a sender's token, the approval list (queries
pinned), the administrators' mappings and senders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from belimumab.clinical.models import LabResult
from belimumab.labfeed import services
from belimumab.labfeed.models import LabCodeMapping, LabMessage, PendingLabResult, Sender
from tests.labfeed.conftest import CRITHIDIA, ELISA, HOSPITAL_ID, obx, oru

pytestmark = pytest.mark.django_db
URL = "/labfeed/hl7/"


@pytest.fixture
def token(admin_user):
    return services.sender_token_issue(name="interface-engine", user=admin_user)[1]


def _post(token, text, client=None):
    client = client or Client(enforce_csrf_checks=True)
    return client.post(
        URL, text, content_type="application/hl7-v2", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_endpoint_takes_a_message_and_answers_its_ack(token, known_patient):
    response = _post(token, oru("MSG0001", HOSPITAL_ID, obx(1)))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hl7-v2")
    body = response.content.decode()
    assert body.startswith("MSH|^~\\&|BELIMUMAB|CHU|LABO|CHU|")
    assert "\rMSA|AA|MSG0001|1 result(s) to approve, 0 corrected.\r" in body
    pending = PendingLabResult.objects.get()
    assert (pending.message.sender.name, pending.patient) == ("interface-engine", known_patient)
    assert pending.message.source.startswith("https ")


def test_the_endpoint_refuses_without_the_token_and_writes_nothing(token, known_patient):
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": token}):
        response = Client().post(
            URL, oru("MSG0001", HOSPITAL_ID, obx(1)), content_type="text/plain", **header
        )
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert "MSA|AR||Unknown or missing bearer token." in response.content.decode()
    Sender.objects.update(is_active=False)
    assert _post(token, oru("MSG0001", HOSPITAL_ID, obx(1))).status_code == 401
    assert not LabMessage.objects.exists()


def test_the_endpoint_answers_a_malformed_message_with_its_problem(token, known_patient):
    response = _post(token, oru("MSG0009", HOSPITAL_ID, obx(1, value="high")))
    assert response.status_code == 400
    assert (
        "MSA|AE|MSG0009|4: OBX-5: The value high is not a number between 0 and 9999999.999."
        in response.content.decode()
    )
    response = _post(token, b"\xff\xfe binary")
    assert response.status_code == 400
    assert "MSA|AR||The message is not UTF-8 text." in response.content.decode()
    assert not PendingLabResult.objects.exists()


def _fill(sender, ready: int, unknown: int) -> None:
    for n in range(ready):
        services.message_receive(sender=sender, text=oru(f"R{n}", HOSPITAL_ID, obx(1)))
    for n in range(unknown):
        services.message_receive(sender=sender, text=oru(f"U{n}", "404", obx(1, CRITHIDIA)))


@pytest.mark.parametrize(("ready", "unknown"), [(2, 1), (12, 6)])
def test_the_approval_list_reads_a_fixed_number_of_queries(
    client_for, sender, known_patient, django_assert_num_queries, ready, unknown
):
    _fill(sender, ready, unknown)
    client = client_for("clinician")
    # session, user, user and group permissions, 2 lists (patient, message, sender and the
    # corrected result joined) + 2 counts, the session saved (the first request since the
    # login: savepoint, update, release)
    with django_assert_num_queries(11):
        response = client.get(reverse("labfeed:pending"))
    assert response.status_code == 200
    page = response.context["page"]
    assert (page.ready_count, page.unmatched_count) == (ready, unknown)
    text = response.content.decode()
    assert text.count('name="action" value="accept"') == ready  # unmatched: reject only
    assert "DSDNA-CR" in text and "not mapped" in text


def test_a_clinician_accepts_from_the_list(client_for, sender, known_patient):
    _fill(sender, 1, 0)
    pending = PendingLabResult.objects.get()
    response = client_for("clinician").post(
        reverse("labfeed:decide", args=[pending.pk]),
        {"version": pending.version, "action": "accept"},
    )
    assert response.status_code == 302
    lab = LabResult.objects.get()
    assert (lab.value, lab.lower_limit, lab.upper_limit) == (
        Decimal("0.62"),
        Decimal("0.9"),
        Decimal("1.8"),
    )


def test_a_rejection_without_reason_says_so_beside_the_row(client_for, sender, known_patient):
    _fill(sender, 1, 0)
    pending = PendingLabResult.objects.get()
    url = reverse("labfeed:decide", args=[pending.pk])
    client = client_for("clinician")
    response = client.post(url, {"version": pending.version, "action": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Give the reason for rejecting this result." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    # a stale version: nothing changed either
    response = client.post(url, {"version": 99, "action": "reject", "reason": "Haemolysed"})
    assert response.status_code == 400
    assert "This result changed meanwhile" in response.content.decode()
    assert PendingLabResult.objects.get().status == "pending"


def test_an_administrator_maps_a_code_and_the_waiting_result_matches(
    client_for, sender, known_patient
):
    services.message_receive(sender=sender, text=oru("M1", HOSPITAL_ID, obx(1, CRITHIDIA)))
    client = client_for("administrator")
    data = {"system": "l", "code": "DSDNA-CR", "test": "anti_dsdna", "is_active": "on"}
    response = client.post(reverse("labfeed:mapping_add"), data)
    assert response.status_code == 302
    assert PendingLabResult.objects.get().test == "anti_dsdna"
    response = client.post(reverse("labfeed:mapping_add"), {**data, "system": "L"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "This code of this system is already mapped."
    ]
    assert LabCodeMapping.objects.filter(code="DSDNA-CR").count() == 1
    page = client.get(reverse("labfeed:mappings")).content.decode()
    assert "DSDNA-CR" in page and "5130-0" in page  # the seeded LOINC codes too


def test_an_administrator_issues_a_token_shown_once(client_for, known_patient):
    client = client_for("administrator")
    response = client.post(reverse("labfeed:sender_add"), {"name": "interface-engine"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert Sender.objects.get().token_hash == services.token_hash(token)
    assert token not in client.get(reverse("labfeed:senders")).content.decode()
    assert _post(token, oru("MSG0001", HOSPITAL_ID, obx(1))).status_code == 200
    again = client.post(reverse("labfeed:sender_add"), {"name": "interface-engine"})
    assert again.status_code == 400
    assert "This sender exists" in again.content.decode()


def test_an_accept_the_record_refuses_says_why_beside_the_row(client_for, sender, known_patient):
    services.message_receive(
        sender=sender, text=oru("M1", HOSPITAL_ID, obx(1, unit="mmol/L", value="5"))
    )
    pending = PendingLabResult.objects.get()
    response = client_for("clinician").post(
        reverse("labfeed:decide", args=[pending.pk]),
        {"version": pending.version, "action": "accept"},
    )
    assert response.status_code == 400
    assert "Unknown unit for this test: mmol/L (allowed: g/L, mg/dL)." in response.content.decode()
    assert not LabResult.objects.exists()
    assert PendingLabResult.objects.get().status == "pending"


def test_a_deactivated_sender_is_refused_until_it_gets_a_new_token(
    client_for, token, known_patient
):
    sender = Sender.objects.get()
    client = client_for("administrator")
    assert client.post(reverse("labfeed:sender_deactivate", args=[sender.pk])).status_code == 302
    assert _post(token, oru("MSG0001", HOSPITAL_ID, obx(1))).status_code == 401
    sender.refresh_from_db()
    assert (sender.is_active, sender.token_hash, sender.history.count()) == (False, "", 2)
    response = client.post(reverse("labfeed:sender_token", args=[sender.pk]))
    assert _post(response.context["token"], oru("MSG0001", HOSPITAL_ID, obx(1))).status_code == 200


def test_a_deactivated_mapping_no_longer_matches(client_for, sender, known_patient):
    mapping = LabCodeMapping.objects.get(system="LN", code="4485-9")
    client = client_for("administrator")
    url = reverse("labfeed:mapping_edit", args=[mapping.pk])
    assert client.get(url).status_code == 200
    data = {"system": "LN", "code": "4485-9", "test": "c3", "version": mapping.version}
    assert client.post(url, data).status_code == 302  # is_active unticked
    mapping.refresh_from_db()
    assert (mapping.is_active, mapping.history.count()) == (False, 1)
    services.message_receive(sender=sender, text=oru("M1", HOSPITAL_ID, obx(1)))
    assert PendingLabResult.objects.get().test == ""
    # a stale version: both versions shown, nothing saved
    response = client.post(url, {**data, "is_active": "on"})
    assert response.status_code == 200 and response.context["stale"] is not None
    mapping.refresh_from_db()
    assert mapping.is_active is False


def test_the_list_writes_values_and_ranges_as_a_french_clinician_reads_them(
    client_for, sender, known_patient, elisa_mapping
):
    """0.62 and the message's '0.90-1.80' read 0,62 and 0,90-1,80 in French; an anti-dsDNA of
    40 IU/mL reads 40, not the 4E+1 a normalised Decimal printed."""
    services.message_receive(
        sender=sender,
        text=oru("FR1", HOSPITAL_ID, obx(1), obx(2, ELISA, "40", "IU/mL", "<30")),
    )
    page = client_for("clinician").get(reverse("labfeed:pending"), HTTP_ACCEPT_LANGUAGE="fr")
    page = page.content.decode()
    assert "0,62 g/L" in page and "0,90-1,80" in page
    assert "40 UI/mL" in page and "4E+1" not in page
