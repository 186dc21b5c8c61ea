"""SELENA-SLEDAI: descriptors, score, activity class, lab suggestions and the SELENA flare index.

Pure standard library. Scores are integers 0-105; lab values are in the units of DOMAIN.md
(platelets and leukocytes in 10^9/L). Human labels live in the Django layer: this module returns
codes and numbers only.

Sources: Petri M et al., "Combined oral contraceptives in women with systemic lupus erythematosus"
(SELENA trial), N Engl J Med 2005;353:2550-8 and its supplementary appendix (SELENA-SLEDAI form
and SELENA flare index); Bombardier C et al., Arthritis Rheum 1992;35:630-40 (SLEDAI); DOMAIN.md
"SELENA-SLEDAI".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from belimumab.domain.defaults import ACTIVITY_BANDS, LEUKOPENIA_BELOW, THROMBOCYTOPENIA_BELOW

Number = Decimal | float | int


@dataclass(frozen=True)
class Descriptor:
    """One SELENA-SLEDAI descriptor: code, weight (points), organ system, laboratory-based."""

    code: str
    weight: int
    organ: str
    lab: bool


# The 24 descriptors in the order of the SELENA-SLEDAI form. `lab` is True for the descriptors
# read from a laboratory result (urinalysis, complement, anti-dsDNA, blood count).
DESCRIPTORS: tuple[Descriptor, ...] = (
    Descriptor("seizure", 8, "neurological", False),
    Descriptor("psychosis", 8, "neurological", False),
    Descriptor("organic_brain_syndrome", 8, "neurological", False),
    Descriptor("visual_disturbance", 8, "neurological", False),
    Descriptor("cranial_nerve_disorder", 8, "neurological", False),
    Descriptor("lupus_headache", 8, "neurological", False),
    Descriptor("cva", 8, "neurological", False),
    Descriptor("vasculitis", 8, "vascular", False),
    Descriptor("arthritis", 4, "musculoskeletal", False),
    Descriptor("myositis", 4, "musculoskeletal", False),
    Descriptor("urinary_casts", 4, "renal", True),
    Descriptor("haematuria", 4, "renal", True),
    Descriptor("proteinuria", 4, "renal", True),
    Descriptor("pyuria", 4, "renal", True),
    Descriptor("rash", 2, "mucocutaneous", False),
    Descriptor("alopecia", 2, "mucocutaneous", False),
    Descriptor("mucosal_ulcers", 2, "mucocutaneous", False),
    Descriptor("pleurisy", 2, "serosal", False),
    Descriptor("pericarditis", 2, "serosal", False),
    Descriptor("low_complement", 2, "immunological", True),
    Descriptor("increased_dna_binding", 2, "immunological", True),
    Descriptor("fever", 1, "constitutional", False),
    Descriptor("thrombocytopenia", 1, "haematological", True),
    Descriptor("leukopenia", 1, "haematological", True),
)
DESCRIPTOR_CODES: tuple[str, ...] = tuple(d.code for d in DESCRIPTORS)
WEIGHTS: dict[str, int] = {d.code: d.weight for d in DESCRIPTORS}
ORGANS: dict[str, str] = {d.code: d.organ for d in DESCRIPTORS}
MAX_SCORE: int = sum(WEIGHTS.values())  # 105
# Serology descriptors, ignored by the "clinical SLEDAI" (DORIS 2021).
SEROLOGY: frozenset[str] = frozenset({"low_complement", "increased_dna_binding"})
# Descriptors that `lab_suggestions` can propose from a time point's labs.
SUGGESTIBLE: frozenset[str] = frozenset(
    {"low_complement", "increased_dna_binding", "thrombocytopenia", "leukopenia"}
)
COMPLEMENT_TESTS: tuple[str, ...] = ("ch50", "c3", "c4")


class SledaiMismatch(ValueError):
    """A visit's recorded total disagrees with the weighted sum of its descriptors."""


def validate_codes(descriptors: Iterable[str]) -> frozenset[str]:
    """Return the descriptor codes as a set; ValueError on a code not on the SELENA-SLEDAI form."""
    codes = frozenset(descriptors)
    unknown = codes - WEIGHTS.keys()
    if unknown:
        raise ValueError(f"unknown SELENA-SLEDAI descriptor(s): {', '.join(sorted(unknown))}")
    return codes


def score(descriptors: Iterable[str]) -> int:
    """SELENA-SLEDAI score (points, 0-105): weighted sum of the descriptors present.

    Each descriptor counts once (duplicates are ignored). Raises ValueError on an unknown code.
    Source: SELENA-SLEDAI form (Petri 2005); DOMAIN.md "SELENA-SLEDAI".
    """
    return sum(WEIGHTS[code] for code in validate_codes(descriptors))


def clinical_score(descriptors: Iterable[str]) -> int:
    """Clinical SELENA-SLEDAI (points): the score without low complement and increased DNA binding.

    Source: DORIS 2021 remission definition (van Vollenhoven R et al., Ann Rheum Dis 2021;80:14-25).
    """
    return score(validate_codes(descriptors) - SEROLOGY)


def validate_total(total: int) -> int:
    """Check a SELENA-SLEDAI total is an integer within 0..105 points; return it."""
    if isinstance(total, bool) or not isinstance(total, int):
        raise ValueError(f"SELENA-SLEDAI total must be an integer, got {total!r}")
    if not 0 <= total <= MAX_SCORE:
        raise ValueError(f"SELENA-SLEDAI total must be within 0..{MAX_SCORE}, got {total}")
    return total


def visit_score(descriptors: Iterable[str] | None, recorded_total: int | None) -> int | None:
    """A visit's SELENA-SLEDAI score (points, 0-105), or None when the visit has no score.

    `descriptors=None` means the descriptors were not recorded; any iterable (even empty: every
    descriptor absent, score 0) means they were. Retrospective visits may carry only
    `recorded_total`, which is then returned as entered. When both are given and disagree,
    raises `SledaiMismatch`; a total outside 0..105 raises ValueError.
    Source: DOMAIN.md "SELENA-SLEDAI" (recorded total instead of descriptors).
    """
    total = None if recorded_total is None else validate_total(recorded_total)
    if descriptors is None:
        return total
    computed = score(descriptors)
    if total is not None and total != computed:
        raise SledaiMismatch(
            f"recorded SELENA-SLEDAI total {total} differs from the descriptors' sum {computed}"
        )
    return computed


def activity_class(
    score: int | None, bands: Iterable[tuple[int, str]] = ACTIVITY_BANDS
) -> str | None:
    """Activity class code of a SELENA-SLEDAI score (points); None for a missing score.

    `bands` gives the lower bound of each class; the default (the study's bands) yields
    "none" (0), "mild" (1-5), "moderate" (6-10), "high" (11-19), "very_high" (>= 20).
    Raises ValueError for a score outside 0..105 or below the first band.
    Source: Strasbourg study (seeds/), DOMAIN.md "Activity class".
    """
    if score is None:
        return None
    validate_total(score)
    found: str | None = None
    for lower, code in sorted(bands):
        if score >= lower:
            found = code
    if found is None:
        raise ValueError(f"score {score} is below every activity band")
    return found


def _normal_low(value: Number, lower: Number | None) -> bool:
    return lower is not None and value < lower


def _normal_high(value: Number, upper: Number | None) -> bool:
    return upper is not None and value > upper


def lab_suggestions(
    labs: Mapping[str, tuple[Number | None, Number | None, Number | None]],
    thrombocytopenia_below: float = THROMBOCYTOPENIA_BELOW,
    leukopenia_below: float = LEUKOPENIA_BELOW,
) -> frozenset[str]:
    """SELENA-SLEDAI lab descriptors proposed from one time point's labs (the clinician confirms).

    `labs` maps a test code ("anti_dsdna", "ch50", "c3", "c4", "platelets", "leukocytes"; others
    are ignored) to (value, lower limit, upper limit) in the result's unit; platelets and
    leukocytes in 10^9/L. Normal means lower <= value <= upper (a value equal to a limit is
    normal; a missing limit or value tests nothing).
    - low_complement: CH50, C3 or C4 below its lower limit;
    - increased_dna_binding: anti-dsDNA above its upper limit;
    - thrombocytopenia: platelets < `thrombocytopenia_below` (default 100 x 10^9/L);
    - leukopenia: leukocytes < `leukopenia_below` (default 3 x 10^9/L).
    Source: SELENA-SLEDAI definitions; DOMAIN.md "SELENA-SLEDAI" and "Precise readings".
    """
    found: set[str] = set()
    for test in COMPLEMENT_TESTS:
        if test in labs:
            value, lower, _upper = labs[test]
            if value is not None and _normal_low(value, lower):
                found.add("low_complement")
    if "anti_dsdna" in labs:
        value, _lower, upper = labs["anti_dsdna"]
        if value is not None and _normal_high(value, upper):
            found.add("increased_dna_binding")
    if "platelets" in labs:
        value = labs["platelets"][0]
        if value is not None and value < thrombocytopenia_below:
            found.add("thrombocytopenia")
    if "leukocytes" in labs:
        value = labs["leukocytes"][0]
        if value is not None and value < leukopenia_below:
            found.add("leukopenia")
    return frozenset(found)


# --- SELENA flare index (SFI) -----------------------------------------------------------------
# Thresholds of the published instrument (Petri 2005 appendix), not department settings.
SFI_SCORE_RISE = 3  # points: mild/moderate rise
SFI_SCORE_SEVERE_ABOVE = 12  # points
SFI_PREDNISONE_MG_PER_KG = Decimal("0.5")  # mg/kg/day
SFI_PGA_RISE = Decimal("1.0")
SFI_PGA_SEVERE_ABOVE = Decimal("2.5")
SFI_PLATELETS_BELOW = 60  # 10^9/L

MILD_MANIFESTATIONS: frozenset[str] = frozenset(
    {"rash", "ulcers", "serositis", "arthritis", "fever"}
)
SEVERE_MANIFESTATIONS: frozenset[str] = frozenset(
    {"cns", "vasculitis", "nephritis", "myositis", "haemolytic_anaemia"}
)
MILD_NEW_DRUGS: frozenset[str] = frozenset({"hydroxychloroquine", "nsaid"})
SEVERE_NEW_DRUGS: frozenset[str] = frozenset({"cyclophosphamide", "azathioprine", "methotrexate"})


def as_decimal(x: Number) -> Decimal:
    """Exact decimal of a number (a float through its shortest repr: 0.1 -> Decimal('0.1'))."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(x)


@dataclass(frozen=True)
class FlareInput:
    """Inputs of the SELENA flare index, comparing a visit with the previous one.

    Scores in SELENA-SLEDAI points; PGA 0-3; prednisone in mg/day prednisone equivalent;
    weight in kg; platelets in 10^9/L. None means unknown: the criteria needing it don't trigger.
    `new_or_worse`: manifestations new or worse since the previous visit (MILD_MANIFESTATIONS |
    SEVERE_MANIFESTATIONS); `new_drugs`: drugs added for lupus activity (MILD_NEW_DRUGS |
    SEVERE_NEW_DRUGS); `hospitalised`: hospitalisation for lupus activity.
    """

    previous_score: int | None = None
    score: int | None = None
    previous_pga: Number | None = None
    pga: Number | None = None
    previous_prednisone: Number | None = None
    prednisone: Number | None = None
    weight_kg: Number | None = None
    new_or_worse: frozenset[str] = frozenset()
    platelets: Number | None = None
    hospitalised: bool = False
    new_drugs: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "new_or_worse", frozenset(self.new_or_worse))
        object.__setattr__(self, "new_drugs", frozenset(self.new_drugs))
        unknown = self.new_or_worse - MILD_MANIFESTATIONS - SEVERE_MANIFESTATIONS
        if unknown:
            raise ValueError(f"unknown flare manifestation(s): {', '.join(sorted(unknown))}")
        unknown = self.new_drugs - MILD_NEW_DRUGS - SEVERE_NEW_DRUGS
        if unknown:
            raise ValueError(f"unknown flare drug(s): {', '.join(sorted(unknown))}")
        for name in ("previous_score", "score"):
            value = getattr(self, name)
            if value is not None:
                validate_total(value)


def flare_criteria(f: FlareInput) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Criteria of the SELENA flare index met by `f`: (mild/moderate codes, severe codes).

    Mild/moderate: "score_rise" (up by >= 3 points, new score <= 12); "manifestation:<code>"
    (new/worse rash, ulcers, serositis, arthritis, fever); "prednisone_raised" (raised, not above
    0.5 mg/kg/day, or weight unknown); "new_drug:<code>" (hydroxychloroquine or NSAID added);
    "pga_rise" (up by >= 1.0, new PGA <= 2.5).
    Severe: "score_above_12" (score rose to above 12); "manifestation:<code>" (new/worse CNS lupus,
    vasculitis, nephritis, myositis, haemolytic anaemia); "platelets_below_60" (< 60 x 10^9/L);
    "prednisone_doubled" (previous dose > 0 at least doubled); "prednisone_above_0_5_mg_kg"
    (raised to above 0.5 mg/kg/day); "hospitalised"; "new_drug:<code>" (cyclophosphamide,
    azathioprine, methotrexate added); "pga_above_2_5" (PGA rose to above 2.5).
    A change-based criterion needs both values; "score rose to above 12" (the SFI's "change in
    SELENA-SLEDAI to > 12") needs a score higher than the previous one.
    Source: SELENA flare index, Petri 2005 supplementary appendix; DOMAIN.md "SELENA flare index".
    """
    mild: list[str] = []
    severe: list[str] = []

    if f.score is not None and f.previous_score is not None:
        rise = f.score - f.previous_score
        if f.score > SFI_SCORE_SEVERE_ABOVE and rise > 0:
            severe.append("score_above_12")
        elif rise >= SFI_SCORE_RISE:
            mild.append("score_rise")

    mild.extend(f"manifestation:{m}" for m in sorted(f.new_or_worse & MILD_MANIFESTATIONS))
    severe.extend(f"manifestation:{m}" for m in sorted(f.new_or_worse & SEVERE_MANIFESTATIONS))

    if f.platelets is not None and as_decimal(f.platelets) < SFI_PLATELETS_BELOW:
        severe.append("platelets_below_60")

    prednisone_mild, prednisone_severe = _prednisone_criteria(f)
    mild.extend(prednisone_mild)
    severe.extend(prednisone_severe)

    if f.hospitalised:
        severe.append("hospitalised")

    mild.extend(f"new_drug:{d}" for d in sorted(f.new_drugs & MILD_NEW_DRUGS))
    severe.extend(f"new_drug:{d}" for d in sorted(f.new_drugs & SEVERE_NEW_DRUGS))

    if f.pga is not None and f.previous_pga is not None:
        now, before = as_decimal(f.pga), as_decimal(f.previous_pga)
        if now > SFI_PGA_SEVERE_ABOVE and now > before:
            severe.append("pga_above_2_5")
        elif now - before >= SFI_PGA_RISE:
            mild.append("pga_rise")

    return tuple(mild), tuple(severe)


def _prednisone_criteria(f: FlareInput) -> tuple[list[str], list[str]]:
    """The prednisone criteria of `flare_criteria`: (mild codes, severe codes)."""
    if f.prednisone is None or f.previous_prednisone is None:
        return [], []
    now, before = as_decimal(f.prednisone), as_decimal(f.previous_prednisone)
    if now <= before:
        return [], []
    limit = None if f.weight_kg is None else SFI_PREDNISONE_MG_PER_KG * as_decimal(f.weight_kg)
    severe = []
    if before > 0 and now >= 2 * before:
        severe.append("prednisone_doubled")
    if limit is not None and now > limit:
        severe.append("prednisone_above_0_5_mg_kg")
    return ([] if severe else ["prednisone_raised"]), severe


def flare_index(f: FlareInput) -> str:
    """SELENA flare index: "severe" if any severe criterion, else "mild_moderate" if any
    mild/moderate criterion, else "none". See `flare_criteria` for the criteria.

    Source: SELENA flare index (Petri 2005); DOMAIN.md "SELENA flare index".
    """
    mild, severe = flare_criteria(f)
    if severe:
        return "severe"
    if mild:
        return "mild_moderate"
    return "none"
