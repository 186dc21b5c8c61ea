"""Cohort import: good files, every kind of bad file, xlsx = CSV, idempotence, command, browser."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit
from belimumab.cohort_io.generator import generate_cohort
from belimumab.cohort_io.management.commands.import_cohort import TerminalProgress
from belimumab.cohort_io.models import ImportJob
from belimumab.cohort_io.readers import tables_from_rows
from belimumab.cohort_io.results import Progress
from belimumab.cohort_io.services import cohort_import
from belimumab.cohort_io.shifting import latest_date, shift_dates, shift_to
from belimumab.department import selectors as department_selectors
from belimumab.domain.sledai import DESCRIPTOR_CODES
from belimumab.patients.models import Course, Patient
from belimumab.pharmacy.models import Infusion

TODAY = date(2026, 11, 25)
STUDY = Path(__file__).resolve().parents[2] / "fixtures" / "study"
MODELS = (Patient, Course, Infusion, Visit, LabResult, TreatmentDose, AdverseEvent)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def regimens(request):
    """The regimens of data migration 0002 (a transactional test's flush removes them)."""
    if "db" in request.fixturenames or "client_for" in request.fixturenames:
        import importlib

        from django.apps import apps

        request.getfixturevalue("db")
        migration = importlib.import_module("belimumab.patients.migrations.0002_fill_regimens")
        migration.fill_regimens(apps, None)


def visit(patient, day, total="", present=None, pga="", flare="", notes=""):
    descriptors = (
        [""] * 24 if present is None else ["1" if c in present else "0" for c in DESCRIPTOR_CODES]
    )
    return [patient, day, total, *descriptors, pga, flare, notes]


def csv_text(rows) -> str:
    out = io.StringIO()
    import csv

    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def base_files() -> dict[str, list[list[str]]]:
    """A small valid cohort: one IV patient with a bit of everything, one stopped SC patient."""
    return {
        "patients": [
            ["code", "sex", "birth_date", "smoking", "manifestations", "previous_treatments",
             "initiation_reasons", "indication", "prior_trial", "start_date", "route",
             "stop_date", "stop_reason", "last_name", "first_name"],
            ["T-001", "F", "1985-03-14", "current", "renal;cutaneous_articular",
             "hydroxychloroquine;corticosteroids", "inefficacy", "sle", "no", "2026-01-05", "iv",
             "", "", "Exemple", "Alice"],
            ["T-002", "M", "1979-07-01", "never", "cutaneous_articular", "", "steroid_sparing",
             "sle", "yes", "2026-02-02", "sc", "2026-06-01", "inefficacy", "", ""],
        ],
        "infusions": [
            ["patient", "date", "weight_kg", "dose_mg", "vials_120", "vials_400", "lot",
             "reaction"],
            ["T-001", "2026-01-05", "70.0", "", "", "", "L1", "none"],
            ["T-001", "2026-01-19", "70.5", "", "", "", "L1", ""],
            ["T-001", "2026-02-02", "70.0", "640", "2", "1", "L2", "mild"],
            ["T-002", "2026-02-02", "", "", "", "", "", ""],
        ],
        "visits": [
            ["patient", "date", "sledai_total", *DESCRIPTOR_CODES, "pga", "flare", "notes"],
            visit("T-001", "2026-01-05", total="6", pga="1.5", flare="none", notes="Baseline"),
            visit("T-001", "2026-07-06", present={"arthritis"}, pga="0.5"),
            visit("T-002", "2026-02-02", total="8"),
        ],
        "labs": [
            ["patient", "date", "test", "value", "unit", "lower_limit", "upper_limit"],
            ["T-001", "2026-01-05", "anti_dsdna", "120", "", "", ""],
            ["T-001", "2026-01-05", "c3", "0.65", "g/L", "", ""],
            ["T-001", "2026-01-05", "platelets", "210", "G/L", "140", "400"],
        ],
        "treatments": [
            ["patient", "drug", "start_date", "dose", "unit"],
            ["T-001", "prednisone", "2025-06-01", "10", "mg/day"],
            ["T-001", "prednisone", "2026-04-01", "7.5", ""],
            ["T-001", "methotrexate", "2025-01-01", "15", "mg/week"],
        ],
        "adverse_events": [
            ["patient", "onset_date", "term", "category", "serious", "outcome"],
            ["T-001", "2026-02-10", "Bronchitis", "infection", "no", "resolved"],
        ],
    }  # fmt: skip


def write(folder: Path, files: dict[str, list[list[str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        (folder / f"{name}.csv").write_text(csv_text(rows), encoding="utf-8")
    return folder


def run(source, **kwargs):
    return cohort_import(source=source, user=kwargs.pop("user", None), today=TODAY, **kwargs)


def snapshot():
    """Row and history-row counts of every table the import writes, and the rows themselves."""
    counts = {}
    for model in MODELS:
        counts[model.__name__] = (
            model.objects.count(),
            model.history.count(),
            sorted(map(repr, model.objects.values_list())),
        )
    return counts


@pytest.fixture
def imported(db, tmp_path):
    folder = write(tmp_path / "good", base_files())
    result = run(folder)
    assert result.ok, [str(p) for p in result.problems]
    return folder


# --------------------------------------------------------------------------- good files


def test_good_files_import_with_computed_values(imported, users):
    alice = Patient.objects.get(code="T-001")
    assert alice.manifestations == ["cutaneous_articular", "renal"]  # canonical order
    assert alice.previous_treatments == ["hydroxychloroquine", "corticosteroids"]
    assert (alice.last_name, alice.first_name, alice.smoking) == ("Exemple", "Alice", "current")
    course = alice.courses.get()
    assert (course.regimen.code, course.start_date, course.stop_date) == (
        "iv_standard",
        date(2026, 1, 5),
        None,
    )
    bob = Patient.objects.get(code="T-002")
    assert bob.prior_trial is True
    assert bob.courses.get().regimen.code == "sc_standard"
    assert (bob.courses.get().stop_reason, bob.courses.get().stop_date) == (
        "inefficacy",
        date(2026, 6, 1),
    )

    first, second, rounded = Infusion.objects.filter(patient=alice).order_by("date")
    assert (first.prescribed_dose_mg, first.prepared_dose_mg) == (Decimal(700), Decimal(700))
    assert (first.vials_400, first.vials_120) == (0, 6)  # 720 mg: least waste for 700 mg
    assert second.prescribed_dose_mg == Decimal(705) and second.reaction == "none"
    assert (rounded.prescribed_dose_mg, rounded.prepared_dose_mg) == (Decimal(700), Decimal(640))
    assert (rounded.vials_120, rounded.vials_400, rounded.reaction) == (2, 1, "mild")
    sc = Infusion.objects.get(patient=bob)
    assert (sc.prescribed_dose_mg, sc.vials_120, sc.vials_400, sc.weight_kg) == (200, 0, 0, None)
    assert sc.course == bob.courses.get()

    total_only, with_descriptors = Visit.objects.filter(patient=alice).order_by("date")
    assert (total_only.descriptors_recorded, total_only.sledai, total_only.recorded_total) == (
        False,
        6,
        6,
    )
    assert total_only.pga == Decimal("1.5") and total_only.notes == "Baseline"
    assert (with_descriptors.descriptors_recorded, with_descriptors.descriptors) == (
        True,
        ["arthritis"],
    )
    assert (with_descriptors.sledai, with_descriptors.recorded_total) == (4, None)

    dna = LabResult.objects.get(test="anti_dsdna")
    assert (dna.unit, dna.lower_limit, dna.upper_limit) == ("IU/mL", 0, 50)  # default range
    platelets = LabResult.objects.get(test="platelets")
    assert (platelets.unit, platelets.lower_limit) == ("G/L", 140)  # the range given wins

    prednisone = TreatmentDose.objects.filter(drug="prednisone").order_by("start_date")
    assert [(t.dose, t.unit) for t in prednisone] == [(10, "mg/day"), (Decimal("7.5"), "mg/day")]
    assert TreatmentDose.objects.get(drug="methotrexate").unit == "mg/week"
    event = AdverseEvent.objects.get()
    assert (event.term, event.category, event.serious, event.outcome) == (
        "Bronchitis",
        "infection",
        False,
        "resolved",
    )


def test_history_rows_say_import_with_the_user(db, tmp_path, users):
    folder = write(tmp_path / "good", base_files())
    result = run(folder, user=users["administrator"])
    assert result.written
    for model in MODELS:
        history = list(model.history.all())
        assert history and len(history) == model.objects.count()
        assert {h.history_change_reason for h in history} == {"import"}
        assert {h.history_type for h in history} == {"+"}
        assert {h.history_user for h in history} == {users["administrator"]}
    infusion = Infusion.objects.order_by("pk").first()
    record = infusion.history.get()
    assert (record.prepared_dose_mg, record.course_id, record.version) == (
        infusion.prepared_dose_mg,
        infusion.course_id,
        1,
    )


def test_second_import_changes_nothing(imported):
    before = snapshot()
    result = run(imported)
    assert result.ok and result.written
    assert result.changes == 0
    assert all(c.created == c.updated == 0 for c in result.counts.values())
    assert result.counts["labs"].unchanged == 3
    assert snapshot() == before  # no new history row either


def test_a_changed_value_updates_one_row_with_history(imported, tmp_path):
    files = base_files()
    files["labs"][2][3] = "0.70"  # c3 0.65 -> 0.70
    result = run(write(tmp_path / "changed", files))
    assert result.counts["labs"].updated == 1 and result.changes == 1
    c3 = LabResult.objects.get(test="c3")
    assert (c3.value, c3.version) == (Decimal("0.70"), 2)
    latest = c3.history.order_by("-history_id").first()
    assert (latest.history_type, latest.value, latest.history_change_reason) == (
        "~",
        Decimal("0.70"),
        "import",
    )
    assert LabResult.history.count() == 4


def test_dry_run_counts_and_writes_nothing(db, tmp_path):
    folder = write(tmp_path / "good", base_files())
    before = snapshot()
    result = run(folder, dry_run=True)
    assert result.ok and not result.written
    assert result.counts["patients"].created == 2
    assert result.counts["infusions"].created == 4
    assert snapshot() == before


def test_only_patients_csv_is_required(db, tmp_path):
    result = run(write(tmp_path / "p", {"patients": base_files()["patients"]}))
    assert result.ok and Patient.objects.count() == 2 and Course.objects.count() == 2


def test_rows_may_refer_to_patients_already_in_the_database(imported, tmp_path):
    files = {
        "patients": [base_files()["patients"][0]],  # header only
        "labs": [
            ["patient", "date", "test", "value"],
            ["T-001", "2026-03-02", "c4", "0.12"],
        ],
    }
    result = run(write(tmp_path / "more", files))
    assert result.ok and result.counts["labs"].created == 1


# --------------------------------------------------------------------------- bad files


def _bad_date(files):
    files["visits"][1][1] = "2026-13-05"


def _unknown_code(files):
    files["labs"].append(["NOPE-9", "2026-01-05", "c4", "0.1", "", "", ""])


def _mismatch(files):
    files["visits"][2] = visit("T-001", "2026-07-06", total="6", present={"arthritis"})


def _unknown_column(files):
    for row in files["infusions"]:
        row.append("nurse" if row[0] == "patient" else "x")


def _missing_column(files):
    for row in files["labs"]:
        del row[3]


def _duplicate(files):
    files["infusions"].append(list(files["infusions"][1]))


def _negative(files):
    files["labs"][1][3] = "-1"


def _negative_dose(files):
    files["treatments"][1][3] = "-5"


def _unknown_file(files):
    files["notes"] = [["patient", "text"], ["T-001", "hello"]]


def _missing_patients(files):
    del files["patients"]


def _before_start(files):
    files["infusions"][1][1] = "2025-12-01"


def _future(files):
    files["adverse_events"][1][1] = "2027-01-01"


def _steroid_unit(files):
    files["treatments"][2][4] = "mg/week"


def _mixed_units(files):
    files["treatments"][3][4] = "mg/day"
    files["treatments"].append(["T-001", "methotrexate", "2026-03-01", "10", "mg/week"])


def _bad_choice(files):
    files["patients"][1][3] = "sometimes"


def _stop_without_reason(files):
    files["patients"][2][12] = ""


BAD = [
    (_bad_date, ["visits.csv:2: date: '2026-13-05' is not a date: write YYYY-MM-DD or DD/MM/YYYY"]),
    (_unknown_code, ["labs.csv:5: patient: unknown patient 'NOPE-9'"]),
    (
        _mismatch,
        ["visits.csv:3: sledai_total: total 6 differs from the weighted sum of the descriptors, 4"],
    ),
    (_unknown_column, ["infusions.csv:1: nurse: unknown column"]),
    (_missing_column, ["labs.csv:1: value: required column is missing"]),
    (_duplicate, ["infusions.csv:6: -: duplicate row: same patient, date as line 2"]),
    (_negative, ["labs.csv:2: value: must not be negative (-1)"]),
    (_negative_dose, ["treatments.csv:2: dose: must not be negative (-5)"]),
    (
        _unknown_file,
        [
            "notes.csv:1: -: unknown file (expected: patients.csv, treatments.csv, "
            "infusions.csv, visits.csv, labs.csv, adverse_events.csv)"
        ],
    ),
    (_missing_patients, ["patients.csv:1: -: required file is missing"]),
    (
        _before_start,
        ["infusions.csv:2: date: before the start of the patient's belimumab course (2026-01-05)"],
    ),
    (_future, ["adverse_events.csv:2: onset_date: 2027-01-01 is in the future"]),
    (_steroid_unit, ["treatments.csv:3: unit: corticosteroid doses are in mg/day"]),
    (
        _mixed_units,
        ["treatments.csv:5: unit: line 4 gives this drug in mg/day: use the same unit"],
    ),
    (
        _bad_choice,
        ["patients.csv:2: smoking: 'sometimes' is not one of: current, former, never, unknown"],
    ),
    (_stop_without_reason, ["patients.csv:3: stop_reason: required when there is a stop date"]),
]


@pytest.mark.parametrize(("damage", "expected"), BAD, ids=[d.__name__.strip("_") for d, _ in BAD])
def test_bad_files_report_every_problem_and_change_nothing(imported, tmp_path, damage, expected):
    files = base_files()
    files["labs"][2][3] = "0.99"  # a valid change that must not be written either
    files["patients"][1][14] = "Changed"
    damage(files)
    before = snapshot()
    result = run(write(tmp_path / "bad", files))
    assert [str(p) for p in result.problems] == expected
    assert not result.written
    assert snapshot() == before


def test_every_problem_of_every_file_is_listed(imported, tmp_path):
    files = base_files()
    _bad_date(files)
    _unknown_code(files)
    _negative_dose(files)
    _unknown_column(files)
    files["labs"].append(["T-001", "2026-01-06", "c9", "x", "", "", ""])
    result = run(write(tmp_path / "bad", files))
    assert [str(p) for p in result.problems] == [
        "infusions.csv:1: nurse: unknown column",
        "treatments.csv:2: dose: must not be negative (-5)",
        "visits.csv:2: date: '2026-13-05' is not a date: write YYYY-MM-DD or DD/MM/YYYY",
        "labs.csv:5: patient: unknown patient 'NOPE-9'",
        "labs.csv:6: test: 'c9' is not one of: anti_dsdna, ch50, c3, c4, platelets, leukocytes, "
        "proteinuria, upcr",
        "labs.csv:6: value: 'x' is not a number",
    ]


def test_a_database_duplicate_blocks_the_import(imported, tmp_path):
    alice = Patient.objects.get(code="T-001")
    Visit.objects.create(patient=alice, date=date(2026, 7, 6), recorded_total=2, sledai=2)
    result = run(imported)
    assert [str(p) for p in result.problems] == [
        "visits.csv:3: -: the database holds 2 active rows with this patient, date: "
        "correct them first"
    ]


def test_formula_looking_strings_are_stored_as_text(db, tmp_path):
    files = base_files()
    files["visits"][1][-1] = "=1+2"
    files["infusions"][1][6] = '=HYPERLINK("http://example.org")'
    files["adverse_events"][1][2] = "@SUM(A1)"
    files["patients"][1][13] = "+33 1 23 45"
    assert run(write(tmp_path / "f", files)).ok
    assert Visit.objects.get(date=date(2026, 1, 5), patient__code="T-001").notes == "=1+2"
    assert (
        Infusion.objects.get(date=date(2026, 1, 5)).lots_as_recorded
        == '=HYPERLINK("http://example.org")'
    )
    assert AdverseEvent.objects.get().term == "@SUM(A1)"
    assert Patient.objects.get(code="T-001").last_name == "+33 1 23 45"


def test_semicolon_csv_with_decimal_commas_and_bom(db, tmp_path):
    folder = tmp_path / "fr"
    folder.mkdir()
    files = base_files()
    for name, rows in files.items():
        lines = [";".join(f'"{c}"' if ";" in c else c for c in row) for row in rows]
        text = "\ufeff" + "\r\n".join(lines) + "\r\n"
        (folder / f"{name}.csv").write_bytes(text.encode("utf-8"))
    (folder / "labs.csv").write_bytes((folder / "labs.csv").read_bytes().replace(b"0.65", b"0,65"))
    result = run(folder)
    assert result.ok, [str(p) for p in result.problems]
    assert LabResult.objects.get(test="c3").value == Decimal("0.65")
    assert Patient.objects.get(code="T-001").manifestations == ["cutaneous_articular", "renal"]


# --------------------------------------------------------------------------- xlsx and zip


def _xlsx(files: dict[str, list[list[str]]], typed: bool = True) -> bytes:
    """A workbook of the files; `typed`: numbers and dates as Excel would store them."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in files.items():
        sheet = book.create_sheet(name)
        for row in rows:
            cells = []
            for cell in row:
                value: object = cell
                if typed and cell:
                    try:
                        value = (
                            datetime.fromisoformat(cell)
                            if len(cell) == 10 and cell[4] == "-"
                            else float(cell)
                        )
                    except ValueError:
                        value = cell
                cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_holds_the_same_rows_as_the_csv_files(imported, tmp_path):
    before = snapshot()
    path = tmp_path / "cohort.xlsx"
    path.write_bytes(_xlsx(base_files()))
    result = run(path)
    assert result.ok, [str(p) for p in result.problems]
    assert result.changes == 0  # every row equal to the CSV import's
    assert snapshot() == before


def test_xlsx_on_an_empty_database_imports(db, tmp_path):
    path = tmp_path / "cohort.xlsx"
    path.write_bytes(_xlsx(base_files()))
    result = run(path)
    assert result.ok and result.counts["infusions"].created == 4
    assert Visit.objects.filter(descriptors_recorded=True).get().descriptors == ["arthritis"]


def test_xlsx_problems_give_sheet_and_row(imported, tmp_path):
    files = base_files()
    _bad_date(files)
    files["visits"][1][-1] = "=1+2"
    files["extra"] = [["a"], ["b"]]
    before = snapshot()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_xlsx(files, typed=False))
    result = run(path)
    assert [str(p) for p in result.problems] == [
        "extra:1: -: unknown file (expected: patients, treatments, infusions, visits, labs, "
        "adverse_events)",
        "visits:2: date: '2026-13-05' is not a date: write YYYY-MM-DD or DD/MM/YYYY",
    ]
    assert snapshot() == before


def test_xlsx_formula_cell_is_stored_as_its_text(db, tmp_path):
    files = base_files()
    files["visits"][1][-1] = "=1+2"  # openpyxl writes a formula cell
    path = tmp_path / "f.xlsx"
    path.write_bytes(_xlsx(files, typed=False))
    assert run(path).ok
    assert Visit.objects.get(date=date(2026, 1, 5), patient__code="T-001").notes == "=1+2"


def test_zip_of_csv_files(db, tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, rows in base_files().items():
            archive.writestr(f"export/{name}.csv", csv_text(rows))
        archive.writestr("export/README.txt", "ignored")
    path = tmp_path / "cohort.zip"
    path.write_bytes(out.getvalue())
    result = run(path)
    assert result.ok and Patient.objects.count() == 2


def test_zip_too_large_once_unpacked_is_refused(db, tmp_path, settings):
    # 1 MB unpacked at most, and no ratio limit, so that only the total speaks
    limits = {**settings.COHORT_IMPORT_LIMITS, "UNPACKED_MB": 1, "COMPRESSION_RATIO": 10**6}
    settings.COHORT_IMPORT_LIMITS = limits
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("patients.csv", csv_text(base_files()["patients"]) + "\n" * 2**21)
    path = tmp_path / "bomb.zip"
    path.write_bytes(out.getvalue())
    result = run(path)
    assert [str(p).replace("\xa0", " ") for p in result.problems] == [
        "archive:1: -: the archive holds 2.0 MB once unpacked, more than 1.0 MB"
    ]
    assert Patient.objects.count() == 0


# --------------------------------------------------------------------------- shifting dates


def test_shift_dates_moves_every_date_and_keeps_the_rest():
    tables = tables_from_rows(
        {
            "patients": (["code", "birth_date", "start_date", "stop_date"], [
                {"code": "A", "birth_date": "1980-01-01", "start_date": "2026-01-05",
                 "stop_date": ""},
            ]),
            "visits": (["patient", "date", "sledai_total"], [
                {"patient": "A", "date": "2026-02-02", "sledai_total": "4"},
                {"patient": "A", "date": "not a date", "sledai_total": "2"},
            ]),
        }
    )  # fmt: skip
    shifted = shift_dates(tables, 10)
    assert shifted["patients"].rows[0][1] == {
        "code": "A",
        "birth_date": "1980-01-11",
        "start_date": "2026-01-15",
        "stop_date": "",
    }
    assert [v["date"] for _line, v in shifted["visits"].rows] == ["2026-02-12", "not a date"]
    assert tables["visits"].rows[0][1]["date"] == "2026-02-02"  # the input is not changed
    moved, days = shift_to(tables, date(2026, 3, 1))
    assert days == 27 and latest_date(moved) == date(2026, 3, 1)


# --------------------------------------------------------------------------- command


def test_command_imports_and_prints_counts(db, tmp_path):
    folder = write(tmp_path / "good", base_files())
    out = io.StringIO()
    call_command("import_cohort", str(folder), "--today", "2026-11-25", stdout=out)
    assert "patients: 2 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Patient.objects.count() == 2


def test_command_dry_run_writes_nothing(db, tmp_path):
    folder = write(tmp_path / "good", base_files())
    out = io.StringIO()
    call_command("import_cohort", str(folder), "--dry-run", "--today", "2026-11-25", stdout=out)
    assert "patients: 2 to create" in out.getvalue()
    assert Patient.objects.count() == 0


def test_command_fails_with_every_problem_on_stderr(imported, tmp_path, users):
    files = base_files()
    _bad_date(files)
    _negative(files)
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_cohort",
            str(write(tmp_path / "bad", files)),
            "--user",
            "administrator",
            "--today",
            "2026-11-25",
            stderr=err,
        )
    assert failure.value.returncode == 1
    assert err.getvalue().splitlines() == [
        "visits.csv:2: date: '2026-13-05' is not a date: write YYYY-MM-DD or DD/MM/YYYY",
        "labs.csv:2: value: must not be negative (-1)",
    ]
    assert snapshot() == before


def test_command_shift_to_today(db, tmp_path):
    folder = write(tmp_path / "good", base_files())
    call_command(
        "import_cohort",
        str(folder),
        "--shift-to-today",
        "--today",
        "2026-11-25",
        stdout=io.StringIO(),
    )
    latest = max(Visit.objects.values_list("date", flat=True))
    assert latest == date(2026, 11, 25)  # the latest care date (a visit on 2026-07-06) moved
    assert Patient.objects.get(code="T-001").birth_date == date(1985, 3, 14) + (
        date(2026, 11, 25) - date(2026, 7, 6)
    )


class _Tty(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_bar_only_on_a_terminal():
    for tty in (True, False):
        stream = _Tty(tty)
        bar = TerminalProgress(stream)
        bar(Progress("validate", 50, 100))
        bar(Progress("validate", 50, 100))
        bar.close()
        if tty:
            assert stream.getvalue() == "\rchecking   [" + "#" * 15 + "." * 15 + "]  50%\n"
        else:
            assert stream.getvalue() == ""


def test_import_queries_do_not_grow_with_the_rows(db, django_assert_max_num_queries):
    """Few queries, not one per row: a cohort 3 times larger costs the same number of queries."""
    counts = []
    for patients, prefix in ((20, "SMALL"), (60, "LARGE")):
        cohort = tables_from_rows(
            generate_cohort(patients=patients, seed=3, today=TODAY, prefix=prefix)
        )
        department_selectors.forget()  # each import its own request: the settings read once
        with CaptureQueriesContext(connection) as queries:
            result = cohort_import(source=cohort, today=TODAY)
        assert result.ok
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] < 60


# --------------------------------------------------------------------------- browser


@pytest.fixture
def admin(client_for):
    """An administrator's client reading the pages in English (the default language is French)."""
    from django.conf import settings

    client = client_for("administrator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


def _uploads(files: dict[str, list[list[str]]]) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"{name}.csv", csv_text(rows).encode(), content_type="text/csv")
        for name, rows in files.items()
    ]


def _upload(client, files) -> tuple[ImportJob, str]:
    """POST the files; the job, and its page after the redirect (the task ran at once: the
    tests' backend is the immediate one)."""
    response = client.post(reverse("cohort_io:import"), {"files": files}, follow=True)
    assert response.redirect_chain[0][1] == 302
    return ImportJob.objects.latest("created_at"), _page(response)


def test_browser_dry_run_shows_problems_and_writes_nothing(admin):
    files = base_files()
    _bad_date(files)
    _unknown_code(files)
    job, page = _upload(admin, _uploads(files))
    assert "2 problems: nothing was imported." in page
    assert (
        "visits.csv:2: date: &#x27;2026-13-05&#x27; is not a date: write YYYY-MM-DD or DD/MM/YYYY"
        in page
    )
    assert "labs.csv:5: patient: unknown patient &#x27;NOPE-9&#x27;" in page
    assert "job_confirm" not in page and "/confirm/" not in page
    assert Patient.objects.count() == 0
    assert (job.state, job.dry_run, job.chunks.count()) == ("done", True, 0)


def test_browser_dry_run_then_confirm_imports(admin, users):
    job, page = _upload(admin, _uploads(base_files()))
    assert "The files are correct. Nothing has been written yet." in page
    assert Patient.objects.count() == 0
    confirm = reverse("cohort_io:job_confirm", kwargs={"job_id": job.pk})
    assert f'action="{confirm}"' in page
    assert job.chunks.count() == 1  # kept for the confirmation
    response = admin.post(confirm, follow=True)
    assert "The cohort was imported." in _page(response)
    assert Patient.objects.count() == 2
    assert {h.history_user for h in Infusion.history.all()} == {users["administrator"]}
    job.refresh_from_db()
    assert (job.state, job.dry_run, job.written, job.chunks.count()) == ("done", False, True, 0)
    assert job.counts["patients"] == [2, 0, 0]
    # The same job cannot import twice.
    response = admin.post(confirm)
    assert "already imported or have expired" in _page(response)


def test_browser_xlsx_upload(admin):
    upload = SimpleUploadedFile("cohort.xlsx", _xlsx(base_files()))
    job, page = _upload(admin, [upload])
    assert "The files are correct." in page
    assert job.file_name == "upload.xlsx"


def test_browser_without_files_says_required_beside_the_field(admin):
    response = admin.post(reverse("cohort_io:import"), {"files": "x"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["files"] and len(errors["files"]) == 1  # the page is in French
    assert Patient.objects.count() == 0
    assert ImportJob.objects.count() == 0


def test_browser_refuses_a_mix_of_workbook_and_csv(admin):
    uploads = [SimpleUploadedFile("cohort.xlsx", b"x"), *_uploads(base_files())]
    response = admin.post(reverse("cohort_io:import"), {"files": uploads})
    assert "not a mix" in response.content.decode()


def test_import_refreshes_the_planner_statistics_on_postgresql(db):
    """After the bulk writes the planner must know the new table sizes (PostgreSQL only)."""
    with CaptureQueriesContext(connection) as queries:
        result = cohort_import(source=STUDY)
    assert result.written
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert len(analyzed) == (1 if connection.vendor == "postgresql" else 0)
    for sql in analyzed:
        for table in ("patients_patient", "pharmacy_infusion", "pharmacy_courseschedule"):
            assert f'"{table}"' in sql


def test_a_small_import_into_a_larger_cohort_leaves_the_statistics_to_autovacuum(db, tmp_path):
    """ANALYZE costs seconds on a large database: an import that changes under a tenth of every
    table it writes does not run it (PostgreSQL; never on SQLite)."""
    assert cohort_import(source=STUDY).written  # the study's 16 patients, analysed
    files = base_files()
    files = {"patients": files["patients"][:2]}  # one new patient: 1 row of 17
    with CaptureQueriesContext(connection) as queries:
        result = run(write(tmp_path / "one", files))
    assert result.written and result.counts["patients"].created == 1
    assert not [q for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
