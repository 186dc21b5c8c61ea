"""Laboratory tests: units allowed, LOINC codes and the default normal ranges (DOMAIN.md).

The ranges belong to the laboratory and can change: each result stores the range in force when
it was measured; these defaults only fill a range left blank. The department sets each test's
unit, LOINC code and default range on its settings screen (`belimumab.department`); the
installation's values seed it (domain/defaults.py, `settings.BELIMUMAB["LAB_RANGES"]`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from belimumab.core import plausibility
from belimumab.department.selectors import lab_settings, plausible_ranges
from belimumab.domain import defaults
from belimumab.domain import plausibility as rules

# test -> default unit, LOINC, default and plausible ranges, units and their factors: the
# installation's defaults (domain/defaults.py); the department's settings override all but the
# factors (`lab_specs`).
LAB_DEFAULTS: dict[str, dict] = defaults.LAB_TESTS

TEST_METHODS = {
    "anti_dsdna": _("ELISA"),
    "ch50": _("turbidimetry"),
    "c3": _("nephelometry"),
    "c4": _("nephelometry"),
}


@dataclass(frozen=True)
class TestSpec:
    code: str
    unit: str
    loinc: str
    lower: Decimal | None
    upper: Decimal | None
    units: dict[str, Decimal]

    def range_in(self, unit: str) -> tuple[Decimal | None, Decimal | None]:
        """The default range expressed in `unit` (one of `units`)."""
        factor = self.units[unit]

        def convert(limit: Decimal | None) -> Decimal | None:
            if limit is None:
                return None
            return plain((limit / factor).quantize(Decimal("0.001")))

        return convert(self.lower), convert(self.upper)

    def to_default_unit(self, value: Decimal | None, unit: str) -> Decimal | None:
        """A value of this test in `unit` converted into the default unit (None stays None)."""
        if value is None or unit not in self.units:
            return None
        return value * self.units[unit]


def plain(value: Decimal | None) -> Decimal | None:
    """Without trailing zeros nor exponent: 50.000 -> 50, 0.150 -> 0.15 (None stays None)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


# a LabResult, or anything with the same three decimal fields
ResultT = TypeVar("ResultT")


def display_result(lab: ResultT) -> ResultT:
    """A result with its value and limits as the laboratory wrote them (0.620 -> 0.62)."""
    for name in ("value", "lower_limit", "upper_limit"):
        setattr(lab, name, plain(getattr(lab, name)))
    return lab


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def lab_specs() -> dict[str, TestSpec]:
    """Every test's unit, LOINC code, default range and units, as the department set them.

    The factors of `LAB_DEFAULTS` convert into the installation's default unit; when the
    department chose another of the test's units, they are divided by that unit's factor."""
    chosen = lab_settings()
    specs = {}
    for code, default in LAB_DEFAULTS.items():
        found = chosen.get(code)
        unit = (
            found.unit if found is not None and found.unit in default["units"] else default["unit"]
        )
        base = default["units"][unit]
        specs[code] = TestSpec(
            code=code,
            unit=unit,
            loinc=found.loinc if found is not None else default["loinc"],
            lower=found.lower if found is not None else _decimal(default.get("lower")),
            upper=found.upper if found is not None else _decimal(default.get("upper")),
            units={u: Decimal(str(f)) / base for u, f in default["units"].items()},
        )
    return specs


_UNBOUNDED = (Decimal("-Infinity"), Decimal("Infinity"))


def plausibility_limits() -> rules.Limits:
    """The plausibility limits, each lab test's hard range as the department set it on its
    settings screen (in the test's default unit; a bound left empty does not limit)."""
    ranges = {
        code: (
            low if low is not None else _UNBOUNDED[0],
            high if high is not None else _UNBOUNDED[1],
        )
        for code, (low, high) in plausible_ranges().items()
    }
    return dataclasses.replace(plausibility.limits(), lab_ranges=ranges)
