"""Labels for every domain code the app shows; the laboratory table of DOMAIN.md."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from belimumab.clinical import sledai_labels as L
from belimumab.clinical.labs import LAB_DEFAULTS, lab_specs
from belimumab.clinical.models import LabTest
from belimumab.domain import sledai, treatments
from tests.department.helpers import lab_set


def test_every_descriptor_has_a_label_a_definition_and_an_organ():
    codes = {d.code for d in sledai.DESCRIPTORS}
    assert len(codes) == 24
    assert set(L.DESCRIPTOR_LABELS) == codes == set(L.DESCRIPTOR_DEFINITIONS)
    assert {d.organ for d in sledai.DESCRIPTORS} <= set(L.ORGAN_LABELS)
    with translation.override("en"):
        text = L.descriptor_definition("leukopenia", thrombocytopenia_below=100, leukopenia_below=3)
    assert text.startswith("Leukocytes below 3 x 10⁹/L")


def test_other_domain_codes_have_labels():
    assert set(L.DRUG_LABELS) == set(treatments.ALL_DRUGS)
    assert set(L.CHANGE_KIND_LABELS) == set(treatments.CHANGE_KINDS)
    reasons = {
        "stopped_before",
        "stopped_inefficacy",
        "no_score",
        "worsening",
        "score_zero",
        "drop_4",
        "steroid_decrease",
        "immunosuppressant_decrease",
        "no_improvement",
    }
    assert set(L.RESPONSE_REASONS) == reasons
    manifestations = sledai.MILD_MANIFESTATIONS | sledai.SEVERE_MANIFESTATIONS
    drugs = sledai.MILD_NEW_DRUGS | sledai.SEVERE_NEW_DRUGS
    expected = {f"manifestation:{m}" for m in manifestations} | {f"new_drug:{d}" for d in drugs}
    assert expected <= set(L.FLARE_CRITERIA_LABELS)


def test_activity_bands_of_the_settings_have_labels(settings):
    assert {code for _lower, code in settings.BELIMUMAB["ACTIVITY_BANDS"]} <= set(L.ACTIVITY_LABELS)
    assert L.label(L.ACTIVITY_LABELS, "custom_band") == "custom_band"


def test_lab_defaults_are_those_of_domain_md(db):
    table = {
        code: (spec.unit, spec.lower, spec.upper, spec.loinc) for code, spec in lab_specs().items()
    }
    assert table == {
        "anti_dsdna": ("IU/mL", Decimal("0"), Decimal("50"), "5130-0"),
        "ch50": ("U/mL", Decimal("38"), Decimal("79"), "4532-8"),
        "c3": ("g/L", Decimal("0.79"), Decimal("1.53"), "4485-9"),
        "c4": ("g/L", Decimal("0.15"), Decimal("0.40"), "4498-2"),
        "platelets": ("10^9/L", Decimal("150"), Decimal("400"), "777-3"),
        "leukocytes": ("10^9/L", Decimal("4"), Decimal("10"), "6690-2"),
        "proteinuria": ("g/24h", Decimal("0"), Decimal("0.5"), "2889-4"),
        "upcr": ("g/g", Decimal("0"), Decimal("0.5"), "2890-2"),
    }
    assert set(LAB_DEFAULTS) == set(LabTest.values)


def test_ranges_come_from_the_department_settings_and_convert_between_units(db):
    lab_set("c3", lower=Decimal("0.9"))
    c3 = lab_specs()["c3"]
    assert (c3.lower, c3.upper) == (Decimal("0.9"), Decimal("1.53"))
    assert c3.range_in("mg/dL") == (Decimal("90"), Decimal("153"))
    assert c3.to_default_unit(Decimal("60"), "mg/dL") == Decimal("0.60")
    assert c3.to_default_unit(Decimal("60"), "mmol/L") is None
    upcr = lab_specs()["upcr"]
    assert upcr.range_in("mg/mmol") == (Decimal("0"), Decimal("56.56"))  # 0.5 x 113.12
