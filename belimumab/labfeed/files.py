"""HL7 files from the drop folder: one or more messages per file, all or nothing per file.

A file taken is moved to `processed/` beside it, a refused one to `failed/`, so the folder
holds only what is still to read and nothing is read twice. Problems are
`FILE:LINE: COLUMN: message`, the line counted in the file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from belimumab.labfeed import services
from belimumab.labfeed.models import Sender

SUFFIXES = (".hl7", ".txt")
PROCESSED, FAILED = "processed", "failed"


@dataclass
class FileResult:
    path: Path
    created: int = 0
    corrected: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    moved_to: Path | None = None


def _messages(text: str) -> list[tuple[list[int], str]]:
    """The file's messages (each starts at an MSH line) with the file line of each segment."""
    found: list[tuple[list[int], list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("MSH") or not found:
            found.append(([], []))
        found[-1][0].append(number)
        found[-1][1].append(line)
    return [(numbers, "\r".join(lines)) for numbers, lines in found]


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # MSH-18 8859/1: the other encoding French labs send


def file_read(path: Path, *, sender: Sender, user: Any = None) -> FileResult:
    """Take every message of one file, or none of them (the problems then say why)."""
    result = FileResult(path)
    limit = settings.LABFEED["FILE_MB"] * 1024 * 1024
    if path.stat().st_size > limit:
        result.problems.append(
            f"{path}:1: -: "
            + _("The file is larger than %(mb)s MB.") % {"mb": settings.LABFEED["FILE_MB"]}
        )
        return result
    with transaction.atomic():
        for numbers, text in _messages(_text(path)):
            receipt = services.message_receive(
                sender=sender, text=text, source=str(path), user=user
            )
            result.created += receipt.created
            result.corrected += receipt.corrected
            result.duplicates += receipt.duplicate
            for problem in receipt.problems:
                line = numbers[min(problem.line, len(numbers)) - 1]
                result.problems.append(f"{path}:{line}: {problem.column}: {problem.message}")
        if result.problems:
            transaction.set_rollback(True)
            result.created = result.corrected = result.duplicates = 0
    return result


def files_in(paths: list[Path]) -> list[Path]:
    """The files named, and the HL7 files directly inside the folders named, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            found.append(path)
    return found


def file_move(result: FileResult) -> None:
    """processed/ when taken, failed/ when refused; a name already there gets a number."""
    folder = result.path.parent / (FAILED if result.problems else PROCESSED)
    folder.mkdir(exist_ok=True)
    target = folder / result.path.name
    number = 1
    while target.exists():
        target = folder / f"{result.path.stem}.{number}{result.path.suffix}"
        number += 1
    shutil.move(str(result.path), target)
    result.moved_to = target
