"""The feed with hand-built ORU^R01 messages: new results, corrections, unknown tests and
patients, duplicates and malformed messages (issue 15)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from belimumab.clinical.models import LabResult
from belimumab.labfeed import services
from belimumab.labfeed.models import LabCodeMapping, LabMessage, PendingLabResult, Sender
from tests.labfeed.conftest import CRITHIDIA, ELISA, HOSPITAL_ID, TODAY, obx, oru

pytestmark = pytest.mark.django_db


def _receive(sender, text):
    return services.message_receive(sender=sender, text=text)


def test_a_new_message_waits_with_the_message_values(sender, known_patient, elisa_mapping):
    receipt = _receive(
        sender,
        oru("MSG0001", HOSPITAL_ID, obx(1), obx(2, ELISA, "85", "IU/mL", "<30")),
    )
    assert (receipt.code, receipt.created, receipt.corrected) == ("AA", 2, 0)
    assert "MSA|AA|MSG0001|2 result(s) to approve, 0 corrected." in receipt.ack
    c3, dsdna = PendingLabResult.objects.order_by("set_id")
    assert (c3.patient, c3.test, c3.value, c3.unit) == (known_patient, "c3", Decimal("0.62"), "g/L")
    assert (c3.lower_limit, c3.upper_limit, c3.reference_range) == (
        Decimal("0.90"),
        Decimal("1.80"),
        "0.90-1.80",
    )
    assert c3.observed_on == date(2026, 3, 10)
    assert (c3.order_id, c3.message.control_id, c3.status) == ("LAB552", "MSG0001", "pending")
    assert (dsdna.test, dsdna.value, dsdna.lower_limit, dsdna.upper_limit) == (
        "anti_dsdna",
        Decimal("85"),
        None,
        Decimal("30"),
    )
    assert not LabResult.objects.exists()  # nothing enters the record before a clinician


def test_accepting_records_the_lab_result_with_the_message_range(sender, known_patient, clinician):
    _receive(sender, oru("MSG0001", HOSPITAL_ID, obx(1)))
    pending = PendingLabResult.objects.get()
    lab = services.pending_accept(
        pending=pending, user=clinician, expected_version=pending.version, today=TODAY
    )
    lab.refresh_from_db()
    assert (lab.patient, lab.test, lab.date, lab.value, lab.unit) == (
        known_patient,
        "c3",
        date(2026, 3, 10),
        Decimal("0.62"),
        "g/L",
    )
    # the message's range (0.90-1.80), not the laboratory default of C3 (0.79-1.53)
    assert (lab.lower_limit, lab.upper_limit) == (Decimal("0.9"), Decimal("1.8"))
    pending.refresh_from_db()
    assert (pending.status, pending.lab_result) == ("accepted", lab)
    assert lab.history.get().history_user == clinician
    with pytest.raises(ValidationError, match="already decided"):
        services.pending_accept(pending=pending, user=clinician, expected_version=None, today=TODAY)


def test_a_correction_replaces_a_result_still_waiting(sender, known_patient):
    _receive(sender, oru("MSG0001", HOSPITAL_ID, obx(1)))
    receipt = _receive(sender, oru("MSG0002", HOSPITAL_ID, obx(1, value="0.71", status="C")))
    assert (receipt.code, receipt.created, receipt.corrected) == ("AA", 0, 1)
    pending = PendingLabResult.objects.get()
    assert (pending.value, pending.is_correction) == (Decimal("0.71"), True)
    assert pending.message.control_id == "MSG0002"
    assert [h.value for h in pending.history.order_by("history_id")] == [
        Decimal("0.62"),
        Decimal("0.71"),
    ]


def test_a_correction_of_an_accepted_result_waits_then_replaces_its_value(
    sender, known_patient, clinician
):
    _receive(sender, oru("MSG0001", HOSPITAL_ID, obx(1)))
    first = PendingLabResult.objects.get()
    lab = services.pending_accept(pending=first, user=clinician, expected_version=None, today=TODAY)
    _receive(sender, oru("MSG0002", HOSPITAL_ID, obx(1, value="0.71", status="C")))
    correction = PendingLabResult.objects.get(status="pending")
    assert (correction.corrects, correction.patient, correction.test) == (lab, known_patient, "c3")
    lab.refresh_from_db()
    assert lab.value == Decimal("0.62")  # not before approval
    services.pending_accept(
        pending=correction, user=clinician, expected_version=correction.version, today=TODAY
    )
    lab.refresh_from_db()
    assert (lab.value, LabResult.objects.count()) == (Decimal("0.71"), 1)
    assert [h.value for h in lab.history.order_by("history_id")] == [
        Decimal("0.62"),
        Decimal("0.71"),
    ]


def test_an_unknown_test_is_listed_then_matched_once_mapped(sender, known_patient, admin_user):
    _receive(sender, oru("MSG0001", HOSPITAL_ID, obx(1, CRITHIDIA, "1", "IU/mL", "")))
    pending = PendingLabResult.objects.get()
    assert (pending.patient, pending.test, pending.code, pending.system) == (
        known_patient,
        "",
        "DSDNA-CR",
        "L",
    )
    services.mapping_save(
        mapping=LabCodeMapping(system="l", code=" DSDNA-CR ", test="anti_dsdna"), user=admin_user
    )
    pending.refresh_from_db()
    assert pending.test == "anti_dsdna"


def test_an_unknown_patient_is_listed_then_matched_by_hospital_identifier(
    sender, make_patient, clinician
):
    _receive(sender, oru("MSG0001", "999999", obx(1)))
    pending = PendingLabResult.objects.get()
    assert (pending.patient, pending.hospital_id, pending.test) == (None, "999999", "c3")
    with pytest.raises(ValidationError, match="Match the patient"):
        services.pending_accept(pending=pending, user=clinician, expected_version=None, today=TODAY)
    assert services.pending_rematch(user=clinician) == 0
    patient = make_patient(code="SLE09", hospital_id="999999")
    assert services.pending_rematch(user=clinician) == 1
    pending.refresh_from_db()
    assert pending.patient == patient


def test_the_same_message_twice_changes_nothing(sender, known_patient):
    text = oru("MSG0001", HOSPITAL_ID, obx(1), obx(2, "4498-2^C4^LN", "0.1", "g/L", "0.15-0.40"))
    assert _receive(sender, text).created == 2
    again = _receive(sender, text)
    assert (again.code, again.duplicate, again.created) == ("AA", True, 0)
    assert "Already received" in again.ack
    assert (LabMessage.objects.count(), PendingLabResult.objects.count()) == (1, 2)
    # the same control id from another sender is another message
    other = Sender.objects.create(name="other-lab")
    assert _receive(other, text).created == 2


@pytest.mark.parametrize(
    ("text", "code", "problem"),
    [
        (oru("MSG1", HOSPITAL_ID, obx(1, value="0,62")), "AE", "4: OBX-5: The value 0,62 is not"),
        (oru("MSG1", HOSPITAL_ID, obx(1, kind="ST", value="low")), "AE", "4: OBX-2: The value"),
        (oru("MSG1", HOSPITAL_ID, obx(1, observed="")).replace("2026031008", ""), "AE", "OBX-14"),
        (oru("MSG1", HOSPITAL_ID, obx(1, reference_range="normal")), "AE", "4: OBX-7: Unreadable"),
        (oru("MSG1", HOSPITAL_ID, obx(1, status="P")), "AE", "4: OBX-11: Only final"),
        (oru("MSG1", "", obx(1)), "AE", "2: PID-3: The patient identifier is missing."),
        (oru("MSG1", HOSPITAL_ID), "AE", "carries no result"),
        (oru("", HOSPITAL_ID, obx(1)), "AR", "1: MSH-10: The message control id is missing."),
        (oru("M", HOSPITAL_ID, obx(1)).replace("ORU^R01", "ADT^A01"), "AR", "not ADT^A01"),
        ("this is not HL7", "AR", "1: MSH: Not an HL7 v2 message"),
    ],
)
def test_a_malformed_message_writes_nothing_and_says_why(
    sender, known_patient, text, code, problem
):
    receipt = _receive(sender, text)
    assert receipt.code == code
    assert problem in receipt.text
    assert f"MSA|{code}|" in receipt.ack
    assert not LabMessage.objects.exists()
    assert not PendingLabResult.objects.exists()


def test_one_bad_result_refuses_the_whole_message(sender, known_patient):
    receipt = _receive(sender, oru("MSG1", HOSPITAL_ID, obx(1), obx(2, value="-1")))
    assert receipt.text == "5: OBX-5: The value -1 is not a number between 0 and 9999999.999."
    assert not PendingLabResult.objects.exists()


def test_rejecting_needs_a_reason_and_keeps_the_row(sender, known_patient, clinician):
    _receive(sender, oru("MSG0001", HOSPITAL_ID, obx(1)))
    pending = PendingLabResult.objects.get()
    with pytest.raises(ValidationError, match="Give the reason"):
        services.pending_reject(pending=pending, user=clinician, reason=" ", expected_version=None)
    services.pending_reject(
        pending=pending, user=clinician, reason="Haemolysed sample", expected_version=None
    )
    pending.refresh_from_db()
    assert (pending.status, pending.reject_reason, pending.is_active) == (
        "rejected",
        "Haemolysed sample",
        True,
    )
    assert not LabResult.objects.exists()


def test_a_sender_token_is_kept_as_a_hash_only(admin_user):
    sender, token = services.sender_token_issue(name="interface-engine", user=admin_user)
    assert len(token) >= 40 and token not in sender.token_hash
    assert services.sender_for_token(token) == sender
    renewed, new_token = services.sender_token_issue(name="interface-engine", user=admin_user)
    assert renewed.pk == sender.pk
    assert services.sender_for_token(token) is None
    assert services.sender_for_token(new_token) == sender
    assert services.sender_for_token("") is None
    assert sender.history.count() == 2  # each issue audited
