"""The import-linter contracts of pyproject.toml hold, and fail when an import breaks them.

Each breaking case runs `lint-imports` on a copy of the package with one forbidden import added,
so a contract that silently checks nothing (a misspelt module, a layer that matches no module)
shows up as a test that no longer fails the copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(where: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    selected = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *selected],
        cwd=where,
        # the copy, not the installed package, is the one analysed
        env={**os.environ, "PYTHONPATH": str(where), "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _copy_package(destination: Path) -> Path:
    shutil.copytree(
        ROOT / "belimumab",
        destination / "belimumab",
        ignore=lambda folder, names: [
            n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
        ],
    )
    shutil.copy(ROOT / "pyproject.toml", destination)
    return destination


def test_the_package_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("contract", "module", "source", "broken"),
    [
        (
            "pure-domain",
            "domain/injected.py",
            "import django",
            "belimumab.domain.injected -> django",
        ),
        (
            "pure-domain",
            "domain/injected.py",
            "import pandas",
            "belimumab.domain.injected -> pandas",
        ),
        (
            "layers",
            "core/injected.py",
            "from belimumab.pharmacy import models",
            "belimumab.core.injected -> belimumab.pharmacy.models",
        ),
        (
            "layers",
            "patients/injected.py",
            "from belimumab.clinical import models",
            "belimumab.patients.injected -> belimumab.clinical.models",
        ),
        (
            # the stock sits below the pharmacy (which draws from it) and beside the patients
            "layers",
            "stock/injected.py",
            "from belimumab.pharmacy import models",
            "belimumab.stock.injected -> belimumab.pharmacy.models",
        ),
        (
            "layers",
            "stock/injected.py",
            "from belimumab.patients import models",
            "belimumab.stock.injected -> belimumab.patients.models",
        ),
        (
            "layers",
            "department/injected.py",
            "from belimumab.stock import models",
            "belimumab.department.injected -> belimumab.stock.models",
        ),
        (
            # siblings: the cohort files app and reports do not import each other
            "layers",
            "reports/injected.py",
            "import belimumab.cohort_io",
            "belimumab.reports.injected -> belimumab.cohort_io",
        ),
        (
            "statistics-no-orm",
            "reports/stats.py",
            "from django.db import models",
            "belimumab.reports.stats -> django",
        ),
        (
            "statistics-no-orm",
            "reports/charts.py",
            "from belimumab.patients.models import Patient",
            "belimumab.reports.charts -> belimumab.patients.models",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, contract: str, module: str, source: str, broken: str
) -> None:
    copy = _copy_package(tmp_path)
    (copy / "belimumab" / "cohort_io").mkdir(exist_ok=True)
    (copy / "belimumab" / "cohort_io" / "__init__.py").touch()
    target = copy / "belimumab" / module
    before = target.read_text() if target.exists() else ""
    target.write_text(f"{before}\n{source}\n")

    result = _lint_imports(copy, contract)

    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert broken in result.stdout, result.stdout
