"""Time points, response to belimumab, cohort exclusion and modern outcome measures.

Dates are `datetime.date`; day counts are calendar days; SELENA-SLEDAI in points; corticosteroid
doses in mg/day prednisone equivalent (`Decimal`); PGA 0-3. `today` is always passed in. Pure
standard library; codes and numbers, no labels.

Sources: DOMAIN.md "Time points", "Response at a time point T", "Precise readings"; the
Strasbourg real-life study (seeds/, Table 2); SRI-4: Furie RA et al., Arthritis Rheum
2009;61:1143-51; LLDAS: Franklyn K et al., Ann Rheum Dis 2016;75:1615-21; DORIS 2021:
van Vollenhoven RF et al., Lupus Sci Med 2021;8:e000538; NICE TA752 (2021) continuation rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from belimumab.domain.dates import shift
from belimumab.domain.defaults import (
    BASELINE_WINDOW,
    CONTINUATION_REVIEW_DAYS,
    RESPONSE_SLEDAI_DROP,
    TIMEPOINT_DAYS,
    TIMEPOINT_WINDOW,
)
from belimumab.domain.sledai import (
    SEROLOGY,
    WEIGHTS,
    Number,
    as_decimal,
    clinical_score,
    validate_codes,
    validate_total,
)

TIMEPOINTS: tuple[str, ...] = ("M0", "M6", "M12")
STOP_REASONS: tuple[str, ...] = (
    "inefficacy",
    "adverse_event",
    "patient_choice",
    "remission",
    "pregnancy",
    "other",
)
INEFFICACY = "inefficacy"

# Published thresholds of the outcome measures (fixed by their definitions, not settings).
SRI4_PGA_WORSENING = Decimal("0.3")  # PGA increase that fails SRI-4
LLDAS_SLEDAI_MAX = 4
LLDAS_PGA_MAX = Decimal("1")
LLDAS_PREDNISONE_MAX = Decimal("7.5")  # mg/day
DORIS_PGA_BELOW = Decimal("0.5")
DORIS_PREDNISONE_MAX = Decimal("5")  # mg/day
# SLEDAI descriptors of the LLDAS "major organ" systems: renal, CNS, cardiopulmonary (serositis),
# vasculitis, fever.
LLDAS_MAJOR_ORGAN_DESCRIPTORS: frozenset[str] = frozenset(
    {
        "seizure",
        "psychosis",
        "organic_brain_syndrome",
        "visual_disturbance",
        "cranial_nerve_disorder",
        "lupus_headache",
        "cva",
        "vasculitis",
        "urinary_casts",
        "haematuria",
        "proteinuria",
        "pyuria",
        "pleurisy",
        "pericarditis",
        "fever",
    }
)


# --- time points --------------------------------------------------------------------------------


def nominal_date(d0: date, tp: str, days: Mapping[str, int] = TIMEPOINT_DAYS) -> date:
    """Nominal date of time point `tp`: D0 + its day offset (M0: D0, M6: D0+182, M12: D0+365).

    Raises ValueError for an unknown time point. Source: DOMAIN.md "Time points".
    """
    if tp not in days:
        raise ValueError(f"unknown time point: {tp!r}")
    return shift(d0, days[tp])


def window(
    tp: str,
    baseline: tuple[int, int] = BASELINE_WINDOW,
    other: tuple[int, int] = TIMEPOINT_WINDOW,
) -> tuple[int, int]:
    """Window (days before as a negative number, days after) around the nominal date of `tp`.

    M0 uses the baseline window (default -30, +7 around D0); other time points the time-point
    window (default +/- 45). Source: DOMAIN.md "Time points".
    """
    return baseline if tp == "M0" else other


def nearest_in_window(dates: Sequence[date], target: date, before: int, after: int) -> int | None:
    """Index in `dates` of the date nearest to `target` within [target+before, target+after].

    `before` is negative (days before the target), `after` positive; both edges are inside.
    Ties go to the earlier date (then to the first index). None when no date is in the window.
    Source: DOMAIN.md "Time points" and "Precise readings" (ties go to the earlier visit).
    """
    lo, hi = shift(target, before), shift(target, after)
    best: int | None = None
    best_key: tuple[int, date] | None = None
    for i, d in enumerate(dates):
        if lo <= d <= hi:
            key = (abs((d - target).days), d)
            if best_key is None or key < best_key:
                best, best_key = i, key
    return best


def timepoint_index(
    dates: Sequence[date],
    d0: date,
    tp: str,
    days: Mapping[str, int] = TIMEPOINT_DAYS,
    baseline: tuple[int, int] = BASELINE_WINDOW,
    other: tuple[int, int] = TIMEPOINT_WINDOW,
) -> int | None:
    """Index of the visit (or lab result) of time point `tp` among `dates`, or None.

    Combines `nominal_date`, `window` and `nearest_in_window`. Source: DOMAIN.md "Time points".
    """
    before, after = window(tp, baseline, other)
    return nearest_in_window(dates, nominal_date(d0, tp, days), before, after)


def on_treatment(start: date, stop: date | None, nominal: date) -> bool:
    """Whether a patient is on belimumab at a nominal date: started on or before it and not
    stopped by it (a stop dated on or before the nominal date means not on treatment).

    Source: DOMAIN.md "Time points" and "Precise readings" (stopped before T).
    """
    return start <= nominal and (stop is None or stop > nominal)


# --- response -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientCourse:
    """Inputs of the response rule for one patient at one time point T.

    d0: belimumab initiation; stop_date/stop_reason: end of the course (reason among
    STOP_REASONS) or None; sledai_m0/sledai_t: SELENA-SLEDAI (points) at M0 and T, None when not
    recorded; steroid_m0/steroid_t: corticosteroid dose in force (mg/day prednisone equivalent),
    None when no corticosteroid; immunosuppressants: drug -> (dose in force at D0, at T), None
    when not taken by then, 0 when stopped.
    """

    d0: date
    stop_date: date | None = None
    stop_reason: str | None = None
    sledai_m0: int | None = None
    sledai_t: int | None = None
    steroid_m0: Decimal | None = None
    steroid_t: Decimal | None = None
    immunosuppressants: Mapping[str, tuple[Decimal | None, Decimal | None]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        for name in ("sledai_m0", "sledai_t"):
            value = getattr(self, name)
            if value is not None:
                validate_total(value)
        if self.stop_date is not None and self.stop_date < self.d0:
            raise ValueError("stop date before D0")


@dataclass(frozen=True)
class Response:
    """Response of one patient at time point T (computed; the clinician may adjudicate apart).

    reasons: codes among "stopped_before", "stopped_inefficacy", "no_score", "worsening",
    "score_zero", "drop_4", "steroid_decrease", "immunosuppressant_decrease", "no_improvement".
    detail: numbers used: sledai_m0, sledai_t, drop (M0 - T, points), steroid_m0, steroid_t
    (mg/day), drug (first immunosuppressant decreased, or None), drugs (all of them), nominal
    (nominal date of T).
    """

    timepoint: str
    on_treatment: bool
    evaluable: bool
    responder: bool
    failure: bool
    steroid_sparing: bool | None
    reasons: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)


def steroid_sparing(steroid_m0: Decimal | None, steroid_t: Decimal | None) -> bool | None:
    """Corticosteroid sparing at T: on corticosteroids at M0 (dose > 0) and a lower dose at T
    (0 counts). None when not on corticosteroids at M0 or the dose at T is unknown.

    Doses in mg/day prednisone equivalent. Source: DOMAIN.md "Corticosteroid sparing".
    """
    if steroid_m0 is None or steroid_m0 <= 0 or steroid_t is None:
        return None
    return steroid_t < steroid_m0


def decreased_immunosuppressants(
    doses: Mapping[str, tuple[Decimal | None, Decimal | None]],
) -> tuple[str, ...]:
    """Immunosuppressants whose dose in force at T is below the dose in force at D0 (0 = stopped),
    sorted by name. A drug not taken at D0 (None or 0) cannot be decreased.

    Source: DOMAIN.md "Precise readings" (decreased = dose at T below dose at D0).
    """
    return tuple(
        sorted(
            drug
            for drug, (at_d0, at_t) in doses.items()
            if at_d0 is not None and at_t is not None and at_t < at_d0
        )
    )


def response_at(
    tp: str,
    course: PatientCourse,
    drop: int = RESPONSE_SLEDAI_DROP,
    days: Mapping[str, int] = TIMEPOINT_DAYS,
) -> Response:
    """Response to belimumab at time point `tp` ("M6", "M12"), as the Strasbourg study defines it.

    1. Not on belimumab at T (stop on or before the nominal date): not a responder
       ("stopped_before"); a failure when the stop reason is inefficacy ("stopped_inefficacy").
    2. No SELENA-SLEDAI at T: not evaluable, not a responder ("no_score").
    3. SELENA-SLEDAI at T above M0: not a responder ("worsening").
    4. Otherwise a responder when any holds: score 0 at T ("score_zero"); a fall of `drop` points
       or more from M0 ("drop_4"); corticosteroid dose at T below M0 ("steroid_decrease"); an
       immunosuppressant dose in force at T below its dose at D0 ("immunosuppressant_decrease");
       else "no_improvement".
    Without a SELENA-SLEDAI at M0 the tests against M0 (3 and the fall) are skipped. The computed
    failure covers only a stop for inefficacy; other failures (flare on treatment, persistent
    activity) are clinician adjudications kept apart. `steroid_sparing` is computed whether or
    not the patient is still treated; cohort statistics keep only patients on treatment at T.
    Source: DOMAIN.md "Response at a time point T" and "Precise readings"; Strasbourg study.
    """
    if tp not in days or tp == "M0":
        raise ValueError(f"response is computed at a follow-up time point, got {tp!r}")
    nominal = nominal_date(course.d0, tp, days)
    treated = on_treatment(course.d0, course.stop_date, nominal)
    m0, t = course.sledai_m0, course.sledai_t
    fall = m0 - t if m0 is not None and t is not None else None
    drugs = decreased_immunosuppressants(course.immunosuppressants)
    detail: dict[str, Any] = {
        "sledai_m0": m0,
        "sledai_t": t,
        "drop": fall,
        "steroid_m0": course.steroid_m0,
        "steroid_t": course.steroid_t,
        "drug": drugs[0] if drugs else None,
        "drugs": drugs,
        "nominal": nominal,
    }
    sparing = steroid_sparing(course.steroid_m0, course.steroid_t)

    def result(evaluable: bool, responder: bool, failure: bool, reasons: list[str]) -> Response:
        return Response(tp, treated, evaluable, responder, failure, sparing, tuple(reasons), detail)

    if not treated:
        failed = course.stop_reason == INEFFICACY
        reasons = ["stopped_before"] + (["stopped_inefficacy"] if failed else [])
        return result(True, False, failed, reasons)
    if t is None:
        return result(False, False, False, ["no_score"])
    if fall is not None and fall < 0:
        return result(True, False, False, ["worsening"])

    reasons = _improvements(course, t, fall, drop, drugs)
    if reasons:
        return result(True, True, False, reasons)
    return result(True, False, False, ["no_improvement"])


def _improvements(
    course: PatientCourse, t: int, fall: int | None, drop: int, drugs: tuple[str, ...]
) -> list[str]:
    """The reasons of step 4 of `response_at` that hold (none: no improvement)."""
    reasons = []
    if t == 0:
        reasons.append("score_zero")
    if fall is not None and fall >= drop:
        reasons.append("drop_4")
    if (
        course.steroid_m0 is not None
        and course.steroid_t is not None
        and course.steroid_t < course.steroid_m0
    ):
        reasons.append("steroid_decrease")
    if drugs:
        reasons.append("immunosuppressant_decrease")
    return reasons


def exclusion_reasons(prior_trial: bool, indication: str, interrupted: bool) -> tuple[str, ...]:
    """Reasons (codes) excluding a patient from the cohort statistics, empty when included.

    "prior_trial": belimumab received before in a clinical trial; "interruption": more than
    2 months of interruption within the first year (computed by the schedule module);
    "indication": an indication code other than "sle".
    Source: DOMAIN.md "Patients and inclusion in the cohort analysis"; Strasbourg study methods.
    """
    reasons: list[str] = []
    if prior_trial:
        reasons.append("prior_trial")
    if interrupted:
        reasons.append("interruption")
    if indication != "sle":
        reasons.append("indication")
    return tuple(reasons)


# --- modern outcome measures (per visit) -------------------------------------------------------


def _all(*parts: bool | None) -> bool | None:
    """Three-valued AND: False if any part is False, else None if any is unknown, else True."""
    if any(p is False for p in parts):
        return False
    if any(p is None for p in parts):
        return None
    return True


@dataclass(frozen=True)
class Sri4:
    """SRI-4 at a visit: `met` (None when data is insufficient) and `without_bilag` (True when
    the BILAG component could not be assessed: label "SRI-4 (without BILAG)")."""

    met: bool | None
    without_bilag: bool


def sri4(
    *,
    sledai_m0: int | None,
    sledai: int | None,
    pga_m0: Number | None,
    pga: Number | None,
    bilag_new_a: int | None = None,
    bilag_new_b: int | None = None,
    drop: int = RESPONSE_SLEDAI_DROP,
) -> Sri4:
    """SLE Responder Index 4 against baseline (M0).

    Met when SELENA-SLEDAI fell by `drop` (4) points or more, PGA (0-3) did not worsen by 0.3 or
    more, and (with BILAG) no new BILAG A and at most one new BILAG B domain. Without BILAG
    (both counts None) the BILAG part is not assessed and `without_bilag` is True. Three-valued:
    False as soon as a known component fails, None when a needed value is missing.
    Source: Furie 2009 (SRI); DOMAIN.md "Modern outcome measures".
    """
    if (bilag_new_a is None) != (bilag_new_b is None):
        raise ValueError("give both BILAG counts (new A, new B) or neither")
    without_bilag = bilag_new_a is None
    sledai_ok = None if sledai_m0 is None or sledai is None else sledai_m0 - sledai >= drop
    pga_ok = (
        None
        if pga_m0 is None or pga is None
        else as_decimal(pga) - as_decimal(pga_m0) < SRI4_PGA_WORSENING
    )
    bilag_ok = (
        None
        if bilag_new_a is None or bilag_new_b is None
        else bilag_new_a == 0 and bilag_new_b <= 1
    )
    parts = (sledai_ok, pga_ok) if without_bilag else (sledai_ok, pga_ok, bilag_ok)
    return Sri4(_all(*parts), without_bilag)


def _known_descriptors(
    score: int | None, descriptors: Iterable[str] | None
) -> frozenset[str] | None:
    """The visit's descriptors, or the empty set when only a total of 0 was recorded."""
    if descriptors is not None:
        return validate_codes(descriptors)
    if score == 0:
        return frozenset()
    return None


def _prednisone_ok(prednisone: Number | None, limit: Decimal) -> bool:
    """None (no corticosteroid) counts as 0 mg/day."""
    return prednisone is None or as_decimal(prednisone) <= limit


def lldas(
    *,
    score: int | None,
    descriptors: Iterable[str] | None,
    previous_descriptors: Iterable[str] | None,
    pga: Number | None,
    prednisone: Number | None,
) -> bool | None:
    """Lupus Low Disease Activity State (LLDAS, 2016) at a visit.

    Met when: SELENA-SLEDAI <= 4 points; no major-organ activity (renal, CNS, cardiopulmonary,
    vasculitis, fever: LLDAS_MAJOR_ORGAN_DESCRIPTORS present); no descriptor present that was
    absent at the previous visit; PGA (0-3) <= 1; prednisone equivalent <= 7.5 mg/day (None: no
    corticosteroid, counts as 0); standard immunosuppressants tolerated (assumed). A total of 0
    implies no descriptor. Three-valued: False as soon as a known component fails, None when a
    needed value is missing (score, descriptors, previous visit's descriptors, PGA).
    The study records SELENA-SLEDAI, used here in place of SLEDAI-2K.
    Source: Franklyn 2016; DOMAIN.md "Modern outcome measures".
    """
    if score is not None:
        validate_total(score)
    present = _known_descriptors(score, descriptors)
    previous = None if previous_descriptors is None else validate_codes(previous_descriptors)
    score_ok = None if score is None else score <= LLDAS_SLEDAI_MAX
    organ_ok = None if present is None else not (present & LLDAS_MAJOR_ORGAN_DESCRIPTORS)
    if present is not None and not present:
        new_ok: bool | None = True
    elif present is None or previous is None:
        new_ok = None
    else:
        new_ok = not (present - previous)
    pga_ok = None if pga is None else as_decimal(pga) <= LLDAS_PGA_MAX
    return _all(
        score_ok, organ_ok, new_ok, pga_ok, _prednisone_ok(prednisone, LLDAS_PREDNISONE_MAX)
    )


def doris(
    *,
    score: int | None,
    descriptors: Iterable[str] | None,
    pga: Number | None,
    prednisone: Number | None,
) -> bool | None:
    """DORIS 2021 remission at a visit.

    Met when the clinical SELENA-SLEDAI (score without low complement and increased DNA binding)
    is 0, PGA (0-3) < 0.5 and prednisone equivalent <= 5 mg/day (None: no corticosteroid, counts
    as 0). With only a recorded total: 0 gives clinical 0; a total above the serology weights
    (4) gives clinical > 0; otherwise unknown. Three-valued like `lldas`.
    Source: van Vollenhoven 2021 (DORIS); DOMAIN.md "Modern outcome measures".
    """
    if score is not None:
        validate_total(score)
    present = _known_descriptors(score, descriptors)
    if present is not None:
        clinical_ok: bool | None = clinical_score(present) == 0
    elif score is not None and score > sum(WEIGHTS[c] for c in SEROLOGY):
        clinical_ok = False
    else:
        clinical_ok = None
    pga_ok = None if pga is None else as_decimal(pga) < DORIS_PGA_BELOW
    return _all(clinical_ok, pga_ok, _prednisone_ok(prednisone, DORIS_PREDNISONE_MAX))


# --- NICE continuation rule ---------------------------------------------------------------------


def continuation_review_due(
    start: date,
    today: date,
    review_days: int = CONTINUATION_REVIEW_DAYS,
    reviewed: bool = False,
) -> bool:
    """Whether the NICE continuation review is due: `review_days` (24 weeks = 168 days) have
    passed since belimumab was started and the review was not done yet.

    Source: NICE TA752 (continue past 24 weeks only if SELENA-SLEDAI improved by >= 4).
    """
    return not reviewed and today >= shift(start, review_days)


def continuation_met(
    sledai_m0: int | None, sledai_now: int | None, drop: int = RESPONSE_SLEDAI_DROP
) -> bool | None:
    """NICE continuation criterion: SELENA-SLEDAI improved by `drop` (4) points or more since
    initiation. None when either score is missing.

    Source: NICE TA752; DOMAIN.md "Continuation rule".
    """
    if sledai_m0 is None or sledai_now is None:
        return None
    return sledai_m0 - sledai_now >= drop
