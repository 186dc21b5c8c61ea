"""Subcutaneous dispensations in the analysis: the rules count the weeks covered (issue 16).

D0 = 2015-03-02. An SC record is a dispensation of N pens covering N weeks; a record without
pens (an old file) is one pen, one week. Hand-checked with the SC interval of 7 days.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from belimumab.domain.pens import covered_dates
from belimumab.reports.joins import covered_days
from belimumab.reports.report import build_report
from tests.reports.builders import SC, Cohort

EVERY_12_WEEKS = (0, 84, 168, 252, 336)


def _sc(cohort: Cohort, pid: int, days: tuple[int, ...], pens: int | None) -> Cohort:
    cohort.patient(pid, regimen=SC, infusions=())
    for n in days:
        extra = {} if pens is None else {"pens": pens}
        cohort.infusion(pid, n, prescribed=200, prepared=200, vials_120=0, vials_400=0, **extra)
    return cohort


def test_twelve_pens_at_once_cover_twelve_weeks():
    """12 pens every 84 days: on belimumab all along, no interruption; each dispensation
    covers 12 weeks, so the last one (D336) covers D336 .. D413 and exposure runs to D420."""
    ds = _sc(Cohort(), 1, EVERY_12_WEEKS, 12).build()
    patient = ds.patients.iloc[0]
    assert patient["exclusion_reasons"] == ()
    assert (patient["max_interruption_days"], patient["administrations"]) == (0, 60)
    assert patient["exposure_days"] == 336 + 11 * 7 + 7  # 420
    report = build_report(ds)
    assert report["cohort"]["analysed"] == 1
    assert report["drug_cost"]["patient_years"] == round(420 / 365.25, 3)
    assert report["drug_cost"]["sc_administrations"] == 60  # weekly doses, not 5 records
    assert ds.events[ds.events["kind"] == "missed_cycles"].empty


def test_the_same_records_without_pens_are_one_week_each_and_interrupted():
    """An old file's rows: one pen each, so 84 days between two weeks is 77 days of
    interruption, more than 61: excluded (the meaning of existing files is kept)."""
    ds = _sc(Cohort(), 1, EVERY_12_WEEKS, None).build()
    patient = ds.patients.iloc[0]
    assert patient["exclusion_reasons"] == ("interruption",)
    assert (patient["max_interruption_days"], patient["administrations"]) == (77, 5)
    assert patient["exposure_days"] == 336 + 7


def test_missed_weeks_between_dispensations_are_events():
    """4 pens at D0 cover D0, D7, D14, D21; the next 4 on D42: D28 and D35 missed (2)."""
    ds = _sc(Cohort(), 1, (0, 42), 4).build()
    missed = ds.events[ds.events["kind"] == "missed_cycles"]
    assert missed[["day", "detail"]].to_dict("records") == [{"day": 21, "detail": "2"}]
    assert ds.patients.iloc[0]["max_interruption_days"] == 14


def test_iv_patients_beside_sc_ones_are_unchanged():
    cohort = _sc(Cohort().patient(1), 2, EVERY_12_WEEKS, 12)
    iv_alone = Cohort().patient(1).build().patients.iloc[0]
    ds = cohort.build()
    iv = ds.patients[ds.patients["patient_id"] == 1].iloc[0]
    for column in ("max_interruption_days", "administrations", "exposure_days"):
        assert iv[column] == iv_alone[column], column
    assert not pd.isna(iv["max_interruption_days"])


@settings(max_examples=200, deadline=None)
@given(
    courses=st.lists(
        st.tuples(
            st.sampled_from([7, 14]),
            st.lists(st.tuples(st.integers(0, 400), st.integers(1, 12)), min_size=1, max_size=10),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_covered_days_is_the_domain_rule(courses):
    """The vectorised weeks covered equal `pens.covered_dates`, course by course."""
    epoch = date(1970, 1, 1)
    rows = []
    expected = []
    for course_id, (step, records) in enumerate(courses):
        summed = {}
        for offset, count in records:
            summed[offset] = summed.get(offset, 0) + count
        rows += [(course_id, 20000 + o, n, step) for o, n in sorted(summed.items())]
        dates = [(epoch + timedelta(days=20000 + o), n) for o, n in records]
        expected += [(course_id, (d - epoch).days) for d in covered_dates(dates, step)]
    course, day, count, interval = (np.array(column) for column in zip(*rows, strict=True))
    got_course, got_day = covered_days(course, day, count, interval)
    assert list(zip(got_course.tolist(), got_day.tolist(), strict=True)) == expected
