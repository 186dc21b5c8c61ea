"""The belimumab regimens of DOMAIN.md, as data.

Seeded by the `fill_regimens` migration and ensured after every migrate or flush (post_migrate),
so that a database emptied by a test or a restore still has them. Existing rows, which an
administrator may have edited, are never overwritten.
"""

from __future__ import annotations

from typing import Any

from belimumab.domain import defaults
from belimumab.patients.models import Regimen

REGIMENS: list[dict[str, Any]] = [
    {
        "code": "iv_standard",
        "name": "IV 10 mg/kg D0, D14, D28 then every 28 days",
        "route": "iv",
        "mg_per_kg": defaults.IV_DOSE_MG_PER_KG,
        "fixed_dose_mg": None,
        "loading_intervals_days": list(defaults.IV_LOADING_INTERVALS_DAYS),
        "loading_doses_mg": [],
        "interval_days": defaults.IV_INTERVAL_DAYS,
    },
    {
        "code": "iv_nephritis",
        "name": "IV lupus nephritis 10 mg/kg D0, D14, D28 then every 28 days",
        "route": "iv",
        "mg_per_kg": defaults.IV_DOSE_MG_PER_KG,
        "fixed_dose_mg": None,
        "loading_intervals_days": list(defaults.IV_LOADING_INTERVALS_DAYS),
        "loading_doses_mg": [],
        "interval_days": defaults.IV_INTERVAL_DAYS,
    },
    {
        "code": "sc_standard",
        "name": "SC 200 mg weekly",
        "route": "sc",
        "mg_per_kg": None,
        "fixed_dose_mg": defaults.SC_DOSE_MG,
        "loading_intervals_days": [],
        "loading_doses_mg": [],
        "interval_days": defaults.SC_INTERVAL_DAYS,
    },
    {
        "code": "sc_nephritis",
        "name": "SC lupus nephritis 400 mg weekly x4 then 200 mg weekly",
        "route": "sc",
        "mg_per_kg": None,
        "fixed_dose_mg": defaults.SC_DOSE_MG,
        "loading_intervals_days": [],
        "loading_doses_mg": [defaults.SC_NEPHRITIS_LOADING_DOSE_MG]
        * defaults.SC_NEPHRITIS_LOADING_COUNT,
        "interval_days": defaults.SC_INTERVAL_DAYS,
    },
]


def ensure_regimens(sender: Any = None, **kwargs: Any) -> None:
    """Create the regimens that are missing (post_migrate receiver)."""
    if sender is not None and sender.name != "belimumab.patients":
        return
    for regimen in REGIMENS:
        Regimen.objects.get_or_create(code=regimen["code"], defaults=regimen)
