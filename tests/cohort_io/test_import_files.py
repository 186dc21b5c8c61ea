"""Hostile files (issue 13): sizes, archives and workbooks that exhausted memory, cut rows or
crashed the import. Every file is generated here, in the test's temporary folder.

Each of them is refused by a limit of docs/data-format.md ("Limits") before anything large is
built, with a problem in the usual `FILE:LINE: COLUMN: message` list, on the command line (no
traceback) and in the browser (uploads removed from the temporary folders).
"""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from belimumab.cohort_io import jobs
from belimumab.cohort_io.models import ImportChunk
from belimumab.patients.models import Patient
from tests.cohort_io.test_import import base_files, csv_text, run

ROOT = Path(__file__).resolve().parents[2]
GIB = 2**30
MIB = 2**20


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _problems(result) -> list[str]:
    # filesizeformat separates the number from its unit with a no-break space
    return [str(p).replace("\xa0", " ") for p in result.problems]


def _patients_xlsx(path: Path, far_cell: bool = False, dimension: str | None = None) -> Path:
    """patients as a sheet (2 patients); `far_cell`: one cell in XFD1048576, the last cell of a
    sheet, so that openpyxl declares A1:XFD1048576; `dimension`: rewrite the declared one."""
    book = Workbook()
    sheet = book.active
    sheet.title = "patients"
    for row in base_files()["patients"]:
        sheet.append(row)
    if far_cell:
        sheet["XFD1048576"] = "x"
    book.save(path)
    if dimension is not None:
        _rewrite_member(path, "xl/worksheets/sheet1.xml", dimension)
    return path


def _rewrite_member(path: Path, member: str, dimension: str) -> None:
    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = contents[member].decode()
    contents[member] = re.sub(r'<dimension ref="[^"]+"', f'<dimension ref="{dimension}"', xml)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def _declared_dimension(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    match = re.search(r'<dimension ref="([^"]+)"', xml)
    assert match is not None
    return match.group(1)


def _bomb(path: Path, name: str = "patients.csv", size: int = 1000 * MIB) -> Path:
    """A zip of one member: a patients header, then `size` bytes of newlines (deflate packs
    them about 1,000 times: 1,000 MiB -> ~1 MB, under the former 1 GiB limit)."""
    chunk = b"\n" * MIB
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        member.write(csv_text(base_files()["patients"][:1]).encode())
        for _ in range(size // MIB):
            member.write(chunk)
    return path


def _sparse_csv(path: Path, size: int) -> Path:
    """A CSV file of `size` bytes on paper: its header, then a hole the file system does not
    store (a sparse file), so that 200 MB costs no disk."""
    with path.open("wb") as handle:
        handle.write(csv_text(base_files()["patients"][:2]).encode())
        handle.truncate(size)
    return path


def _bad_crc_zip(path: Path) -> Path:
    """A zip whose patients.csv was damaged after packing: its CRC no longer matches."""
    text = csv_text(base_files()["patients"]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("patients.csv", text)
    data = out.getvalue().replace(b"T-001", b"T-00X", 1)
    assert data != out.getvalue()
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """The hostile files, built once for the module (the zip bomb takes a few seconds)."""
    folder = tmp_path_factory.mktemp("hostile")
    bomb_xlsx = _patients_xlsx(folder / "bomb.xlsx")
    with (
        zipfile.ZipFile(bomb_xlsx, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(600):  # 600 MB: beyond the 500 MB a workbook may hold unpacked
            member.write(b" " * MIB)
    return {
        "far_cell": _patients_xlsx(folder / "far.xlsx", far_cell=True),
        "zip_bomb": _bomb(folder / "bomb.zip"),
        "xlsx_bomb": bomb_xlsx,
        "big_csv": _sparse_csv(folder / "patients.csv", 200 * MIB),
        "bad_crc": _bad_crc_zip(folder / "crc.zip"),
    }


# --------------------------------------------------------------------------- workbooks


@pytest.mark.django_db
def test_a_5_kb_workbook_declaring_a1_xfd1048576_is_refused_without_building_its_cells(hostile):
    path = hostile["far_cell"]
    assert path.stat().st_size < 10_000 and _declared_dimension(path) == "A1:XFD1048576"
    # The rows end at the limit (500,000), long before the far cell: openpyxl built 17 billion
    # cells before. Memory: the 1 GiB test below (tracemalloc would make this one 20 times
    # slower).
    assert _problems(run(path, dry_run=True)) == [
        "patients:500002: -: more than 500,000 rows: a file may hold no more (docs/data-format.md)"
    ]


@pytest.mark.django_db
def test_a_stale_dimension_still_imports_every_row(tmp_path):
    files = base_files()
    files["patients"].append(
        ["T-003", "F", "1990-05-05", "never", "", "", "", "sle", "no", "2026-03-02", "iv"]
        + [""] * 4
    )
    path = tmp_path / "stale.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "patients"
    for row in files["patients"]:
        sheet.append(row)
    book.save(path)
    _rewrite_member(path, "xl/worksheets/sheet1.xml", "A1:O2")  # header and 1 row of 3
    assert _declared_dimension(path) == "A1:O2"
    result = run(path)
    assert result.ok, _problems(result)
    assert sorted(Patient.objects.values_list("code", flat=True)) == ["T-001", "T-002", "T-003"]


@pytest.mark.django_db
def test_a_workbook_holding_a_bomb_is_refused_before_openpyxl_opens_it(hostile):
    assert hostile["xlsx_bomb"].stat().st_size < 3 * MIB
    problems = _problems(run(hostile["xlsx_bomb"], dry_run=True))
    assert problems[0].startswith("sharedStrings.xml:1: -: 600.0 MB packed 1")
    assert problems[0].endswith("times: more than 100 times is refused (a zip bomb?)")
    assert problems[1:] == [
        "workbook:1: -: the archive holds 600.0 MB once unpacked, more than 500.0 MB"
    ]


@pytest.mark.django_db
def test_a_file_that_is_not_a_workbook_is_a_problem(tmp_path):
    path = tmp_path / "cohort.xlsx"
    path.write_text(csv_text(base_files()["patients"]))
    assert _problems(run(path, dry_run=True)) == ["workbook:1: -: not an .xlsx workbook"]


# --------------------------------------------------------------------------- archives


@pytest.mark.django_db
def test_a_1_mb_zip_holding_1000_mib_is_refused_from_its_directory(hostile):
    path = hostile["zip_bomb"]
    assert path.stat().st_size < 2 * MIB
    tracemalloc.start()
    try:
        problems = _problems(run(path, dry_run=True))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # numbers grouped by thousands in British English
    assert problems[0] == (
        "patients.csv:1: -: 1,000.0 MB, more than the 50.0 MB a file may hold: nothing was read"
    )
    assert re.fullmatch(
        r"patients.csv:1: -: 1,000.0 MB packed 1\d\d\d times: more than 100 times is refused "
        r"\(a zip bomb\?\)",
        problems[1],
    )
    assert problems[2:] == [
        "archive:1: -: the archive holds 1,000.0 MB once unpacked, more than 500.0 MB"
    ]
    assert peak < 5 * MIB


@pytest.mark.django_db
def test_a_member_packed_too_many_times_is_refused_even_when_small(tmp_path):
    path = _bomb(tmp_path / "small.zip", size=8 * MIB)  # 8 MB: within every size limit
    problems = _problems(run(path, dry_run=True))
    assert len(problems) == 1
    assert re.fullmatch(
        r"patients.csv:1: -: 8.0 MB packed \d+ times: more than 100 times is refused "
        r"\(a zip bomb\?\)",
        problems[0],
    )


@pytest.mark.django_db
def test_a_zip_with_a_bad_crc_is_a_problem_of_its_member(hostile, tmp_path):
    assert _problems(run(hostile["bad_crc"], dry_run=True)) == [
        "patients.csv:1: -: unreadable file: Bad CRC-32 for file 'patients.csv'"
    ]
    data = hostile["bad_crc"].read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    assert _problems(run(cut, dry_run=True)) == ["archive:1: -: not a valid .zip file"]


@pytest.mark.django_db
def test_the_command_prints_the_problems_of_a_damaged_zip_without_a_traceback(hostile):
    stderr = io.StringIO()
    with pytest.raises(CommandError, match=r"1 problem\(s\): nothing was imported"):
        call_command("import_cohort", str(hostile["bad_crc"]), "--dry-run", stderr=stderr)
    assert "patients.csv:1: -: " in stderr.getvalue()


# --------------------------------------------------------------------------- CSV files


@pytest.mark.django_db
def test_a_200_mb_csv_is_refused_by_its_size_before_it_is_read(hostile):
    path = hostile["big_csv"]
    assert path.stat().st_size == 200 * MIB  # a sparse file: no disk used
    tracemalloc.start()
    try:
        result = run(path, dry_run=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert _problems(result) == [
        "patients.csv:1: -: 200.0 MB, more than the 50.0 MB a file may hold: nothing was read"
    ]
    assert peak < 5 * MIB


@pytest.mark.django_db
def test_rows_and_cells_beyond_the_limits_are_refused(tmp_path, settings):
    limits = settings.COHORT_IMPORT_LIMITS
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "patients.csv").write_text(csv_text(base_files()["patients"]))  # 3 lines
    settings.COHORT_IMPORT_LIMITS = {**limits, "ROWS": 1}
    assert _problems(run(folder, dry_run=True)) == [
        "patients.csv:3: -: more than 1 rows: a file may hold no more (docs/data-format.md)"
    ]
    settings.COHORT_IMPORT_LIMITS = {**limits, "CELLS": 20}  # 15 columns a line
    assert _problems(run(folder, dry_run=True)) == [
        "patients.csv:2: -: more than 20 cells: a file may hold no more (docs/data-format.md)"
    ]


@pytest.mark.django_db
def test_a_line_longer_than_the_csv_field_limit_is_refused_before_it_is_built(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(csv_text(base_files()["patients"]) + "T-003," + "x" * 200_000 + "\n")
    assert _problems(run(path, dry_run=True)) == [
        "patients.csv:4: -: a line of more than 131,072 characters: is this a CSV file?"
    ]


@pytest.mark.django_db
def test_a_binary_file_named_csv_is_one_problem_not_one_per_cell(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00\x01,;\n" * 50_000)  # an .xls
    assert _problems(run(path, dry_run=True)) == [
        "patients.csv:1: -: not a text file (NUL bytes): save it as CSV UTF-8"
    ]


@pytest.mark.django_db
def test_utf16_with_its_byte_order_mark_imports(tmp_path):
    """Excel's "Unicode text" export: UTF-16 with a byte order mark, tab separated."""
    rows = base_files()["patients"]
    rows[1][13] = "Éléonore"
    text = "\n".join("\t".join(row) for row in rows) + "\n"
    path = tmp_path / "patients.csv"
    path.write_bytes(text.encode("utf-16"))
    result = run(path)
    assert result.ok, _problems(result)
    assert Patient.objects.get(code="T-001").last_name == "Éléonore"


# --------------------------------------------------------------------------- memory bound

MEMORY_LIMIT = GIB


def _limit_memory() -> None:  # runs in the child, before the interpreter starts
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("name", ["far_cell", "zip_bomb", "xlsx_bomb", "big_csv", "bad_crc"])
def test_the_command_refuses_each_hostile_file_within_1_gib_of_memory(hostile, tmp_path, name):
    env = {
        **os.environ,
        # a database never reached: reading refuses the file before any query
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}",
        # numerical libraries reserve address space per thread: one thread, as on a server
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "import_cohort", str(hostile[name]), "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert re.fullmatch(r"\S+:\d+: -: .+", lines[0]), lines
    assert lines[-1].startswith("CommandError: ")


# --------------------------------------------------------------------------- browser


@pytest.fixture
def temp_folders(tmp_path, settings, monkeypatch) -> list[Path]:
    """Django's upload folder (every upload written to disk) and the worker's temporary folder
    (the job's upload is copied there for the time of its task)."""
    uploads, work = tmp_path / "uploads", tmp_path / "work"
    uploads.mkdir()
    work.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    monkeypatch.setattr(jobs.tempfile, "tempdir", str(work))
    return [uploads, work]


def _files_left(folders: list[Path]) -> list[Path]:
    """Files left on disk, and uploads left in the database (kept only for a confirmation)."""
    on_disk = [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]
    return [*on_disk, *ImportChunk.objects.all()]


def _post(client, upload: SimpleUploadedFile) -> str:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # Not streamed any more: the test client closes the response, and Django the uploaded files.
    response = client.post(reverse("cohort_io:import"), {"files": [upload]}, follow=True)
    return response.content.decode()


def test_browser_bad_crc_zip_is_a_problem_and_leaves_no_file(client_for, hostile, temp_folders):
    upload = SimpleUploadedFile("cohort.zip", hostile["bad_crc"].read_bytes())
    page = _post(client_for("administrator"), upload)
    assert "1 problem: nothing was imported." in page
    problem = "patients.csv:1: -: unreadable file: Bad CRC-32 for file &#x27;patients.csv&#x27;"
    assert problem in page
    assert page.rstrip().endswith("</html>")
    assert _files_left(temp_folders) == []


def test_browser_crash_of_the_import_is_reported_and_leaves_no_file(
    client_for, temp_folders, monkeypatch
):
    def crash(**kwargs):
        yield from ()
        raise ValueError("boom")

    monkeypatch.setattr(jobs, "cohort_import_steps", crash)
    upload = SimpleUploadedFile("patients.csv", csv_text(base_files()["patients"]).encode())
    page = _post(client_for("administrator"), upload)
    assert "-:1: -: the import failed unexpectedly; nothing was written" in page
    assert "boom" not in page
    assert page.rstrip().endswith("</html>")
    assert _files_left(temp_folders) == []


def test_browser_refuses_an_upload_beyond_the_limit_beside_the_field(
    client_for, temp_folders, settings
):
    # The limit is lowered to 1 MB here rather than uploading 500 MB through the test client.
    settings.COHORT_IMPORT_LIMITS = {**settings.COHORT_IMPORT_LIMITS, "UNPACKED_MB": 1}
    client = client_for("administrator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload = SimpleUploadedFile("patients.csv", b"code\n" + b"x\n" * MIB)
    response = client.post(reverse("cohort_io:import"), {"files": [upload]})
    assert response.context["form"].errors["files"] == [
        "The files are too large (1.0\xa0MB at most)."
    ]
    assert _files_left(temp_folders) == []
