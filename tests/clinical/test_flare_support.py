"""belimumab.domain.flare_support: flare-index inputs read from descriptors and dose changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from belimumab.domain.flare_support import drugs_added, new_manifestations


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ([], ["rash", "pleurisy"], {"rash", "serositis"}),
        (["rash"], ["rash"], set()),
        (["haematuria"], ["proteinuria"], set()),  # nephritis both times: not new
        (["pericarditis"], ["pleurisy", "seizure"], {"cns"}),
        (["arthritis"], [], set()),
        (None, ["rash"], set()),  # previous visit without descriptors: cannot tell
        (["rash"], None, set()),
        ([], ["low_complement", "alopecia", "thrombocytopenia"], set()),  # not flare items
        (
            [],
            ["vasculitis", "myositis", "fever", "mucosal_ulcers"],
            {"vasculitis", "myositis", "fever", "ulcers"},
        ),
    ],
)
def test_new_manifestations(previous, current, expected):
    assert new_manifestations(previous, current) == expected


def test_unknown_descriptor_is_an_error():
    with pytest.raises(ValueError):
        new_manifestations([], ["sneezing"])


def test_drugs_added_between_two_visits():
    changes = [
        ("azathioprine", date(2026, 3, 1), Decimal("100")),
        ("hydroxychloroquine", date(2025, 1, 1), Decimal("400")),  # before: not added
        ("methotrexate", date(2026, 2, 1), Decimal("15")),
        ("methotrexate", date(2026, 1, 1), Decimal("0")),  # order does not matter
        ("cyclophosphamide", date(2026, 1, 10), Decimal("0")),  # a stop is not an addition
        ("prednisone", date(2026, 2, 1), Decimal("40")),  # not a flare-index drug
        ("azathioprine", date(2026, 6, 1), Decimal("150")),  # after the visit
    ]
    assert drugs_added(changes, date(2026, 1, 5), date(2026, 3, 1)) == {
        "azathioprine",
        "methotrexate",
    }
    assert drugs_added(changes, date(2026, 3, 1), date(2026, 7, 1)) == set()


def test_restarted_drug_counts_as_added():
    changes = [
        ("hydroxychloroquine", date(2025, 1, 1), Decimal("400")),
        ("hydroxychloroquine", date(2025, 6, 1), Decimal("0")),
        ("hydroxychloroquine", date(2026, 2, 1), Decimal("200")),
    ]
    assert drugs_added(changes, date(2026, 1, 1), date(2026, 3, 1)) == {"hydroxychloroquine"}
