"""The planning page: vials per day from courses of known weights against lots by hand, the
short day, the order with the margin, who counts, the page in French, its query count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from belimumab.pharmacy.planning import planning
from belimumab.stock import services as stock
from tests.department.helpers import settings_changed

pytestmark = pytest.mark.django_db
PLANNING = reverse("pharmacy:planning")


@pytest.fixture
def horizon():
    """7 days ahead, a 14-day safety margin (the defaults, stated)."""
    with settings_changed(WORKLIST_DAYS_AHEAD=7, ORDER_SAFETY_MARGIN_DAYS=14):
        yield


def _iv(make_patient, make_infusion, code, start, given, weight):
    patient = make_patient(code=code, start=start)
    for day in given:
        make_infusion(patient, day, weight=weight)
    return patient


@pytest.fixture
def cohort(make_patient, make_infusion, today):
    """Seven courses whose vials are counted by hand (5 % rounding tolerance, 120/400 mg vials):
    A 70 kg, D14 due today: 700 mg = 6 x 120; D28 on day 14 (margin).
    B 82.5 kg, D14 due on day 2: 825 mg rounded to 2 x 400; D28 on day 16 (margin).
    C 50 kg, D14 16 days late: today, 500 mg rounded to 4 x 120; D28 on day 14 (margin).
    D 20 weeks without an infusion: to review, not counted.
    E first infusion on day 3, never weighed: the median last weight of the IV courses read (A,
      B, C, G: 70 kg), 6 x 120; D14 on day 17 (margin).
    F SC, 4 pens 28 days ago: 4 pens due today; next on day 28 (beyond the margin).
    G 70 kg, C4 due on day 8 (margin): 6 x 120.
    """
    day = lambda n: today + timedelta(days=n)  # noqa: E731
    _iv(make_patient, make_infusion, "A", day(-14), [day(-14)], "70.0")
    _iv(make_patient, make_infusion, "B", day(-12), [day(-12)], "82.5")
    _iv(make_patient, make_infusion, "C", day(-30), [day(-30)], "50.0")
    _iv(make_patient, make_infusion, "D", day(-140), [day(-140)], "65.0")
    make_patient(code="E", start=day(3))
    pen = make_patient(code="F", start=day(-28), regimen="sc_standard")
    make_infusion(
        pen,
        day(-28),
        prescribed_dose_mg=Decimal(200),
        prepared_dose_mg=Decimal(200),
        premedication=False,
        pens=4,
    )
    _iv(make_patient, make_infusion, "G", day(-48), [day(-48), day(-34), day(-20)], "70.0")


def _receive(user, presentation, number, expiry, vials, today):
    stock.lot_receive(
        presentation=presentation,
        number=number,
        expiry=expiry,
        vials=vials,
        on_date=today,
        user=user,
    )


@pytest.fixture
def lots(users, today):
    """120 mg: 12 vials expiring tomorrow, 8 in 300 days; no 400 mg vial; 4 pens."""
    pharmacist = users["pharmacist"]
    _receive(pharmacist, "iv120", "SHORT", today + timedelta(days=1), 12, today)
    _receive(pharmacist, "iv120", "LONG", today + timedelta(days=300), 8, today)
    _receive(pharmacist, "sc200", "PEN", today + timedelta(days=100), 4, today)


def _plans(result):
    return {p.code: p.plan for p in result.presentations}


def test_needs_per_day_against_the_lots_by_hand(horizon, cohort, lots, today):
    result = planning(today=today)
    plans = _plans(result)
    iv120, iv400, pens = plans["iv120"], plans["iv400"], plans["sc200"]
    # horizon: today A 6 + C 4; day 3 E 6 (at 70 kg: the median of 70, 82.5, 50 and 70; D, to
    # review, is not read)
    assert [line.needed for line in iv120.horizon] == [10, 0, 0, 6, 0, 0, 0, 0]
    assert [line.needed for line in iv400.horizon] == [0, 0, 2, 0, 0, 0, 0, 0]
    assert [line.needed for line in pens.horizon] == [4, 0, 0, 0, 0, 0, 0, 0]
    assert (iv120.needed, iv400.needed, pens.needed) == (16, 2, 4)
    assert [line.cumulated for line in iv120.horizon] == [10, 10, 10, 16, 16, 16, 16, 16]
    # 20 usable today; 10 drawn from the lot expiring tomorrow: its 2 left count tomorrow only
    assert [line.left for line in iv120.horizon] == [10, 10, 8, 2, 2, 2, 2, 2]
    assert iv120.first_short is None
    # margin: G 6 (day 8), A 6 and C 4 (day 14), E 6 (day 17); B 2 x 400 (day 16)
    assert iv120.margin_needed == 22 and iv400.margin_needed == 2
    assert iv120.first_short_in_margin == today + timedelta(days=8)
    assert iv120.to_order == 22 - 2
    # no 400 mg vial at all: short on day 2, order the horizon's 2 and the margin's 2
    assert iv400.first_short == today + timedelta(days=2) and iv400.to_order == 4
    # the pens cover the horizon and the margin: nothing to order
    assert pens.to_order == 0
    assert result.first_short == today + timedelta(days=2)
    assert result.counted == {"due": 3, "overdue": 1, "first_infusion": 1, "margin": 1}
    assert result.to_review == 1
    assert (result.estimated, result.estimated_weight) == (1, Decimal("70.0"))
    assert [p.code for p in result.orders] == ["iv120", "iv400"]


def test_the_page_in_french(horizon, cohort, lots, client_for, today):
    response = client_for("pharmacist").get(PLANNING)
    assert response.status_code == 200
    html = response.content.decode()
    short = (today + timedelta(days=2)).strftime("%d/%m/%Y")
    assert f"Le stock est insuffisant le {short}." in html
    assert f'data-first-short="{(today + timedelta(days=2)):%Y-%m-%d}"' in html
    assert 'data-order="iv120" data-vials="20"' in html
    assert 'data-order="iv400" data-vials="4"' in html
    assert "Flacon de 120 mg (IV) : commander 20" in html
    assert "70,0 kg" in html  # the median weight, decimal comma
    assert today.strftime("%d/%m/%Y") in html
    assert html.count("data-short>") == 1  # the first short day of the 400 mg vials only
    assert 'data-margin-short="' in html  # the 120 mg vials run short within the margin


def test_nothing_to_order_when_the_stock_covers(horizon, cohort, lots, users, today):
    pharmacist = users["pharmacist"]
    _receive(pharmacist, "iv120", "MORE", today + timedelta(days=300), 20, today)
    _receive(pharmacist, "iv400", "BIG", today + timedelta(days=300), 4, today)
    result = planning(today=today)
    assert result.orders == [] and result.first_short is None
    assert all(line.left >= 0 for p in result.presentations for line in p.plan.margin)


def test_no_stock_and_nobody_due(horizon, client_for, today):
    result = planning(today=today)
    assert result.shown == [] and result.orders == []
    html = client_for("pharmacist").get(PLANNING).content.decode()
    assert 'data-orders="none"' in html


def test_a_stop_recorded_for_a_later_day_ends_the_courses_cycles(
    horizon, make_patient, make_infusion, today
):
    patient = _iv(
        make_patient,
        make_infusion,
        "S",
        today - timedelta(days=14),
        [today - timedelta(days=14)],
        "70.0",
    )
    course = patient.courses.get()
    course.stop_date, course.stop_reason = today + timedelta(days=5), "patient_choice"
    course.save()
    plan = _plans(planning(today=today))["iv120"]
    assert plan.needed == 6 and plan.margin_needed == 0  # D14 today, no D28


def test_the_worklist_and_the_stock_page_link_to_it(horizon, client_for):
    client = client_for("pharmacist")
    assert PLANNING in client.get(reverse("pharmacy:worklist")).content.decode()
    assert PLANNING in client.get(reverse("stock:stock")).content.decode()
    # a clinician reads the worklist but not the stock: no link
    assert (
        PLANNING not in client_for("clinician").get(reverse("pharmacy:worklist")).content.decode()
    )


def _cohort(make_patient, make_infusion, today, n):
    for i in range(n):
        _iv(
            make_patient,
            make_infusion,
            f"DUE{i:03d}",
            today - timedelta(days=14),
            [today - timedelta(days=14)],
            "70.0",
        )
        _iv(
            make_patient,
            make_infusion,
            f"LATE{i:03d}",
            today - timedelta(days=40),
            [today - timedelta(days=40)],
            "55.0",
        )
        _iv(
            make_patient,
            make_infusion,
            f"REV{i:03d}",
            today - timedelta(days=120),
            [today - timedelta(days=120)],
            "80.0",
        )
        make_patient(code=f"NEW{i:03d}", start=today + timedelta(days=2))


@pytest.mark.parametrize("n", [1, 30])
def test_query_count_is_constant(
    horizon, make_patient, make_infusion, lots, client_for, today, n, django_assert_num_queries
):
    _cohort(make_patient, make_infusion, today, n)  # 4 and 120 patients
    client = client_for("pharmacist")
    # session, user, user permissions, group permissions; the department's settings once; the
    # snapshots of the courses that count (one values_list, not paged); the courses to review
    # (a count); the usable lots with their sums; the session saved (savepoint, update, release)
    with django_assert_num_queries(11):
        response = client.get(PLANNING)
    assert response.context["planning"].counted == {
        "due": n,
        "overdue": n,
        "first_infusion": n,
        "margin": 0,
    }


def test_every_due_course_counts_not_only_the_worklist_page(
    horizon, make_patient, make_infusion, today
):
    for code in ("P1", "P2", "P3"):
        _iv(
            make_patient,
            make_infusion,
            code,
            today - timedelta(days=14),
            [today - timedelta(days=14)],
            "70.0",
        )
    with settings_changed(WORKLIST_PAGE_SIZE=1):
        result = planning(today=today)
    assert result.counted["due"] == 3
    assert _plans(result)["iv120"].horizon[0].needed == 3 * 6


def test_the_page_reads_only(client_for):
    assert client_for("pharmacist").post(PLANNING).status_code == 405


def test_a_first_infusion_with_no_weight_known_anywhere_is_not_planned(
    horizon, make_patient, client_for, today
):
    make_patient(code="NEW", start=today + timedelta(days=1))
    result = planning(today=today)
    assert (result.not_planned, result.estimated, result.counted["first_infusion"]) == (1, 0, 0)
    html = client_for("pharmacist").get(PLANNING).content.decode()
    assert "1 traitement n'a pas pu être planifié" in html
