"""Concomitant treatments: drug categories, prednisone equivalents, dose in force, dose changes.

Doses are `Decimal` in mg/day (corticosteroids) or in the drug's own daily unit
(immunosuppressants). "No dose" (None: the drug was never started by that date) is not the same
as 0 (the drug was stopped). Pure standard library; codes, not labels.

Sources: DOMAIN.md "Corticosteroids and immunosuppressants" and "Precise readings"; corticosteroid
equivalences as in the British National Formulary / Vidal (prednisone 5 mg = prednisolone 5 mg =
methylprednisolone 4 mg = hydrocortisone 20 mg).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

CORTICOSTEROIDS: tuple[str, ...] = (
    "prednisone",
    "prednisolone",
    "methylprednisolone",
    "hydrocortisone",
)
IMMUNOSUPPRESSANTS: tuple[str, ...] = (
    "mycophenolate",
    "methotrexate",
    "azathioprine",
    "cyclophosphamide",
    "tacrolimus",
    "ciclosporin",
    "leflunomide",
)
OTHER_DRUGS: tuple[str, ...] = (
    "hydroxychloroquine",
    "chloroquine",
    "dapsone",
    "thalidomide",
    "other",
)
ALL_DRUGS: tuple[str, ...] = CORTICOSTEROIDS + IMMUNOSUPPRESSANTS + OTHER_DRUGS

# mg of prednisone equivalent to 1 mg of the drug (anti-inflammatory potency).
PREDNISONE_PER_MG: dict[str, Decimal] = {
    "prednisone": Decimal(1),
    "prednisolone": Decimal(1),
    "methylprednisolone": Decimal(5) / Decimal(4),  # 4 mg = prednisone 5 mg
    "hydrocortisone": Decimal(5) / Decimal(20),  # 20 mg = prednisone 5 mg
}

CHANGE_KINDS: tuple[str, ...] = ("started", "increased", "decreased", "stopped", "unchanged")


def drug_category(drug: str) -> str:
    """Category code of a drug: "corticosteroid", "immunosuppressant" or "other".

    Raises ValueError for a drug outside ALL_DRUGS.
    Source: DOMAIN.md "Precise readings" (immunosuppressants for "decreased or stopped").
    """
    if drug in CORTICOSTEROIDS:
        return "corticosteroid"
    if drug in IMMUNOSUPPRESSANTS:
        return "immunosuppressant"
    if drug in OTHER_DRUGS:
        return "other"
    raise ValueError(f"unknown drug: {drug!r}")


def _check_dose(dose: Decimal) -> Decimal:
    if not isinstance(dose, Decimal | int) or isinstance(dose, bool):
        raise ValueError(f"dose must be a Decimal, got {dose!r}")
    dose = Decimal(dose)
    if not dose.is_finite() or dose < 0:
        raise ValueError(f"dose must be a finite number >= 0, got {dose}")
    return dose


def prednisone_equivalent(drug: str, dose_mg: Decimal) -> Decimal:
    """Daily dose of a corticosteroid in mg/day prednisone equivalent.

    Methylprednisolone 4 mg = prednisone 5 mg; prednisolone 1:1; hydrocortisone 20 mg = prednisone
    5 mg. Raises ValueError for a drug that is not a corticosteroid or a negative dose.
    Source: DOMAIN.md "Corticosteroids and immunosuppressants".
    """
    if drug not in PREDNISONE_PER_MG:
        raise ValueError(f"not a corticosteroid: {drug!r}")
    return _check_dose(dose_mg) * PREDNISONE_PER_MG[drug]


def dose_in_force(changes: Sequence[tuple[date, Decimal]], on: date) -> Decimal | None:
    """Dose (drug's unit per day) in force on `on`: that of the last change dated on or before it.

    `changes` are (date, new dose) pairs in any order; 0 records a stop. Two changes on the same
    date: the later in `changes` wins. Returns None when the drug was not started by `on` (no
    change on or before it), which is not the same as 0 (stopped).
    Source: DOMAIN.md "Time points" (dose in force on the time point's date).
    """
    found: Decimal | None = None
    found_date: date | None = None
    for when, dose in changes:
        if when <= on and (found_date is None or when >= found_date):
            found, found_date = _check_dose(dose), when
    return found


def steroid_dose_in_force(changes: Sequence[tuple[str, date, Decimal]], on: date) -> Decimal | None:
    """Corticosteroid dose in force on `on`, in mg/day prednisone equivalent, summed over drugs.

    `changes` are (drug, date, new dose in mg/day of that drug); non-corticosteroid drugs are
    ignored, so a patient's whole treatment history can be passed. Returns None when the patient
    had no corticosteroid change on or before `on` (never on corticosteroids: reported apart),
    Decimal 0 when every corticosteroid was stopped.
    Source: DOMAIN.md "Corticosteroids and immunosuppressants".
    """
    by_drug: dict[str, list[tuple[date, Decimal]]] = {}
    for drug, when, dose in changes:
        if drug in PREDNISONE_PER_MG:
            by_drug.setdefault(drug, []).append((when, dose))
    total: Decimal | None = None
    for drug, drug_changes in by_drug.items():
        in_force = dose_in_force(drug_changes, on)
        if in_force is not None:
            total = (total or Decimal(0)) + prednisone_equivalent(drug, in_force)
    return total


def change_kind(previous: Decimal | None, new: Decimal) -> str:
    """Kind of a dose change from `previous` (None: never taken) to `new` (0: stopped).

    Returns "started" (from none or 0 to a dose), "increased", "decreased" (to a lower dose
    above 0), "stopped" (to 0 from a dose) or "unchanged".
    Source: DOMAIN.md "Corticosteroids and immunosuppressants" (started, increased, decreased,
    stopped).
    """
    new = _check_dose(new)
    before = Decimal(0) if previous is None else _check_dose(previous)
    if new == before:
        return "unchanged"
    if before == 0:
        return "started"
    if new == 0:
        return "stopped"
    return "increased" if new > before else "decreased"
