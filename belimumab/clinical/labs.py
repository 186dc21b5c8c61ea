"""Laboratory tests: units allowed, LOINC codes and the default normal ranges (DOMAIN.md).

The ranges belong to the laboratory and can change: each result stores the range in force when
it was measured; these defaults only fill a range left blank. A department overrides them in
`settings.BELIMUMAB["LAB_RANGES"]`, for example `{"c3": {"lower": "0.9", "upper": "1.8"}}`
(in the test's default unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# test -> default unit, LOINC, default range (default unit) and the units a result may carry with
# the factor converting a value in that unit into the default unit.
LAB_DEFAULTS: dict[str, dict] = {
    "anti_dsdna": {
        "unit": "IU/mL",
        "loinc": "5130-0",
        "lower": Decimal("0"),
        "upper": Decimal("50"),
        "units": {"IU/mL": Decimal("1")},
    },
    "ch50": {
        "unit": "U/mL",
        "loinc": "4532-8",
        "lower": Decimal("38"),
        "upper": Decimal("79"),
        "units": {"U/mL": Decimal("1")},
    },
    "c3": {
        "unit": "g/L",
        "loinc": "4485-9",
        "lower": Decimal("0.79"),
        "upper": Decimal("1.53"),
        "units": {"g/L": Decimal("1"), "mg/dL": Decimal("0.01")},
    },
    "c4": {
        "unit": "g/L",
        "loinc": "4498-2",
        "lower": Decimal("0.15"),
        "upper": Decimal("0.40"),
        "units": {"g/L": Decimal("1"), "mg/dL": Decimal("0.01")},
    },
    "platelets": {
        "unit": "10^9/L",
        "loinc": "777-3",
        "lower": Decimal("150"),
        "upper": Decimal("400"),
        "units": {"10^9/L": Decimal("1"), "G/L": Decimal("1")},
    },
    "leukocytes": {
        "unit": "10^9/L",
        "loinc": "6690-2",
        "lower": Decimal("4"),
        "upper": Decimal("10"),
        "units": {"10^9/L": Decimal("1"), "G/L": Decimal("1")},
    },
    "proteinuria": {
        "unit": "g/24h",
        "loinc": "2889-4",
        "lower": Decimal("0"),
        "upper": Decimal("0.5"),
        "units": {"g/24h": Decimal("1"), "mg/24h": Decimal("0.001")},
    },
    "upcr": {
        "unit": "g/g",
        "loinc": "2890-2",
        "lower": Decimal("0"),
        "upper": Decimal("0.5"),
        # 1 mmol of creatinine weighs 113.12 mg: 1 mg/mmol = 1 / 113.12 g/g.
        "units": {"g/g": Decimal("1"), "mg/mmol": Decimal("1") / Decimal("113.12")},
    },
}

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
    """Every test's unit, LOINC code, default range and units, with the settings' overrides."""
    overrides = settings.BELIMUMAB.get("LAB_RANGES") or {}
    specs = {}
    for code, default in LAB_DEFAULTS.items():
        merged = {**default, **overrides.get(code, {})}
        specs[code] = TestSpec(
            code=code,
            unit=merged["unit"],
            loinc=merged["loinc"],
            lower=_decimal(merged.get("lower")),
            upper=_decimal(merged.get("upper")),
            units={unit: Decimal(str(f)) for unit, f in merged["units"].items()},
        )
    return specs
