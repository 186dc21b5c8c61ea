"""Hand-built HL7 messages and a patient the laboratory knows by hospital identifier."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from belimumab.labfeed import services
from belimumab.labfeed.models import LabCodeMapping

TODAY = date(2026, 11, 25)
HOSPITAL_ID = "800123"


def oru(control: str = "MSG0001", hospital_id: str = HOSPITAL_ID, *obx: str) -> str:
    """An ORU^R01 from the hospital laboratory with the OBX segments given (LF between
    segments, as files carry them)."""
    segments = [
        f"MSH|^~\\&|LABO|CHU|BELIMUMAB|CHU|20260310153000||ORU^R01^ORU_R01|{control}|P|2.5|||||FRA|8859/1",
        f"PID|1||{hospital_id}^^^CHU^PI||DUPONT^MARIE||19850314|F",
        "OBR|1|ORD778|LAB552|BILAN^Bilan lupus^L|||20260310080000",
        *obx,
    ]
    return "\n".join(segments) + "\n"


def obx(
    set_id: int = 1,
    code: str = "4485-9^Complement C3^LN",
    value: str = "0.62",
    unit: str = "g/L",
    reference_range: str = "0.90-1.80",
    status: str = "F",
    kind: str = "NM",
    observed: str = "20260310080000",
) -> str:
    return f"OBX|{set_id}|{kind}|{code}||{value}|{unit}|{reference_range}|L|||{status}|||{observed}"


ELISA = "DSDNA-EL^Ac anti-ADN natif ELISA^L"
CRITHIDIA = "DSDNA-CR^Ac anti-ADN natif Crithidia^L"


@pytest.fixture(autouse=True)
def english(settings):
    """Messages compared in English: pages (the default language) and services alike."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def known_patient(make_patient):
    return make_patient(code="SLE01", hospital_id=HOSPITAL_ID)


@pytest.fixture
def elisa_mapping(db):
    return LabCodeMapping.objects.create(system="L", code="DSDNA-EL", test="anti_dsdna")


@pytest.fixture
def sender(db):
    return services.sender_for_files("lab-files")


@pytest.fixture
def clinician(users):
    return users["clinician"]


@pytest.fixture
def admin_user(users):
    return users["administrator"]
