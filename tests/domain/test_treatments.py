"""Treatments: categories, prednisone equivalents, dose in force, change kinds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from belimumab.domain.treatments import (
    ALL_DRUGS,
    CORTICOSTEROIDS,
    IMMUNOSUPPRESSANTS,
    OTHER_DRUGS,
    change_kind,
    dose_in_force,
    drug_category,
    prednisone_equivalent,
    steroid_dose_in_force,
)

D = Decimal


def test_drug_lists() -> None:
    assert CORTICOSTEROIDS == ("prednisone", "prednisolone", "methylprednisolone", "hydrocortisone")
    assert set(IMMUNOSUPPRESSANTS) == {
        "mycophenolate",
        "methotrexate",
        "azathioprine",
        "cyclophosphamide",
        "tacrolimus",
        "ciclosporin",
        "leflunomide",
    }
    assert set(OTHER_DRUGS) == {
        "hydroxychloroquine",
        "chloroquine",
        "dapsone",
        "thalidomide",
        "other",
    }
    assert ALL_DRUGS == CORTICOSTEROIDS + IMMUNOSUPPRESSANTS + OTHER_DRUGS
    assert len(set(ALL_DRUGS)) == len(ALL_DRUGS) == 16


@pytest.mark.parametrize(
    ("drug", "category"),
    [(d, "corticosteroid") for d in CORTICOSTEROIDS]
    + [(d, "immunosuppressant") for d in IMMUNOSUPPRESSANTS]
    + [(d, "other") for d in OTHER_DRUGS],
)
def test_drug_category(drug: str, category: str) -> None:
    assert drug_category(drug) == category


@pytest.mark.parametrize("drug", ["rituximab", "Prednisone", ""])
def test_drug_category_unknown(drug: str) -> None:
    with pytest.raises(ValueError):
        drug_category(drug)


@pytest.mark.parametrize(
    ("drug", "dose", "expected"),
    [
        ("methylprednisolone", D(16), D(20)),
        ("methylprednisolone", D(4), D(5)),
        ("methylprednisolone", D(1000), D(1250)),  # bolus
        ("hydrocortisone", D(20), D(5)),
        ("hydrocortisone", D(30), D("7.5")),
        ("prednisolone", D(10), D(10)),
        ("prednisone", D("7.5"), D("7.5")),
        ("prednisone", D(0), D(0)),
    ],
)
def test_prednisone_equivalent(drug: str, dose: Decimal, expected: Decimal) -> None:
    result = prednisone_equivalent(drug, dose)
    assert result == expected
    assert isinstance(result, Decimal)


@pytest.mark.parametrize(
    ("drug", "dose"),
    [
        ("methotrexate", D(15)),
        ("hydroxychloroquine", D(400)),
        ("unknown", D(1)),
        ("prednisone", D(-5)),
        ("prednisone", D("NaN")),
        ("prednisone", 5.0),
    ],
)
def test_prednisone_equivalent_invalid(drug: str, dose) -> None:
    with pytest.raises(ValueError):
        prednisone_equivalent(drug, dose)


CHANGES = [(date(2020, 1, 10), D(20)), (date(2020, 3, 1), D(10)), (date(2020, 6, 1), D(0))]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2020, 1, 9), None),  # before the first change: never on it
        (date(2020, 1, 10), D(20)),  # on the day of the change
        (date(2020, 2, 29), D(20)),
        (date(2020, 3, 1), D(10)),
        (date(2020, 5, 31), D(10)),
        (date(2020, 6, 1), D(0)),  # stopped: 0, not None
        (date(2021, 1, 1), D(0)),
    ],
)
def test_dose_in_force(on: date, expected: Decimal | None) -> None:
    assert dose_in_force(CHANGES, on) == expected
    assert dose_in_force(list(reversed(CHANGES)), on) == expected  # order does not matter


def test_dose_in_force_edge_cases() -> None:
    assert dose_in_force([], date(2020, 1, 1)) is None
    same_day = [(date(2020, 1, 1), D(10)), (date(2020, 1, 1), D(15))]
    assert dose_in_force(same_day, date(2020, 1, 1)) == D(15)  # later entry wins
    restarted = [*CHANGES, (date(2020, 9, 1), D(5))]
    assert dose_in_force(restarted, date(2020, 9, 1)) == D(5)


STEROIDS = [
    ("prednisone", date(2020, 1, 1), D(20)),
    ("hydroxychloroquine", date(2020, 1, 1), D(400)),  # ignored
    ("methotrexate", date(2020, 1, 1), D(15)),  # ignored
    ("methylprednisolone", date(2020, 2, 1), D(8)),  # + 10 mg prednisone
    ("prednisone", date(2020, 3, 1), D(0)),
    ("methylprednisolone", date(2020, 4, 1), D(0)),
    ("hydrocortisone", date(2020, 5, 1), D(20)),  # 5 mg prednisone
]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2019, 12, 31), None),  # no corticosteroid yet
        (date(2020, 1, 1), D(20)),
        (date(2020, 2, 1), D(30)),
        (date(2020, 3, 1), D(10)),
        (date(2020, 4, 1), D(0)),  # every corticosteroid stopped: 0
        (date(2020, 5, 1), D(5)),
    ],
)
def test_steroid_dose_in_force(on: date, expected: Decimal | None) -> None:
    assert steroid_dose_in_force(STEROIDS, on) == expected


def test_steroid_dose_never_any_corticosteroid() -> None:
    only_others = [("hydroxychloroquine", date(2020, 1, 1), D(400))]
    assert steroid_dose_in_force(only_others, date(2021, 1, 1)) is None
    assert steroid_dose_in_force([], date(2021, 1, 1)) is None


@pytest.mark.parametrize(
    ("previous", "new", "kind"),
    [
        (None, D(10), "started"),
        (D(0), D(10), "started"),
        (D(10), D(15), "increased"),
        (D(10), D(5), "decreased"),
        (D(10), D(0), "stopped"),
        (D(10), D(10), "unchanged"),
        (D("10.0"), D(10), "unchanged"),
        (None, D(0), "unchanged"),
        (D(0), D(0), "unchanged"),
    ],
)
def test_change_kind(previous: Decimal | None, new: Decimal, kind: str) -> None:
    assert change_kind(previous, new) == kind


def test_change_kind_negative() -> None:
    with pytest.raises(ValueError):
        change_kind(D(5), D(-1))
