"""Typed frames: rows as the selectors read them (tuples) give the same frame as the same rows
given as dicts (the reference path), whatever the values: None, Decimal, datetime, JSON text."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from belimumab.reports.frames import (
    INFUSIONS,
    LABS,
    PATIENTS,
    Rows,
    patients_frame,
    typed_frame,
)


def as_rows(dicts, columns):
    return Rows(tuple(columns), [tuple(d.get(c) for c in columns) for d in dicts])


LAB_ROWS = [
    {"id": 1, "patient_id": 7, "date": date(2024, 1, 8), "test": "c3", "value": 0.61,
     "lower_limit": 0.9, "upper_limit": None},
    {"id": 2, "patient_id": 7, "date": date(2024, 7, 8), "test": "c4", "value": Decimal("0.12"),
     "lower_limit": None, "upper_limit": 0.4},
]  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        {},  # numbers and dates only: the fast path
        {"value": None},  # a missing value in a float column
        {"date": None},  # a missing date (NaT)
        {"date": datetime(2024, 7, 8, 13, 30)},  # a time of day is kept, as the dict path does
        {"id": Decimal(2)},  # a Decimal in an int column
    ],
)
def test_tuples_and_dicts_give_the_same_frame(change):
    rows = [LAB_ROWS[0], {**LAB_ROWS[1], **change}]
    expected = typed_frame(rows, LABS)
    got = typed_frame(as_rows(rows, LABS), LABS)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.dtypes.astype(str)) == [str(pd.Series(dtype=t).dtype) for t in LABS.values()]


def test_a_float_column_keeps_missing_values_as_nan():
    frame = typed_frame(as_rows([{**LAB_ROWS[0], "value": None}], LABS), LABS)
    assert frame["value"].isna().tolist() == [True]


def test_an_empty_table_has_the_schema():
    frame = typed_frame(Rows(tuple(INFUSIONS), []), INFUSIONS)
    assert list(frame.columns) == list(INFUSIONS) and len(frame) == 0


def test_patients_json_columns_read_as_text_or_as_lists_are_the_same():
    patient = {
        "patient_id": 1, "code": "P1", "birth_date": date(1980, 5, 1), "sex": "F",
        "smoking": "never", "manifestations": ["renal", "skin"], "previous_treatments": [],
        "initiation_reasons": ["flare"], "indication": "sle", "prior_trial": False,
        "course_id": 3, "d0": date(2020, 1, 2), "stop_date": None, "stop_reason": "",
        "regimen": "iv_standard", "route": "iv", "mg_per_kg": 10, "fixed_dose_mg": None,
        "loading_intervals_days": [14, 14], "loading_doses_mg": [], "interval_days": 28,
    }  # fmt: skip
    json_columns = (
        "manifestations",
        "previous_treatments",
        "initiation_reasons",
        "loading_intervals_days",
        "loading_doses_mg",
    )
    as_text = {k: json.dumps(v) if k in json_columns else v for k, v in patient.items()}
    none = {**as_text, "manifestations": None}
    expected = patients_frame([patient, {**patient, "manifestations": None}])
    got = patients_frame(as_rows([as_text, none], PATIENTS))
    pd.testing.assert_frame_equal(got, expected)
    assert got.loc[0, "manifestations"] == ["renal", "skin"]
    assert got.loc[1, "manifestations"] == []
    assert got.loc[0, "loading_intervals_days"] == (14, 14)
