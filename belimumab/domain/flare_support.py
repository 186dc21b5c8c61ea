"""Inputs of the SELENA flare index derived from what a visit records (descriptors, treatments).

`belimumab.domain.sledai.FlareInput` takes manifestations "new or worse" since the previous visit
and drugs added for lupus activity. The application records SELENA-SLEDAI descriptors and dose
changes, from which the *new* part can be read; "worse" (a manifestation present at both visits
but more severe) is a clinical judgement left to the clinician, who confirms the flare anyway.
Pure standard library; codes only.

Sources: SELENA flare index, Petri M et al., N Engl J Med 2005;353:2550-8 (supplementary
appendix); DOMAIN.md "SELENA-SLEDAI" (flare index) and "Corticosteroids and immunosuppressants".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from belimumab.domain.sledai import (
    MILD_NEW_DRUGS,
    SEVERE_NEW_DRUGS,
    validate_codes,
)

# SELENA-SLEDAI descriptor -> manifestation of the SELENA flare index it documents.
FLARE_MANIFESTATION_OF: dict[str, str] = {
    "seizure": "cns",
    "psychosis": "cns",
    "organic_brain_syndrome": "cns",
    "visual_disturbance": "cns",
    "cranial_nerve_disorder": "cns",
    "lupus_headache": "cns",
    "cva": "cns",
    "vasculitis": "vasculitis",
    "arthritis": "arthritis",
    "myositis": "myositis",
    "urinary_casts": "nephritis",
    "haematuria": "nephritis",
    "proteinuria": "nephritis",
    "pyuria": "nephritis",
    "rash": "rash",
    "mucosal_ulcers": "ulcers",
    "pleurisy": "serositis",
    "pericarditis": "serositis",
    "fever": "fever",
}


def new_manifestations(
    previous: Iterable[str] | None, current: Iterable[str] | None
) -> frozenset[str]:
    """Flare-index manifestations documented by descriptors present now and absent before.

    `previous`/`current` are SELENA-SLEDAI descriptor codes; None (not assessed at one of the
    visits) gives no manifestation, since "new" cannot be told. A manifestation already
    documented before by another descriptor of the same kind (haematuria then proteinuria:
    nephritis both times) is not new. Raises ValueError on an unknown descriptor code.
    Source: SELENA flare index ("new or worse"); DOMAIN.md "SELENA flare index".
    """
    if previous is None or current is None:
        return frozenset()
    before = {
        FLARE_MANIFESTATION_OF[c] for c in validate_codes(previous) if c in FLARE_MANIFESTATION_OF
    }
    now = {
        FLARE_MANIFESTATION_OF[c] for c in validate_codes(current) if c in FLARE_MANIFESTATION_OF
    }
    return frozenset(now - before)


def drugs_added(
    changes: Sequence[tuple[str, date, Decimal]], after: date, until: date
) -> frozenset[str]:
    """Flare-index drugs started after `after` and on or before `until`.

    `changes` are (drug, date, new dose) rows of a patient's treatments (any drugs, any order).
    A drug counts as added when a row in (after, until] raises it from none or 0 to a dose
    above 0; only the drugs the SELENA flare index names (hydroxychloroquine, NSAID,
    cyclophosphamide, azathioprine, methotrexate) are returned.
    Source: SELENA flare index (new drugs for lupus activity).
    """
    named = MILD_NEW_DRUGS | SEVERE_NEW_DRUGS
    added: set[str] = set()
    by_drug: dict[str, list[tuple[date, Decimal]]] = {}
    for drug, when, dose in changes:
        if drug in named:
            by_drug.setdefault(drug, []).append((when, Decimal(dose)))
    for drug, rows in by_drug.items():
        previous = Decimal(0)
        for when, dose in sorted(rows, key=lambda row: row[0]):
            if after < when <= until and previous == 0 and dose > 0:
                added.add(drug)
            previous = dose
    return frozenset(added)
