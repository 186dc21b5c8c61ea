"""Every module of app code fits in 700 lines and every function in 60 (migrations excepted).

Lengths are counted as the AST sees them: a function from its `def` line to its last line,
decorators excluded; a module by its number of lines.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "belimumab"
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 60

# "path relative to belimumab/" or "path::qualified.name" -> why it stays longer. Keep it short.
EXCEPTIONS: dict[str, str] = {}


def _modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.relative_to(PACKAGE).parts:
            yield path


def _functions(
    node: ast.AST, prefix: str = ""
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{child.name}", child
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")
        else:
            yield from _functions(child, prefix)


def _lengths() -> dict[str, tuple[int, int]]:
    """ "module" or "module::qualified.name" -> (lines, limit)."""
    lengths = {}
    for path in _modules():
        name = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        lengths[name] = (len(text.splitlines()), MAX_MODULE_LINES)
        for qualname, function in _functions(ast.parse(text, filename=str(path))):
            length = (function.end_lineno or function.lineno) - function.lineno + 1
            lengths[f"{name}::{qualname}"] = (length, MAX_FUNCTION_LINES)
    return lengths


def test_modules_and_functions_stay_short() -> None:
    too_long = [
        f"{key}: {lines} lines (limit {limit})"
        for key, (lines, limit) in _lengths().items()
        if lines > limit and key not in EXCEPTIONS
    ]
    assert not too_long, "\n".join(too_long)


def test_every_exception_is_still_needed() -> None:
    lengths = _lengths()
    stale = [key for key in EXCEPTIONS if key not in lengths or lengths[key][0] <= lengths[key][1]]
    assert not stale, f"shortened or gone, remove from EXCEPTIONS: {stale}"
