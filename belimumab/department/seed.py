"""The department's settings as installed: `settings.BELIMUMAB` (domain defaults and the
environment variables) turned into the data the settings tables start from.

The same plain data (JSON types only) is what `selectors.DepartmentSettings` is read from, so
that a fresh installation, a flushed test database and the stored snapshot read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from belimumab.domain import defaults


def _text(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)))


def seed_labs(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict]:
    """Per lab test its unit, LOINC code, default and plausible range (default unit), with the
    deployment's `LAB_RANGES` overrides (the key older settings used)."""
    labs = {}
    for test, spec in defaults.LAB_TESTS.items():
        merged = {**spec, **(overrides or {}).get(test, {})}
        low, high = merged["plausible"]
        labs[test] = {
            "unit": merged["unit"],
            "loinc": merged["loinc"],
            "lower": _text(merged.get("lower")),
            "upper": _text(merged.get("upper")),
            "plausible_min": _text(low),
            "plausible_max": _text(high),
        }
    return labs


def seed_gtins(codes: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
    """Per stock presentation its product codes (GTIN-14), the demonstration ones by default."""
    codes = codes if codes is not None else defaults.DEMO_GTINS
    return {code: list(codes.get(code, ())) for code in defaults.STOCK_PRESENTATIONS}


def seed_data(config: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the settings screens edit, from a `BELIMUMAB` settings dict."""
    bands = sorted(int(low) for low, _code in config["ACTIVITY_BANDS"])
    baseline = config["BASELINE_WINDOW"]
    window = config["TIMEPOINT_WINDOW"]
    return {
        "general": {
            "currency": str(config["CURRENCY"]),
            "rounding_tolerance_pct": _text(config["ROUNDING_TOLERANCE_PCT"]),
            # the lower bounds of mild, moderate, high and very high ("none" is always 0)
            "bands": bands[1:],
            "baseline_days_before": -int(baseline[0]),
            "baseline_days_after": int(baseline[1]),
            "window_days_before": -int(window[0]),
            "window_days_after": int(window[1]),
            "worklist_days_ahead": int(config["WORKLIST_DAYS_AHEAD"]),
            "worklist_page_size": int(config["WORKLIST_PAGE_SIZE"]),
            "stock_expiry_horizon_days": int(
                config.get("STOCK_EXPIRY_HORIZON_DAYS", defaults.STOCK_EXPIRY_HORIZON_DAYS)
            ),
            "order_safety_margin_days": int(
                config.get("ORDER_SAFETY_MARGIN_DAYS", defaults.ORDER_SAFETY_MARGIN_DAYS)
            ),
            "sheet_header": str(config.get("SHEET_HEADER", defaults.SHEET_HEADER)),
        },
        "gtins": seed_gtins(config.get("STOCK_GTINS")),
        "prices": [
            [int(size), defaults.SEED_PRICE_DATE.isoformat(), _text(price)]
            for size, price in sorted(config["VIAL_PRICES"].items())
        ],
        "labs": seed_labs(config.get("LAB_RANGES")),
    }
