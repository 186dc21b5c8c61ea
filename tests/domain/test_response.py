"""Time points, the study's response rule and Table 2, exclusion, SRI-4, LLDAS, DORIS, NICE."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from belimumab.domain.defaults import BASELINE_WINDOW, TIMEPOINT_WINDOW
from belimumab.domain.response import (
    TIMEPOINTS,
    PatientCourse,
    Response,
    continuation_met,
    continuation_review_due,
    decreased_immunosuppressants,
    doris,
    exclusion_reasons,
    lldas,
    nearest_in_window,
    nominal_date,
    on_treatment,
    response_at,
    sri4,
    steroid_sparing,
    timepoint_index,
    window,
)
from belimumab.domain.sledai import activity_class

D = Decimal
D0 = date(2015, 3, 2)


def days(n: int) -> date:
    return D0 + timedelta(days=n)


# --- time points --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "expected"),
    [("M0", D0), ("M6", date(2015, 8, 31)), ("M12", date(2016, 3, 1))],  # 2016 is a leap year
)
def test_nominal_date(tp: str, expected: date) -> None:
    assert nominal_date(D0, tp) == expected


def test_nominal_date_unknown_and_custom() -> None:
    assert TIMEPOINTS == ("M0", "M6", "M12")
    with pytest.raises(ValueError):
        nominal_date(D0, "M3")
    assert nominal_date(D0, "M3", {"M3": 91}) == days(91)


def test_window() -> None:
    assert window("M0") == BASELINE_WINDOW == (-30, 7)
    assert window("M6") == window("M12") == TIMEPOINT_WINDOW == (-45, 45)


T = date(2020, 7, 1)


def at(n: int) -> date:
    return T + timedelta(days=n)


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        ([], None),
        ([10], 0),  # inside
        ([-45], 0),  # on the lower edge
        ([45], 0),  # on the upper edge
        ([-46], None),  # outside
        ([46], None),
        ([-46, 46], None),
        ([30, -20, 40], 1),  # nearest
        ([10, -10], 1),  # tie: the earlier date
        ([-10, 10], 0),
        ([0, 0], 0),  # same date twice: first index
        ([-60, 44, 100], 1),
    ],
)
def test_nearest_in_window(offsets: list[int], expected: int | None) -> None:
    assert nearest_in_window([at(o) for o in offsets], T, -45, 45) == expected


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        ([-30], 0),
        ([7], 0),
        ([-31], None),
        ([8], None),
        ([-31, 8], None),
        ([-5, 5], 0),  # tie around D0: earlier
        ([-20, 3], 1),
    ],
)
def test_baseline_window(offsets: list[int], expected: int | None) -> None:
    assert timepoint_index([days(o) for o in offsets], D0, "M0") == expected


@pytest.mark.parametrize(
    ("offsets", "tp", "expected"),
    [
        ([182 - 45], "M6", 0),
        ([182 + 45], "M6", 0),
        ([182 + 46], "M6", None),
        ([0, 180, 370], "M6", 1),
        ([0, 180, 370], "M12", 2),
        ([0, 180, 319], "M12", None),
    ],
)
def test_timepoint_index(offsets: list[int], tp: str, expected: int | None) -> None:
    assert timepoint_index([days(o) for o in offsets], D0, tp) == expected


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        (days(0), None, True),
        (days(182), None, True),  # started on the nominal date
        (days(183), None, False),  # started after
        (days(0), days(181), False),
        (days(0), days(182), False),  # stopped on the nominal date
        (days(0), days(183), True),
    ],
)
def test_on_treatment(start: date, stop: date | None, expected: bool) -> None:
    assert on_treatment(start, stop, days(182)) is expected


# --- response rule, branch by branch -----------------------------------------------------------


def course(**kwargs) -> PatientCourse:
    return PatientCourse(d0=D0, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "treated", "evaluable", "responder", "failure", "reasons"),
    [
        # stopped before T
        (
            {"stop_date": days(100), "stop_reason": "inefficacy", "sledai_m0": 8, "sledai_t": 0},
            False,
            True,
            False,
            True,
            ("stopped_before", "stopped_inefficacy"),
        ),
        (
            {"stop_date": days(100), "stop_reason": "adverse_event", "sledai_m0": 8},
            False,
            True,
            False,
            False,
            ("stopped_before",),
        ),
        (
            {"stop_date": days(182), "stop_reason": "inefficacy", "sledai_m0": 8, "sledai_t": 2},
            False,
            True,
            False,
            True,
            ("stopped_before", "stopped_inefficacy"),
        ),  # stop on the nominal date: stopped before
        (
            {"stop_date": days(183), "stop_reason": "inefficacy", "sledai_m0": 8, "sledai_t": 2},
            True,
            True,
            True,
            False,
            ("drop_4",),
        ),  # stop the day after: still treated at T
        # no score at T
        (
            {"sledai_m0": 8, "steroid_m0": D(20), "steroid_t": D(5)},
            True,
            False,
            False,
            False,
            ("no_score",),
        ),
        # worsening
        (
            {"sledai_m0": 4, "sledai_t": 5, "steroid_m0": D(20), "steroid_t": D(5)},
            True,
            True,
            False,
            False,
            ("worsening",),
        ),
        # responders
        ({"sledai_m0": 2, "sledai_t": 0}, True, True, True, False, ("score_zero",)),
        ({"sledai_m0": 10, "sledai_t": 6}, True, True, True, False, ("drop_4",)),
        ({"sledai_m0": 4, "sledai_t": 0}, True, True, True, False, ("score_zero", "drop_4")),
        (
            {"sledai_m0": 6, "sledai_t": 6, "steroid_m0": D(10), "steroid_t": D("7.5")},
            True,
            True,
            True,
            False,
            ("steroid_decrease",),
        ),
        (
            {"sledai_m0": 6, "sledai_t": 6, "steroid_m0": D(10), "steroid_t": D(0)},
            True,
            True,
            True,
            False,
            ("steroid_decrease",),
        ),
        (
            {"sledai_m0": 6, "sledai_t": 4, "immunosuppressants": {"methotrexate": (D(15), D(0))}},
            True,
            True,
            True,
            False,
            ("immunosuppressant_decrease",),
        ),
        (
            {
                "sledai_m0": 6,
                "sledai_t": 4,
                "immunosuppressants": {"mycophenolate": (D(2000), D(1000))},
            },
            True,
            True,
            True,
            False,
            ("immunosuppressant_decrease",),
        ),
        # not responders
        ({"sledai_m0": 6, "sledai_t": 3}, True, True, False, False, ("no_improvement",)),
        ({"sledai_m0": 6, "sledai_t": 6}, True, True, False, False, ("no_improvement",)),
        (
            {"sledai_m0": 6, "sledai_t": 6, "steroid_m0": D(10), "steroid_t": D(15)},
            True,
            True,
            False,
            False,
            ("no_improvement",),
        ),
        (
            {"sledai_m0": 6, "sledai_t": 6, "steroid_m0": None, "steroid_t": D(5)},
            True,
            True,
            False,
            False,
            ("no_improvement",),
        ),  # corticosteroid started after M0
        (
            {"sledai_m0": 6, "sledai_t": 6, "immunosuppressants": {"azathioprine": (None, D(100))}},
            True,
            True,
            False,
            False,
            ("no_improvement",),
        ),  # immunosuppressant added
        (
            {"sledai_m0": 6, "sledai_t": 6, "immunosuppressants": {"azathioprine": (D(0), D(0))}},
            True,
            True,
            False,
            False,
            ("no_improvement",),
        ),
        (
            {
                "sledai_m0": 6,
                "sledai_t": 6,
                "immunosuppressants": {"methotrexate": (D(10), D(15))},
            },
            True,
            True,
            False,
            False,
            ("no_improvement",),
        ),
        # without SELENA-SLEDAI at M0: tests against M0 skipped
        ({"sledai_m0": None, "sledai_t": 10}, True, True, False, False, ("no_improvement",)),
        ({"sledai_m0": None, "sledai_t": 0}, True, True, True, False, ("score_zero",)),
        (
            {"sledai_m0": None, "sledai_t": 10, "steroid_m0": D(10), "steroid_t": D(5)},
            True,
            True,
            True,
            False,
            ("steroid_decrease",),
        ),
    ],
)
def test_response_branches(kwargs, treated, evaluable, responder, failure, reasons) -> None:
    r = response_at("M6", course(**kwargs))
    assert (r.on_treatment, r.evaluable, r.responder, r.failure) == (
        treated,
        evaluable,
        responder,
        failure,
    )
    assert r.reasons == reasons
    assert r.timepoint == "M6"


def test_response_detail() -> None:
    r = response_at(
        "M12",
        course(
            sledai_m0=8,
            sledai_t=2,
            steroid_m0=D(10),
            steroid_t=D(5),
            immunosuppressants={"methotrexate": (D(15), D(10)), "mycophenolate": (D(2), D(2))},
        ),
    )
    assert r.responder and r.reasons == ("drop_4", "steroid_decrease", "immunosuppressant_decrease")
    assert r.steroid_sparing is True
    assert r.detail == {
        "sledai_m0": 8,
        "sledai_t": 2,
        "drop": 6,
        "steroid_m0": D(10),
        "steroid_t": D(5),
        "drug": "methotrexate",
        "drugs": ("methotrexate",),
        "nominal": days(365),
    }
    with pytest.raises(AttributeError):
        r.responder = False  # type: ignore[misc]


@pytest.mark.parametrize("tp", ["M0", "M3", "m6"])
def test_response_timepoint_invalid(tp: str) -> None:
    with pytest.raises(ValueError):
        response_at(tp, course(sledai_m0=4, sledai_t=0))


@pytest.mark.parametrize(
    "kwargs",
    [{"sledai_m0": 106}, {"sledai_t": -1}, {"stop_date": date(2015, 3, 1)}],
)
def test_patient_course_invalid(kwargs) -> None:
    with pytest.raises(ValueError):
        course(**kwargs)


@pytest.mark.parametrize(
    ("m0", "t", "expected"),
    [
        (None, None, None),  # no corticosteroid at M0
        (None, D(5), None),
        (D(0), D(0), None),  # stopped before M0: not on corticosteroids
        (D(10), None, None),  # dose at T unknown
        (D(10), D(5), True),
        (D(10), D(0), True),  # stopped counts
        (D(10), D(10), False),
        (D(10), D(15), False),
    ],
)
def test_steroid_sparing(m0: Decimal | None, t: Decimal | None, expected: bool | None) -> None:
    assert steroid_sparing(m0, t) is expected
    r = response_at("M6", course(sledai_m0=4, sledai_t=4, steroid_m0=m0, steroid_t=t))
    assert r.steroid_sparing is expected


def test_decreased_immunosuppressants() -> None:
    doses = {
        "tacrolimus": (D(4), D(2)),
        "azathioprine": (D(100), D(0)),
        "ciclosporin": (None, D(100)),
        "leflunomide": (D(20), D(20)),
        "methotrexate": (D(15), None),
    }
    assert decreased_immunosuppressants(doses) == ("azathioprine", "tacrolimus")


# --- the study's Table 2 (Strasbourg, 14 patients) ---------------------------------------------


def months(m: int) -> int:
    return round(m * 365.25 / 12)


MMF, MTX, AZA = "mycophenolate", "methotrexate", "azathioprine"
# patient: (SLEDAI M0, M6, M12), (prednisone mg/day M0, M6, M12), stop month, stop reason,
# immunosuppressant -> (dose at D0, at M6, at M12). Doses of immunosuppressants are not in the
# paper: illustrative numbers reproducing its events (stop, decrease, addition).
TABLE_2 = {
    1: ((14, 12, None), (D(10), D(10), None), 8, "inefficacy", {MMF: (D(2000), D(2000), D(2000))}),
    2: ((4, 8, 4), (D(15), D("12.5"), D("12.5")), None, None, {MTX: (D(15), D(15), D(0))}),
    3: ((7, 2, 0), (D(25), D(10), D(6)), None, None, {MMF: (D(2000), D(2000), D(2000))}),
    4: ((4, 2, 0), (D(5), D(5), D(5)), None, None, {MMF: (D(2000), D(2000), D(1000))}),
    5: ((6, 0, None), (D(20), D(10), D(15)), None, None, {}),
    6: ((4, 2, 4), (D(20), D(10), D(5)), None, None, {MMF: (D(2000), D(2000), D(2000))}),
    7: ((8, 2, 4), (None, None, None), None, None, {}),
    8: ((12, 2, 2), (D(10), D(0), D(0)), None, None, {MTX: (D(15), D(15), D(10))}),
    9: ((6, 2, 6), (D(5), D(5), D(5)), None, None, {MTX: (D(15), D(15), D(15))}),
    10: ((8, 4, 4), (D("7.5"), D(7), D(5)), None, None, {}),
    11: ((5, 0, 0), (D(10), D(10), D(5)), None, None, {AZA: (None, D(100), D(100))}),
    12: ((6, 4, 4), (None, None, None), 13, "inefficacy", {}),
    13: ((19, None, None), (D(5), None, None), 3, "inefficacy", {}),
    14: ((2, None, None), (D(10), None, None), 4, "inefficacy", {}),
}
COLUMN = {"M6": 1, "M12": 2}


def table_2_course(patient: int, tp: str) -> PatientCourse:
    scores, steroids, stop_month, reason, drugs = TABLE_2[patient]
    i = COLUMN[tp]
    return PatientCourse(
        d0=D0,
        stop_date=None if stop_month is None else days(months(stop_month)),
        stop_reason=reason,
        sledai_m0=scores[0],
        sledai_t=scores[i],
        steroid_m0=steroids[0],
        steroid_t=steroids[i],
        immunosuppressants={drug: (doses[0], doses[i]) for drug, doses in drugs.items()},
    )


def table_2(tp: str) -> dict[int, Response]:
    return {p: response_at(tp, table_2_course(p, tp)) for p in TABLE_2}


STOPPED = ("stopped_before", "stopped_inefficacy")
EXPECTED_M6 = {
    1: ("no_improvement",),
    2: ("worsening",),
    3: ("drop_4", "steroid_decrease"),
    4: ("no_improvement",),
    5: ("score_zero", "drop_4", "steroid_decrease"),
    6: ("steroid_decrease",),
    7: ("drop_4",),
    8: ("drop_4", "steroid_decrease"),
    9: ("drop_4",),
    10: ("drop_4", "steroid_decrease"),
    11: ("score_zero", "drop_4"),
    12: ("no_improvement",),
    13: STOPPED,
    14: STOPPED,
}
EXPECTED_M12 = {
    1: STOPPED,
    2: ("steroid_decrease", "immunosuppressant_decrease"),
    3: ("score_zero", "drop_4", "steroid_decrease"),
    4: ("score_zero", "drop_4", "immunosuppressant_decrease"),
    5: ("no_score",),
    6: ("steroid_decrease",),
    7: ("drop_4",),
    8: ("drop_4", "steroid_decrease", "immunosuppressant_decrease"),
    9: ("no_improvement",),
    10: ("drop_4", "steroid_decrease"),
    11: ("score_zero", "drop_4", "steroid_decrease"),
    12: ("no_improvement",),
    13: STOPPED,
    14: STOPPED,
}


@pytest.mark.parametrize(
    ("tp", "patient", "reasons"),
    [("M6", p, r) for p, r in EXPECTED_M6.items()]
    + [("M12", p, r) for p, r in EXPECTED_M12.items()],
)
def test_table_2_per_patient(tp: str, patient: int, reasons: tuple[str, ...]) -> None:
    assert response_at(tp, table_2_course(patient, tp)).reasons == reasons


def test_table_2_m12() -> None:
    results = table_2("M12")
    assert sorted(p for p, r in results.items() if r.responder) == [2, 3, 4, 6, 7, 8, 10, 11]
    assert sorted(p for p, r in results.items() if r.failure) == [1, 13, 14]
    assert sum(r.on_treatment for r in results.values()) == 11  # 79 % still treated
    assert [p for p, r in results.items() if not r.evaluable] == [5]  # steroids fell, no score
    assert results[5].steroid_sparing is True and not results[5].responder
    # corticosteroid sparing among patients treated at M12: 7 (abstract)
    sparing = sorted(p for p, r in results.items() if r.on_treatment and r.steroid_sparing)
    assert sparing == [2, 3, 5, 6, 8, 10, 11]
    # activity at M12: 3 none, 6 mild, 1 moderate, 1 not recorded
    classes = Counter(
        activity_class(r.detail["sledai_t"]) for r in results.values() if r.on_treatment
    )
    assert classes == {"none": 3, "mild": 6, "moderate": 1, None: 1}
    assert results[1].detail["drop"] is None and results[12].detail["drop"] == 2


def test_table_2_m6() -> None:
    results = table_2("M6")
    treated = {p: r for p, r in results.items() if r.on_treatment}
    assert len(treated) == 12  # 86 %
    assert sorted(p for p, r in results.items() if r.failure) == [13, 14]
    assert sorted(p for p, r in results.items() if r.responder) == [3, 5, 6, 7, 8, 9, 10, 11]
    classes = Counter(activity_class(r.detail["sledai_t"]) for r in treated.values())
    assert classes == {"none": 2, "mild": 8, "moderate": 1, "high": 1}
    steroids = [
        r.detail["steroid_t"] for r in treated.values() if r.detail["steroid_t"] is not None
    ]
    assert sum(steroids) / len(steroids) == D("7.95")  # "moyenne = 7,9 mg/j"


# --- exclusion ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prior_trial", "indication", "interrupted", "expected"),
    [
        (False, "sle", False, ()),
        (True, "sle", False, ("prior_trial",)),
        (False, "sle", True, ("interruption",)),
        (False, "other", False, ("indication",)),
        (True, "lupus_nephritis", True, ("prior_trial", "interruption", "indication")),
    ],
)
def test_exclusion_reasons(prior_trial, indication, interrupted, expected) -> None:
    assert exclusion_reasons(prior_trial, indication, interrupted) == expected


# --- SRI-4 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "met", "without_bilag"),
    [
        ({"sledai_m0": 10, "sledai": 6, "pga_m0": 1.0, "pga": 1.2}, True, True),
        ({"sledai_m0": 10, "sledai": 7, "pga_m0": 1.0, "pga": 0.5}, False, True),
        ({"sledai_m0": 10, "sledai": 2, "pga_m0": 1.0, "pga": 1.3}, False, True),  # PGA +0.3
        ({"sledai_m0": 10, "sledai": 2, "pga_m0": D("1.0"), "pga": D("1.29")}, True, True),
        ({"sledai_m0": 10, "sledai": 2, "pga_m0": 0.1, "pga": 0.4}, False, True),  # float-safe
        ({"sledai_m0": None, "sledai": 2, "pga_m0": 1.0, "pga": 1.0}, None, True),
        ({"sledai_m0": 10, "sledai": 2, "pga_m0": None, "pga": 1.0}, None, True),
        ({"sledai_m0": 10, "sledai": 8, "pga_m0": None, "pga": 1.0}, False, True),
        (
            {
                "sledai_m0": 10,
                "sledai": 2,
                "pga_m0": 1,
                "pga": 1,
                "bilag_new_a": 0,
                "bilag_new_b": 1,
            },
            True,
            False,
        ),
        (
            {
                "sledai_m0": 10,
                "sledai": 2,
                "pga_m0": 1,
                "pga": 1,
                "bilag_new_a": 1,
                "bilag_new_b": 0,
            },
            False,
            False,
        ),
        (
            {
                "sledai_m0": 10,
                "sledai": 2,
                "pga_m0": 1,
                "pga": 1,
                "bilag_new_a": 0,
                "bilag_new_b": 2,
            },
            False,
            False,
        ),
    ],
)
def test_sri4(kwargs, met: bool | None, without_bilag: bool) -> None:
    result = sri4(**kwargs)
    assert result.met is met
    assert result.without_bilag is without_bilag


def test_sri4_half_bilag() -> None:
    with pytest.raises(ValueError):
        sri4(sledai_m0=10, sledai=2, pga_m0=1, pga=1, bilag_new_a=0)


# --- LLDAS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # met: SLEDAI 4 from serology and rash present before
        (
            {
                "score": 4,
                "descriptors": ["low_complement", "rash"],
                "previous_descriptors": ["rash", "low_complement", "arthritis"],
                "pga": 1.0,
                "prednisone": D("7.5"),
            },
            True,
        ),
        (
            {
                "score": 6,
                "descriptors": ["arthritis", "rash"],
                "previous_descriptors": ["arthritis", "rash"],
                "pga": 0.5,
                "prednisone": D(5),
            },
            False,
        ),  # SLEDAI > 4
        (
            {
                "score": 4,
                "descriptors": ["proteinuria"],
                "previous_descriptors": ["proteinuria"],
                "pga": 0.5,
                "prednisone": D(5),
            },
            False,
        ),  # renal activity
        (
            {
                "score": 3,
                "descriptors": ["pleurisy", "fever"],
                "previous_descriptors": ["pleurisy", "fever"],
                "pga": 0.5,
                "prednisone": D(5),
            },
            False,
        ),  # serositis and fever
        (
            {
                "score": 2,
                "descriptors": ["alopecia"],
                "previous_descriptors": ["rash"],
                "pga": 0.5,
                "prednisone": D(5),
            },
            False,
        ),  # new activity
        (
            {
                "score": 2,
                "descriptors": ["rash"],
                "previous_descriptors": ["rash"],
                "pga": 1.1,
                "prednisone": D(5),
            },
            False,
        ),  # PGA > 1
        (
            {
                "score": 2,
                "descriptors": ["rash"],
                "previous_descriptors": ["rash"],
                "pga": 1.0,
                "prednisone": D("7.6"),
            },
            False,
        ),  # prednisone > 7.5
        (
            {
                "score": 2,
                "descriptors": ["rash"],
                "previous_descriptors": ["rash"],
                "pga": 0.5,
                "prednisone": None,
            },
            True,
        ),  # no corticosteroid
        (
            {
                "score": 0,
                "descriptors": None,
                "previous_descriptors": None,
                "pga": 0.0,
                "prednisone": D(5),
            },
            True,
        ),  # total 0: no descriptor, nothing new
        (
            {
                "score": 2,
                "descriptors": ["rash"],
                "previous_descriptors": None,
                "pga": 0.5,
                "prednisone": D(5),
            },
            None,
        ),  # no previous visit
        (
            {
                "score": 4,
                "descriptors": None,
                "previous_descriptors": None,
                "pga": 0.5,
                "prednisone": D(5),
            },
            None,
        ),  # total only
        (
            {
                "score": 4,
                "descriptors": None,
                "previous_descriptors": None,
                "pga": 2.0,
                "prednisone": D(5),
            },
            False,
        ),  # total only but PGA fails
        (
            {
                "score": 2,
                "descriptors": ["rash"],
                "previous_descriptors": ["rash"],
                "pga": None,
                "prednisone": D(5),
            },
            None,
        ),
    ],
)
def test_lldas(kwargs, expected: bool | None) -> None:
    assert lldas(**kwargs) is expected


# --- DORIS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {
                "score": 4,
                "descriptors": ["low_complement", "increased_dna_binding"],
                "pga": 0.4,
                "prednisone": D(5),
            },
            True,
        ),
        ({"score": 0, "descriptors": [], "pga": 0.0, "prednisone": None}, True),
        ({"score": 0, "descriptors": None, "pga": 0.2, "prednisone": D(5)}, True),
        ({"score": 2, "descriptors": ["rash"], "pga": 0.2, "prednisone": D(5)}, False),
        ({"score": 1, "descriptors": ["leukopenia"], "pga": 0.2, "prednisone": D(5)}, False),
        ({"score": 0, "descriptors": [], "pga": 0.5, "prednisone": D(5)}, False),  # PGA < 0.5
        ({"score": 0, "descriptors": [], "pga": 0.4, "prednisone": D("5.5")}, False),
        ({"score": 4, "descriptors": None, "pga": 0.2, "prednisone": D(5)}, None),  # serology?
        ({"score": 5, "descriptors": None, "pga": 0.2, "prednisone": D(5)}, False),  # clinical > 0
        ({"score": None, "descriptors": None, "pga": 0.2, "prednisone": D(5)}, None),
        ({"score": 0, "descriptors": [], "pga": None, "prednisone": D(5)}, None),
    ],
)
def test_doris(kwargs, expected: bool | None) -> None:
    assert doris(**kwargs) is expected


# --- NICE continuation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "reviewed", "expected"),
    [
        (days(167), False, False),
        (days(168), False, True),  # 24 weeks
        (days(400), False, True),
        (days(200), True, False),
    ],
)
def test_continuation_review_due(today: date, reviewed: bool, expected: bool) -> None:
    assert continuation_review_due(D0, today, reviewed=reviewed) is expected


def test_continuation_review_custom_days() -> None:
    assert continuation_review_due(D0, days(84), review_days=84) is True


@pytest.mark.parametrize(
    ("m0", "now", "expected"),
    [(8, 4, True), (8, 5, False), (8, 10, False), (4, 0, True), (None, 2, None), (8, None, None)],
)
def test_continuation_met(m0: int | None, now: int | None, expected: bool | None) -> None:
    assert continuation_met(m0, now) is expected
