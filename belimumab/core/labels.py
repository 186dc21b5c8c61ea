"""Translated labels for codes the pure domain returns (the domain knows no language), and for
the known values of stored data (units, adverse-event terms): the stored value never changes, the
page shows it in the user's language; a value not in these lists is shown as stored."""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop, pgettext

_CYCLE = re.compile(r"^([A-Z])(\d+)$")


def cycle_label(code: str) -> str:
    """D0 / D14 / D28, C4..., W1... in the user's language (French: J0, J14, C4, S1)."""
    match = _CYCLE.match(code)
    if not match:
        return code
    prefix, number = match.groups()
    prefixes = {
        "D": pgettext("day of the loading phase (D0, D14, D28)", "D"),
        "C": pgettext("cycle number (C4, C5...)", "C"),
        "W": pgettext("week number of a weekly regimen (W1, W2...)", "W"),
    }
    return f"{prefixes.get(prefix, prefix)}{number}"


# Units as stored by forms, imports and fixtures (clinical.labs, TreatmentDose.unit).
KNOWN_UNITS = frozenset(
    {
        gettext_noop("mg/day"),
        gettext_noop("mg/week"),
        gettext_noop("mg/month"),
        gettext_noop("mg"),
        gettext_noop("IU/mL"),
        gettext_noop("U/mL"),
        gettext_noop("g/L"),
        gettext_noop("mg/L"),
        gettext_noop("10^9/L"),
        gettext_noop("g/24h"),
        gettext_noop("mg/24h"),
        gettext_noop("g/g"),
        gettext_noop("kg"),
    }
)

# Adverse-event terms of the fixtures and the demo generator (MedDRA preferred terms in English).
KNOWN_AE_TERMS = frozenset(
    {
        gettext_noop("Atypical legionellosis"),
        gettext_noop("Bronchitis"),
        gettext_noop("Fatigue"),
        gettext_noop("Gastroenteritis"),
        gettext_noop("Herpes zoster"),
        gettext_noop("Headache"),
        gettext_noop("Infection (site not specified)"),
        gettext_noop("Infusion reaction"),
        gettext_noop("Nasopharyngitis"),
        gettext_noop("Nausea"),
        gettext_noop("Neutropenia"),
        gettext_noop("Pneumonia"),
        gettext_noop("Rash"),
        gettext_noop("Recurrent urinary tract infection"),
        gettext_noop("Sinusitis"),
        gettext_noop("Urinary tract infection"),
        gettext_noop("Diarrhoea"),
        gettext_noop("Influenza"),
        gettext_noop("Insomnia"),
    }
)


def unit_label(unit: str) -> str:
    """A stored unit as the user reads it: mg/day -> mg/j, IU/mL -> UI/mL in French; the power of
    ten printed as on a lab report (10^9/L -> 10⁹/L), the stored code keeping the caret."""
    shown = gettext(unit) if unit in KNOWN_UNITS else unit
    return shown.replace("10^9", "10\u2079")


def term_label(term: str) -> str:
    """An adverse-event term of the known list in the user's language; any other as typed."""
    return gettext(term) if term in KNOWN_AE_TERMS else term
