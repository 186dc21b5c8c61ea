"""DOMAIN.md "Plausibility of what is entered" in the import: every row of the table as
`FILE:LINE: COLUMN: message` problems from the same domain rules as the forms (nothing written),
and the `confirmed` column that lets a file carry a confirmed value (stored with the record)."""

from __future__ import annotations

from datetime import date

import pytest

from belimumab.clinical.models import TreatmentDose, Visit
from belimumab.patients.models import Course
from belimumab.pharmacy.models import Infusion
from tests.cohort_io.test_import import base_files, english, regimens, run, snapshot, write

__all__ = ["english", "regimens"]  # the autouse fixtures of the import tests, used here too

pytestmark = pytest.mark.django_db

CONFIRM = "(to keep it, write {check} in the confirmed column)"


def _set(files, table, line, column, value):
    """Change one cell: `line` as the problem names it (the header is line 1)."""
    header = files[table][0]
    files[table][line - 1][header.index(column)] = value


def _add_confirmed(files, table, line, checks):
    header = files[table][0]
    if "confirmed" not in header:
        header.append("confirmed")
        for row in files[table][1:]:
            row.append("")
    files[table][line - 1][header.index("confirmed")] = checks


def _weight_tenth(files):
    _set(files, "infusions", 2, "weight_kg", "0.1")


def _weight_half(files):
    _set(files, "infusions", 3, "weight_kg", "0.5")


def _weight_heavy(files):
    _set(files, "infusions", 2, "weight_kg", "250.1")


def _weight_change(files):
    _set(files, "infusions", 3, "weight_kg", "80")  # 70.0 -> 80: +14.3 %
    _set(files, "infusions", 4, "weight_kg", "80")


def _interval(files):
    _set(files, "infusions", 3, "date", "2026-01-06")  # D0 + 1; D14 scheduled


def _steroid_5000(files):
    _set(files, "treatments", 2, "dose", "5000")


def _steroid_pulse(files):
    _set(files, "treatments", 3, "dose", "250")


def _methylprednisolone(files):
    _set(files, "treatments", 2, "drug", "methylprednisolone")
    _set(files, "treatments", 3, "drug", "methylprednisolone")
    _set(files, "treatments", 3, "dose", "1001")  # 1,251.25 mg prednisone equivalent


def _lab(test, value, unit=""):
    def damage(files):
        del files["labs"][2:]  # one result left, line 2
        _set(files, "labs", 2, "test", test)
        _set(files, "labs", 2, "value", value)
        _set(files, "labs", 2, "unit", unit)

    damage.__name__ = f"_{test}_{value}"
    return damage


def _visit_before_birth(files):
    _set(files, "visits", 2, "date", "1985-03-13")  # T-001 born 1985-03-14


def _visit_five_years_before_d0(files):
    _set(files, "visits", 2, "date", "2021-01-05")


def _onset_1899(files):
    _set(files, "adverse_events", 2, "onset_date", "1899-12-31")


def _treatment_1899(files):
    _set(files, "treatments", 4, "start_date", "1899-12-31")


def _course_ahead(files):
    _set(files, "patients", 3, "start_date", "2027-11-26")  # today (2026-11-25) + 366
    _set(files, "patients", 3, "stop_date", "")
    _set(files, "patients", 3, "stop_reason", "")
    del files["infusions"][4]  # T-002's infusion and visit: its course has not started
    del files["visits"][3]


def _code(files):
    _set(files, "patients", 2, "code", "a b")
    for table in ("infusions", "visits", "labs", "treatments", "adverse_events"):
        for row in files[table][1:]:
            if row[0] == "T-001":
                row[0] = "a b"


PROBLEMS = [
    # weight for an IV dose: 10-250 kg; a change of more than 10 % asks
    (_weight_tenth, ["infusions.csv:2: weight_kg: The weight must be between 10 and 250 kg."]),
    (_weight_half, ["infusions.csv:3: weight_kg: The weight must be between 10 and 250 kg."]),
    (_weight_heavy, ["infusions.csv:2: weight_kg: 250.1 kg is above 250 kg"]),
    (
        _weight_change,
        [
            "infusions.csv:3: weight_kg: The weight changed by 14.3 % since the last infusion "
            "(70 kg): check it and confirm. " + CONFIRM.format(check="weight_change")
        ],
    ),
    # interval since the previous administration: earlier than the schedule minus 7 days asks
    (
        _interval,
        [
            "infusions.csv:3: date: Only 1 day from the administration of 2026-01-05 "
            "(scheduled every 14 days): check the date and confirm. "
            + CONFIRM.format(check="interval_short")
        ],
    ),
    # corticosteroid dose, prednisone equivalent: 0-1250 mg/day; above 100 asks
    (
        _steroid_5000,
        [
            "treatments.csv:2: dose: A corticosteroid dose must be between 0 and 1,250 mg/day "
            "prednisone equivalent."
        ],
    ),
    (
        _steroid_pulse,
        [
            "treatments.csv:3: dose: 250 mg/day prednisone equivalent is above 100 mg/day "
            "(a pulse?): check it and confirm. " + CONFIRM.format(check="corticosteroid_high")
        ],
    ),
    (
        _methylprednisolone,
        [
            "treatments.csv:3: dose: A corticosteroid dose must be between 0 and 1,250 mg/day "
            "prednisone equivalent."
        ],
    ),
    # labs: hard ranges in the default unit; C3/C4 10-500 looks like mg/dL
    (
        _lab("anti_dsdna", "10001"),
        [
            "labs.csv:2: value: Not plausible: this test is between 0 and 10,000 IU/mL. Check the "
            "value and its unit."
        ],
    ),
    (
        _lab("ch50", "201"),
        [
            "labs.csv:2: value: Not plausible: this test is between 0 and 200 U/mL. Check the "
            "value and its unit."
        ],
    ),
    (
        _lab("c3", "85"),
        [
            "labs.csv:2: value: Not plausible in g/L (0 to 5): this looks like a value in mg/dL, "
            "that is 0.85 g/L."
        ],
    ),
    (
        _lab("c4", "2.5"),
        [
            "labs.csv:2: value: Not plausible: this test is between 0 and 2 g/L. Check the value "
            "and its unit."
        ],
    ),
    (
        _lab("platelets", "2001"),
        [
            "labs.csv:2: value: Not plausible: this test is between 0 and 2,000 10^9/L. Check the "
            "value and its unit."
        ],
    ),
    (
        _lab("leukocytes", "301"),
        [
            "labs.csv:2: value: Not plausible: this test is between 0 and 300 10^9/L. Check the "
            "value and its unit."
        ],
    ),
    (
        _lab("proteinuria", "31"),
        [
            "labs.csv:2: value: Not plausible: this test is between 0 and 30 g/24h. Check the "
            "value and its unit."
        ],
    ),
    # visit date: before birth refused; more than 365 days before D0 asks
    (_visit_before_birth, ["visits.csv:2: date: This date is before the patient's birth."]),
    (
        _visit_five_years_before_d0,
        [
            "visits.csv:2: date: This visit is more than 365 days before D0 (2026-01-05): check "
            "the date and confirm. " + CONFIRM.format(check="visit_before_d0")
        ],
    ),
    # clinical dates: before 1900-01-01 refused; a course start more than 365 days ahead asks
    (
        _onset_1899,
        ["adverse_events.csv:2: onset_date: A date before 1900-01-01 is not plausible."],
    ),
    (_treatment_1899, ["treatments.csv:4: start_date: A date before 1900-01-01 is not plausible."]),
    (
        _course_ahead,
        [
            "patients.csv:3: start_date: This course starts more than 365 days from today: "
            "check the date and confirm. " + CONFIRM.format(check="course_start_ahead")
        ],
    ),
    # patient code: 1-32 letters, digits, . _ / -
    (
        _code,
        [
            "patients.csv:2: code: 'a b': a code is 1-32 letters, digits or . _ / - (starting "
            "with a letter or digit)"
        ],
    ),
]


@pytest.mark.parametrize(
    ("damage", "expected"), PROBLEMS, ids=[d.__name__.strip("_") for d, _ in PROBLEMS]
)
def test_implausible_values_are_problems_and_nothing_is_written(tmp_path, damage, expected):
    files = base_files()
    damage(files)
    before = snapshot()
    result = run(write(tmp_path / "bad", files))
    assert [str(p) for p in result.problems] == expected
    assert not result.written and snapshot() == before


def test_the_base_files_pass_every_check(tmp_path):
    result = run(write(tmp_path / "good", base_files()))
    assert result.ok, [str(p) for p in result.problems]


def test_c3_in_mg_dl_with_its_unit_is_accepted(tmp_path):
    files = base_files()
    _lab("c3", "85", "mg/dL")(files)
    assert run(write(tmp_path / "mg", files)).ok


CONFIRMED = [
    # damage, file, line, check, stored on
    (
        _weight_change,
        "infusions",
        3,
        "weight_change",
        lambda: Infusion.objects.get(date=date(2026, 1, 19)),
    ),
    (
        _interval,
        "infusions",
        3,
        "interval_short",
        lambda: Infusion.objects.get(date=date(2026, 1, 6)),
    ),
    (
        _steroid_pulse,
        "treatments",
        3,
        "corticosteroid_high",
        lambda: TreatmentDose.objects.get(dose=250),
    ),
    (
        _visit_five_years_before_d0,
        "visits",
        2,
        "visit_before_d0",
        lambda: Visit.objects.get(date=date(2021, 1, 5)),
    ),
    (
        _course_ahead,
        "patients",
        3,
        "course_start_ahead",
        lambda: Course.objects.get(start_date=date(2027, 11, 26)),
    ),
]


@pytest.mark.parametrize(
    ("damage", "table", "line", "check", "record"),
    CONFIRMED,
    ids=[c[3] for c in CONFIRMED],
)
def test_the_confirmed_column_carries_a_confirmed_value(
    tmp_path, damage, table, line, check, record
):
    files = base_files()
    damage(files)
    _add_confirmed(files, table, line, check)
    result = run(write(tmp_path / "confirmed", files))
    assert result.ok, [str(p) for p in result.problems]
    assert record().confirmed_checks == [check]


def test_an_unknown_check_in_the_confirmed_column_is_a_problem(tmp_path):
    files = base_files()
    _add_confirmed(files, "treatments", 2, "pulse")
    result = run(write(tmp_path / "bad", files))
    assert [str(p) for p in result.problems] == [
        "treatments.csv:2: confirmed: 'pulse' is not one of: weight_change, interval_short, "
        "corticosteroid_high, visit_before_d0, visit_same_day, course_start_ahead"
    ]


def test_an_infusion_is_compared_with_the_database(tmp_path):
    assert run(write(tmp_path / "first", base_files())).ok
    files = base_files()
    files["infusions"] = [files["infusions"][0], ["T-001", "2026-02-03", "70", "", "", "", "", ""]]
    result = run(write(tmp_path / "second", files))
    assert [str(p) for p in result.problems] == [
        "infusions.csv:2: date: Only 1 day from the administration of 2026-02-02 (scheduled "
        "every 28 days): check the date and confirm. " + CONFIRM.format(check="interval_short")
    ]


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ("2026-03-02", []),  # 28 days after 4 pens
        (
            "2026-02-09",  # a week after 4 pens: the pens cover three more weeks
            [
                "infusions.csv:6: date: Only 7 days from the administration of 2026-02-02 "
                "(scheduled every 28 days): check the date and confirm. "
                + CONFIRM.format(check="interval_short")
            ],
        ),
    ],
)
def test_an_sc_dispensation_schedules_the_weeks_its_pens_cover(tmp_path, second, expected):
    files = base_files()
    files["infusions"][0].append("pens")
    for row in files["infusions"][1:]:
        row.append("")
    files["infusions"][4][-1] = "4"  # T-002's dispensation of 2026-02-02
    files["infusions"].append(["T-002", second, "", "", "", "", "", "", "1"])
    result = run(write(tmp_path / "sc", files))
    assert [str(p) for p in result.problems] == expected
