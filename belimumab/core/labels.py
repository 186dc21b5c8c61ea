"""Translated labels for codes the pure domain returns (the domain knows no language)."""

from __future__ import annotations

import re

from django.utils.translation import pgettext

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
