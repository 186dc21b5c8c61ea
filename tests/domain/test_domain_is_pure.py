"""belimumab.domain stays pure: standard library and belimumab.domain only (checked with ast)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "belimumab" / "domain"
FORBIDDEN = {"django", "pandas", "numpy", "scipy", "statsmodels", "plotly"}
DYNAMIC_IMPORTERS = {"__import__", "import_module"}


def imported_modules(
    source: str, package: tuple[str, ...] = ("belimumab", "domain")
) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import; relative ones resolved from `package`.

    In belimumab.domain, `from . import x` stays "belimumab.domain" and `from .. import x`
    climbs to "belimumab".
    Calls to `__import__` / `importlib.import_module` are reported as "<dynamic import>".
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append((node.lineno, node.module or ""))
            else:
                base = package[: max(0, len(package) + 1 - node.level)]
                found.append((node.lineno, ".".join([*base, *filter(None, [node.module])])))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in DYNAMIC_IMPORTERS:
                found.append((node.lineno, "<dynamic import>"))
    return found


def violations(source: str, package: tuple[str, ...] = ("belimumab", "domain")) -> list[str]:
    """Imports a module of `package` must not make, as "line: module" strings."""
    bad = []
    for line, module in imported_modules(source, package):
        top = module.split(".")[0]
        if module == "<dynamic import>" or top in FORBIDDEN:
            bad.append(f"{line}: {module}")
        elif top == "belimumab":
            if module != "belimumab.domain" and not module.startswith("belimumab.domain."):
                bad.append(f"{line}: {module}")
        elif top not in sys.stdlib_module_names:
            bad.append(f"{line}: {module} (not in the standard library)")
    return bad


def domain_files() -> list[Path]:
    return sorted(DOMAIN_DIR.rglob("*.py"))


def test_the_walk_finds_the_domain_modules() -> None:
    names = {path.name for path in domain_files()}
    assert {"__init__.py", "defaults.py", "dosing.py", "schedule.py"} <= names


@pytest.mark.parametrize("path", domain_files(), ids=lambda path: path.name)
def test_domain_module_imports_only_stdlib_and_domain(path: Path) -> None:
    package = path.parent.relative_to(DOMAIN_DIR.parents[1]).parts
    assert violations(path.read_text(encoding="utf-8"), package) == [], path


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("import datetime", True),
        ("from decimal import Decimal", True),
        ("from __future__ import annotations", True),
        ("from collections.abc import Sequence", True),
        ("from belimumab.domain.defaults import VIAL_SIZES_MG", True),
        ("import belimumab.domain.dosing", True),
        ("from . import dosing", True),
        ("from .defaults import CURRENCY", True),
        ("import django", False),
        ("from django.conf import settings", False),
        ("import pandas as pd", False),
        ("import numpy", False),
        ("from scipy import stats", False),
        ("import statsmodels.formula.api as smf", False),
        ("import plotly.express as px", False),
        ("def f():\n    import numpy\n", False),  # nested imports are found too
        ("from belimumab.settings import BELIMUMAB", False),
        ("from belimumab import models", False),
        ("from .. import settings", False),
        ("from ..reports import stats", False),
        ("import requests", False),  # not in the standard library
        ("import importlib\nimportlib.import_module('django')", False),
        ("__import__('pandas')", False),
    ],
)
def test_checker(source: str, allowed: bool) -> None:
    assert (violations(source) == []) is allowed
