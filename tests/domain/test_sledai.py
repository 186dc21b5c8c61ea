"""SELENA-SLEDAI: weights, score, bands, lab suggestions, flare index (hand-checked cases)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from belimumab.domain import sledai
from belimumab.domain.defaults import ACTIVITY_BANDS
from belimumab.domain.sledai import (
    DESCRIPTOR_CODES,
    DESCRIPTORS,
    MAX_SCORE,
    WEIGHTS,
    FlareInput,
    SledaiMismatch,
    activity_class,
    clinical_score,
    flare_criteria,
    flare_index,
    lab_suggestions,
    score,
    visit_score,
)

# (code, weight, organ, lab), in the order of the SELENA-SLEDAI form.
FORM = [
    ("seizure", 8, "neurological", False),
    ("psychosis", 8, "neurological", False),
    ("organic_brain_syndrome", 8, "neurological", False),
    ("visual_disturbance", 8, "neurological", False),
    ("cranial_nerve_disorder", 8, "neurological", False),
    ("lupus_headache", 8, "neurological", False),
    ("cva", 8, "neurological", False),
    ("vasculitis", 8, "vascular", False),
    ("arthritis", 4, "musculoskeletal", False),
    ("myositis", 4, "musculoskeletal", False),
    ("urinary_casts", 4, "renal", True),
    ("haematuria", 4, "renal", True),
    ("proteinuria", 4, "renal", True),
    ("pyuria", 4, "renal", True),
    ("rash", 2, "mucocutaneous", False),
    ("alopecia", 2, "mucocutaneous", False),
    ("mucosal_ulcers", 2, "mucocutaneous", False),
    ("pleurisy", 2, "serosal", False),
    ("pericarditis", 2, "serosal", False),
    ("low_complement", 2, "immunological", True),
    ("increased_dna_binding", 2, "immunological", True),
    ("fever", 1, "constitutional", False),
    ("thrombocytopenia", 1, "haematological", True),
    ("leukopenia", 1, "haematological", True),
]


def test_form_order_and_count() -> None:
    assert len(DESCRIPTORS) == 24
    assert [code for code, *_ in FORM] == list(DESCRIPTOR_CODES)
    assert MAX_SCORE == 105


@pytest.mark.parametrize(
    ("position", "code", "weight", "organ", "lab"), [(i, *row) for i, row in enumerate(FORM)]
)
def test_each_descriptor(position: int, code: str, weight: int, organ: str, lab: bool) -> None:
    d = DESCRIPTORS[position]
    assert (d.code, d.weight, d.organ, d.lab) == (code, weight, organ, lab)
    assert WEIGHTS[code] == weight
    assert score([code]) == weight


def test_descriptor_is_frozen() -> None:
    with pytest.raises(AttributeError):
        DESCRIPTORS[0].weight = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("descriptors", "expected"),
    [
        ([], 0),
        (["arthritis", "rash"], 6),
        (["arthritis", "arthritis", "rash"], 6),  # duplicates count once
        (["proteinuria", "low_complement", "increased_dna_binding"], 8),
        (["seizure", "vasculitis", "fever", "leukopenia"], 18),
        (DESCRIPTOR_CODES, 105),
        (iter(["pleurisy", "pericarditis"]), 4),  # any iterable
    ],
)
def test_score(descriptors, expected: int) -> None:
    assert score(descriptors) == expected


@pytest.mark.parametrize("bad", [["rash", "nephritis"], ["Rash"], [""]])
def test_score_unknown_code(bad: list[str]) -> None:
    with pytest.raises(ValueError, match="unknown"):
        score(bad)


@pytest.mark.parametrize(
    ("descriptors", "expected"),
    [
        (["low_complement", "increased_dna_binding"], 0),
        (["low_complement", "arthritis"], 4),
        (["rash", "fever"], 3),
    ],
)
def test_clinical_score(descriptors: list[str], expected: int) -> None:
    assert clinical_score(descriptors) == expected


@pytest.mark.parametrize(
    ("descriptors", "total", "expected"),
    [
        (None, None, None),  # nothing recorded
        (None, 6, 6),  # retrospective total only
        (None, 0, 0),
        (None, 105, 105),
        ([], None, 0),  # descriptors recorded, all absent
        ([], 0, 0),
        (["arthritis", "rash"], None, 6),
        (["arthritis", "rash"], 6, 6),  # agreeing total
    ],
)
def test_visit_score(descriptors, total, expected) -> None:
    assert visit_score(descriptors, total) == expected


@pytest.mark.parametrize(
    ("descriptors", "total"),
    [(["arthritis", "rash"], 8), ([], 4), (["fever"], 0)],
)
def test_visit_score_mismatch(descriptors: list[str], total: int) -> None:
    with pytest.raises(SledaiMismatch):
        visit_score(descriptors, total)
    assert issubclass(SledaiMismatch, ValueError)


@pytest.mark.parametrize("total", [-1, 106, 4.0, True, "4"])
def test_visit_score_invalid_total(total) -> None:
    with pytest.raises(ValueError):
        visit_score(None, total)


def test_visit_score_unknown_descriptor() -> None:
    with pytest.raises(ValueError, match="unknown"):
        visit_score(["lupus"], None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (0, "none"),
        (1, "mild"),
        (5, "mild"),
        (6, "moderate"),
        (10, "moderate"),
        (11, "high"),
        (19, "high"),
        (20, "very_high"),
        (105, "very_high"),
    ],
)
def test_activity_class_study_bands(value: int | None, expected: str | None) -> None:
    assert activity_class(value) == expected


# Other publications: 1-4 mild, 5-10 moderate, > 10 high.
OTHER_BANDS = ((0, "none"), (1, "mild"), (5, "moderate"), (11, "high"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "none"), (4, "mild"), (5, "moderate"), (10, "moderate"), (11, "high"), (30, "high")],
)
def test_activity_class_other_bands(value: int, expected: str) -> None:
    assert activity_class(value, OTHER_BANDS) == expected


@pytest.mark.parametrize("value", [-1, 106])
def test_activity_class_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        activity_class(value)


def test_activity_class_default_is_setting() -> None:
    assert activity_class.__defaults__ == (ACTIVITY_BANDS,)


# Default ranges of this hospital (DOMAIN.md): anti-dsDNA 0-50 IU/mL, CH50 38-79 U/mL,
# C3 0.79-1.53 g/L, C4 0.15-0.40 g/L.
NORMAL = {
    "anti_dsdna": (20.0, 0.0, 50.0),
    "ch50": (50.0, 38.0, 79.0),
    "c3": (1.0, 0.79, 1.53),
    "c4": (0.2, 0.15, 0.40),
    "platelets": (250.0, 150.0, 400.0),
    "leukocytes": (6.0, 4.0, 10.0),
}


def labs(**changes: tuple[float | None, float | None, float | None]):
    return {**NORMAL, **changes}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, set()),
        # on the limits: normal
        ({"anti_dsdna": (50.0, 0.0, 50.0)}, set()),
        ({"ch50": (38.0, 38.0, 79.0)}, set()),
        ({"c3": (0.79, 0.79, 1.53)}, set()),
        ({"c4": (0.15, 0.15, 0.40)}, set()),
        ({"platelets": (100.0, 150.0, 400.0)}, set()),
        ({"leukocytes": (3.0, 4.0, 10.0)}, set()),
        # just beyond
        ({"anti_dsdna": (50.1, 0.0, 50.0)}, {"increased_dna_binding"}),
        ({"ch50": (37.9, 38.0, 79.0)}, {"low_complement"}),
        ({"c3": (0.78, 0.79, 1.53)}, {"low_complement"}),
        ({"c4": (0.14, 0.15, 0.40)}, {"low_complement"}),
        ({"platelets": (99.0, 150.0, 400.0)}, {"thrombocytopenia"}),
        ({"leukocytes": (2.9, 4.0, 10.0)}, {"leukopenia"}),
        # high complement, low anti-dsDNA: not SLEDAI descriptors
        ({"c3": (2.0, 0.79, 1.53), "anti_dsdna": (-1.0, 0.0, 50.0)}, set()),
        # missing limit or value: nothing proposed
        ({"c4": (0.05, None, 0.40), "anti_dsdna": (300.0, 0.0, None)}, set()),
        ({"c3": (None, 0.79, 1.53)}, set()),
        (
            {
                "anti_dsdna": (300.0, 0.0, 50.0),
                "c3": (0.5, 0.79, 1.53),
                "c4": (0.05, 0.15, 0.40),
                "platelets": (50.0, 150.0, 400.0),
                "leukocytes": (2.0, 4.0, 10.0),
            },
            {"increased_dna_binding", "low_complement", "thrombocytopenia", "leukopenia"},
        ),
    ],
)
def test_lab_suggestions(given, expected: set[str]) -> None:
    assert lab_suggestions(labs(**given)) == frozenset(expected)


def test_lab_suggestions_partial_and_other_tests() -> None:
    assert lab_suggestions({}) == frozenset()
    assert lab_suggestions({"proteinuria": (2.0, 0.0, 0.15)}) == frozenset()
    assert lab_suggestions({"c4": (0.1, 0.15, 0.40)}) == {"low_complement"}


def test_lab_suggestions_thresholds_are_parameters() -> None:
    given = {"platelets": (120.0, 150.0, 400.0), "leukocytes": (3.5, 4.0, 10.0)}
    assert lab_suggestions(given) == frozenset()
    assert lab_suggestions(given, thrombocytopenia_below=150, leukopenia_below=4) == {
        "thrombocytopenia",
        "leukopenia",
    }


# --- SELENA flare index -------------------------------------------------------------------------
D = Decimal


@pytest.mark.parametrize(
    ("kwargs", "expected", "criterion"),
    [
        ({}, "none", None),
        # SELENA-SLEDAI change
        ({"previous_score": 4, "score": 7}, "mild_moderate", "score_rise"),
        ({"previous_score": 4, "score": 6}, "none", None),
        ({"previous_score": 9, "score": 12}, "mild_moderate", "score_rise"),
        ({"previous_score": 9, "score": 13}, "severe", "score_above_12"),
        ({"previous_score": 12, "score": 13}, "severe", "score_above_12"),
        ({"previous_score": 14, "score": 14}, "none", None),  # stable, no change to > 12
        ({"previous_score": 14, "score": 12}, "none", None),
        ({"previous_score": None, "score": 20}, "none", None),
        ({"previous_score": 4, "score": None}, "none", None),
        # new or worse manifestations
        ({"new_or_worse": frozenset({"rash"})}, "mild_moderate", "manifestation:rash"),
        ({"new_or_worse": frozenset({"ulcers"})}, "mild_moderate", "manifestation:ulcers"),
        ({"new_or_worse": frozenset({"serositis"})}, "mild_moderate", "manifestation:serositis"),
        ({"new_or_worse": frozenset({"arthritis"})}, "mild_moderate", "manifestation:arthritis"),
        ({"new_or_worse": frozenset({"fever"})}, "mild_moderate", "manifestation:fever"),
        ({"new_or_worse": frozenset({"cns"})}, "severe", "manifestation:cns"),
        ({"new_or_worse": frozenset({"vasculitis"})}, "severe", "manifestation:vasculitis"),
        ({"new_or_worse": frozenset({"nephritis"})}, "severe", "manifestation:nephritis"),
        ({"new_or_worse": frozenset({"myositis"})}, "severe", "manifestation:myositis"),
        (
            {"new_or_worse": frozenset({"haemolytic_anaemia"})},
            "severe",
            "manifestation:haemolytic_anaemia",
        ),
        ({"new_or_worse": frozenset({"rash", "nephritis"})}, "severe", "manifestation:nephritis"),
        # platelets
        ({"platelets": 59}, "severe", "platelets_below_60"),
        ({"platelets": 60}, "none", None),
        # prednisone, 60 kg: 0.5 mg/kg/day = 30 mg/day
        (
            {"previous_prednisone": D(10), "prednisone": D(15), "weight_kg": 60},
            "mild_moderate",
            "prednisone_raised",
        ),
        (
            {"previous_prednisone": D(20), "prednisone": D(30), "weight_kg": 60},
            "mild_moderate",
            "prednisone_raised",
        ),
        (
            {"previous_prednisone": D(20), "prednisone": D(35), "weight_kg": 60},
            "severe",
            "prednisone_above_0_5_mg_kg",
        ),
        (
            {"previous_prednisone": D(5), "prednisone": D(10), "weight_kg": 60},
            "severe",
            "prednisone_doubled",
        ),
        (
            {"previous_prednisone": D(5), "prednisone": D("9.5"), "weight_kg": 60},
            "mild_moderate",
            "prednisone_raised",
        ),
        (
            {"previous_prednisone": D(0), "prednisone": D(5), "weight_kg": 60},
            "mild_moderate",
            "prednisone_raised",
        ),  # started from 0: raised, not "doubled"
        (
            {"previous_prednisone": D(10), "prednisone": D(15), "weight_kg": None},
            "mild_moderate",
            "prednisone_raised",
        ),  # weight unknown: only the rise is known
        ({"previous_prednisone": D(10), "prednisone": D(10), "weight_kg": 60}, "none", None),
        ({"previous_prednisone": D(10), "prednisone": D(5), "weight_kg": 60}, "none", None),
        ({"previous_prednisone": None, "prednisone": D(40), "weight_kg": 60}, "none", None),
        # hospitalisation
        ({"hospitalised": True}, "severe", "hospitalised"),
        # drugs added
        (
            {"new_drugs": frozenset({"hydroxychloroquine"})},
            "mild_moderate",
            "new_drug:hydroxychloroquine",
        ),
        ({"new_drugs": frozenset({"nsaid"})}, "mild_moderate", "new_drug:nsaid"),
        (
            {"new_drugs": frozenset({"cyclophosphamide"})},
            "severe",
            "new_drug:cyclophosphamide",
        ),
        ({"new_drugs": frozenset({"azathioprine"})}, "severe", "new_drug:azathioprine"),
        ({"new_drugs": frozenset({"methotrexate"})}, "severe", "new_drug:methotrexate"),
        # PGA
        ({"previous_pga": 0.5, "pga": 1.5}, "mild_moderate", "pga_rise"),
        ({"previous_pga": 1.3, "pga": 2.3}, "mild_moderate", "pga_rise"),  # float-safe
        ({"previous_pga": D("1.5"), "pga": D("2.5")}, "mild_moderate", "pga_rise"),
        ({"previous_pga": 0.5, "pga": 1.4}, "none", None),
        ({"previous_pga": 2.0, "pga": 2.6}, "severe", "pga_above_2_5"),
        ({"previous_pga": 2.8, "pga": 2.8}, "none", None),
        ({"previous_pga": None, "pga": 3.0}, "none", None),
    ],
)
def test_flare_index(kwargs, expected: str, criterion: str | None) -> None:
    f = FlareInput(**kwargs)
    assert flare_index(f) == expected
    mild, severe = flare_criteria(f)
    if criterion is None:
        assert mild == severe == ()
    else:
        assert criterion in (severe if expected == "severe" else mild)


def test_flare_severe_wins_over_mild() -> None:
    f = FlareInput(
        previous_score=2,
        score=6,
        new_or_worse=frozenset({"rash"}),
        new_drugs=frozenset({"nsaid", "azathioprine"}),
    )
    assert flare_criteria(f) == (
        ("score_rise", "manifestation:rash", "new_drug:nsaid"),
        ("new_drug:azathioprine",),
    )
    assert flare_index(f) == "severe"


def test_flare_input_accepts_sets_and_validates() -> None:
    assert FlareInput(new_or_worse={"rash"}).new_or_worse == frozenset({"rash"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="manifestation"):
        FlareInput(new_or_worse=frozenset({"alopecia"}))
    with pytest.raises(ValueError, match="drug"):
        FlareInput(new_drugs=frozenset({"rituximab"}))
    with pytest.raises(ValueError):
        FlareInput(score=106)


@pytest.mark.parametrize("module", ["sledai", "treatments", "response"])
def test_no_framework_imports(module: str) -> None:
    source = (Path(sledai.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    for name in ("django", "pandas", "numpy"):
        assert f"import {name}" not in source and f"from {name}" not in source
