"""Synthetic cohorts: deterministic, realistic, importable; the committed demo fixture."""

from __future__ import annotations

import filecmp
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from belimumab.clinical.models import AdverseEvent, Visit
from belimumab.cohort_io.formats import FILES, LOT_COLUMNS
from belimumab.cohort_io.generator import (
    COLUMNS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    NOT_GENERATED,
    generate_cohort,
    write_csv_files,
)
from belimumab.cohort_io.readers import read_source, tables_from_rows
from belimumab.cohort_io.services import cohort_import
from belimumab.cohort_io.shifting import latest_date
from belimumab.domain import pens, schedule
from belimumab.patients.models import Course, Patient
from belimumab.pharmacy.models import Infusion

TODAY = date(2026, 11, 25)
DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo"


@pytest.fixture(autouse=True)
def regimens(request):
    """The regimens of data migration 0002 (a transactional test's flush removes them)."""
    if "db" in request.fixturenames:
        import importlib

        from django.apps import apps

        request.getfixturevalue("db")
        migration = importlib.import_module("belimumab.patients.migrations.0002_fill_regimens")
        migration.fill_regimens(apps, None)


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_csv_files(generate_cohort(patients=30, seed=seed, today=TODAY), tmp_path / name)
    names = [f"{n}.csv" for n in COLUMNS]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert (sorted(match), mismatch, errors) == (sorted(names), [], [])
    assert (tmp_path / "a" / "infusions.csv").read_bytes() != (
        tmp_path / "c" / "infusions.csv"
    ).read_bytes()


def test_columns_are_those_of_the_import_format():
    # the hospital's identifiers and the structured lots (stock lots) are not generated
    assert set(NOT_GENERATED) == {"hospital_id", *(c for cs in LOT_COLUMNS.values() for c in cs)}
    for name, columns in COLUMNS.items():
        assert set(columns) == set(FILES[name].columns) - set(NOT_GENERATED), name


@pytest.fixture(scope="module")
def big():
    return generate_cohort(patients=400, seed=11, today=TODAY)


def test_generated_cohort_is_realistic(big):
    patients = big["patients"][1]
    assert [p["code"] for p in patients[:2]] == ["DEMO-0001", "DEMO-0002"]
    assert {p["last_name"] for p in patients} <= set(LAST_NAMES)
    assert {p["first_name"] for p in patients} <= set(FIRST_NAMES_F + FIRST_NAMES_M)
    routes = [p["route"] for p in patients]
    assert 0.1 < routes.count("sc") / len(routes) < 0.35
    stopped = [p for p in patients if p["stop_date"]]
    assert stopped and all(p["stop_reason"] for p in stopped)
    assert {p["stop_reason"] for p in stopped} >= {"inefficacy", "remission", "patient_choice"}
    assert any(p["prior_trial"] == "yes" for p in patients)

    given: dict[str, list[tuple[date, int]]] = {}
    for row in big["infusions"][1]:
        record = (date.fromisoformat(row["date"]), int(row["pens"] or 1))
        given.setdefault(row["patient"], []).append(record)
    missed = interrupted = 0
    for p in patients:
        regimen = schedule.SC_STANDARD if p["route"] == "sc" else schedule.IV_STANDARD
        # SC rows are dispensations of up to 4 pens: the weeks they cover count
        days = pens.administration_dates(regimen, given.get(p["code"], []))
        missed += any(g.missed_cycles for g in schedule.gaps(regimen, days))
        interrupted += schedule.is_excluded_for_interruption(
            regimen, date.fromisoformat(p["start_date"]), days
        )
    assert missed > 20 and interrupted >= 1
    route_of = {p["code"]: p["route"] for p in patients}
    rows = big["infusions"][1]
    assert all((r["pens"] != "") == (route_of[r["patient"]] == "sc") for r in rows)
    assert {r["pens"] for r in rows if r["pens"]} == {"1", "2", "3", "4"}

    visits = big["visits"][1]
    with_descriptors = [v for v in visits if v["arthritis"] != ""]
    totals_only = [v for v in visits if v["arthritis"] == "" and v["sledai_total"]]
    assert len(with_descriptors) > 100 and len(totals_only) > 100
    assert {r["category"] for r in big["adverse_events"][1]} == {
        "infection",
        "neutropenia",
        "rash",
        "infusion_reaction",
        "other",
    }
    assert {r["drug"] for r in big["treatments"][1]} >= {
        "prednisone",
        "methylprednisolone",
        "hydroxychloroquine",
        "mycophenolate",
        "methotrexate",
        "azathioprine",
    }
    dates = [
        date.fromisoformat(r[c])
        for name, (columns, rows) in big.items()
        for r in rows
        for c in ("date", "start_date", "onset_date", "stop_date")
        if c in columns and r.get(c) and name != "treatments"
    ]
    assert max(dates) <= TODAY
    assert max(date.fromisoformat(r["date"]) for r in big["infusions"][1]) < TODAY


def test_generated_cohort_imports_without_problem_and_idempotently(db, big):
    tables = tables_from_rows(big)
    result = cohort_import(source=tables, today=TODAY)
    assert result.ok, [str(p) for p in result.problems[:5]]
    assert Patient.objects.count() == 400
    assert Course.objects.filter(regimen__code="sc_standard").exists()
    assert Visit.objects.filter(descriptors_recorded=True).exists()
    assert Visit.objects.filter(descriptors_recorded=False, sledai__isnull=False).exists()
    assert Infusion.objects.exclude(reaction="none").filter(vials_120__gt=0).exists()
    assert AdverseEvent.objects.filter(serious=True).exists()
    again = cohort_import(source=tables, today=TODAY)
    assert again.ok and again.changes == 0


def test_command_writes_files(tmp_path):
    out = io.StringIO()
    call_command(
        "generate_cohort", "--patients", "12", "--seed", "4", "--today", "2026-11-25",
        "--output", str(tmp_path / "gen"), stdout=out,
    )  # fmt: skip
    assert "Generated 12 patients" in out.getvalue()
    tables, problems = read_source(tmp_path / "gen")
    assert problems == [] and len(tables["patients"].rows) == 12


def test_command_without_output_imports(db):
    call_command(
        "generate_cohort", "--patients", "12", "--seed", "4", "--today", "2026-11-25",
        "--prefix", "SYN", stdout=io.StringIO(),
    )  # fmt: skip
    assert Patient.objects.filter(code__startswith="SYN-").count() == 12


def test_demo_fixture_is_the_generator_output(tmp_path):
    write_csv_files(
        generate_cohort(patients=40, seed=32, today=TODAY, history_days=400), tmp_path / "demo"
    )
    for name in COLUMNS:
        assert (tmp_path / "demo" / f"{name}.csv").read_bytes() == (
            DEMO / f"{name}.csv"
        ).read_bytes(), name


def test_demo_fixture_imports_shifted_to_today_and_again_without_change(db):
    tables, problems = read_source(DEMO)
    assert problems == [] and latest_date(tables) == TODAY  # the reference date of its README
    later = TODAY + timedelta(days=100)
    first = cohort_import(source=DEMO, today=later, shift_to_today=True)
    assert first.ok, [str(p) for p in first.problems[:5]]
    assert max(Visit.objects.values_list("date", flat=True)) == later
    assert max(Infusion.objects.values_list("date", flat=True)) < later
    again = cohort_import(source=DEMO, today=later + timedelta(days=3), shift_to_today=True)
    assert again.ok and again.changes == 0
