"""The department's settings: seeded from settings.BELIMUMAB, edited by administrators,
audited, read once per request, and used by the worklist, the dose plan, the infusion cost and
the dashboard (DOMAIN.md "Settings that belong to the department")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from belimumab.accounts.audit_log import audit_rows
from belimumab.department import selectors, services
from belimumab.department.models import Department, LabTestSetting, VialPrice
from belimumab.domain import defaults
from belimumab.pharmacy.doses import infusion_cost
from belimumab.reports.dataset import Params, prices_on_dates
from belimumab.reports.report import build_report
from belimumab.reports.selectors import report_params
from tests.department.helpers import department_set, lab_set, price_add
from tests.reports.builders import D0, Cohort

pytestmark = pytest.mark.django_db
SETTINGS = reverse("department:settings")
MARCH = date(2026, 3, 1)


def _general(**changes):
    """The general form's fields as saved, with `changes` over them."""
    department = Department.objects.get()
    data = {
        name: getattr(department, name)
        for name in (
            "currency",
            "rounding_tolerance_pct",
            "band_mild",
            "band_moderate",
            "band_high",
            "band_very_high",
            "baseline_days_before",
            "baseline_days_after",
            "window_days_before",
            "window_days_after",
            "worklist_days_ahead",
            "worklist_page_size",
            "stock_expiry_horizon_days",
            "order_safety_margin_days",
            "gtins_iv120",
            "gtins_iv400",
            "gtins_sc200",
            "sheet_header",
        )
    }
    return {**data, "version": department.version, **changes}


# --- seeded at installation ------------------------------------------------------------------


def test_installation_seeds_the_settings_from_settings_belimumab():
    department = Department.objects.get()
    assert department.currency == "EUR"  # the default of a French hospital
    assert department.rounding_tolerance_pct == Decimal("5.0")
    assert department.activity_bands == defaults.ACTIVITY_BANDS
    assert (department.baseline_days_before, department.baseline_days_after) == (30, 7)
    assert (department.window_days_before, department.window_days_after) == (45, 45)
    assert (department.worklist_days_ahead, department.worklist_page_size) == (7, 25)
    assert department.sheet_header == defaults.SHEET_HEADER == "Hospital pharmacy"
    prices = VialPrice.objects.values_list("vial_mg", "price", "effective_from")
    assert sorted(prices) == [
        (120, Decimal("121.50"), date(2000, 1, 1)),
        (400, Decimal("405.00"), date(2000, 1, 1)),
    ]
    c3 = LabTestSetting.objects.get(test="c3")
    assert (c3.unit, c3.loinc, c3.lower, c3.upper) == (
        "g/L",
        "4485-9",
        Decimal("0.79"),
        Decimal("1.53"),
    )
    assert (c3.plausible_min, c3.plausible_max) == (Decimal("0"), Decimal("5"))
    assert LabTestSetting.objects.count() == 8


def test_a_second_seed_never_overwrites_what_the_screens_saved():
    from belimumab.department import services

    department_set(currency="CHF")
    assert services.department_seed() is False
    assert Department.objects.get().currency == "CHF"


def test_without_any_row_the_reader_falls_back_on_the_seed_without_writing():
    from belimumab.department.models import SettingsSnapshot

    SettingsSnapshot.objects.all().delete()
    selectors.forget()
    assert selectors.current().currency == "EUR"
    assert not SettingsSnapshot.objects.exists()


# --- the price in force on a date ------------------------------------------------------------


def test_an_infusion_is_costed_at_the_price_in_force_on_its_date(make_patient, make_infusion):
    price_add(120, "130.00", MARCH)
    patient = make_patient(start=date(2026, 1, 5))
    before = make_infusion(patient, MARCH - timedelta(days=1), vials_120=6)  # 700 mg
    on_the_day = make_infusion(patient, MARCH, vials_120=6)
    mixed = make_infusion(patient, MARCH + timedelta(days=28), vials_120=3, vials_400=1)
    assert infusion_cost(before).cost == Decimal("729.00")  # 6 x 121.50
    assert infusion_cost(on_the_day).cost == Decimal("780.00")  # 6 x 130.00
    assert infusion_cost(mixed).cost == Decimal("795.00")  # 3 x 130 + 405
    # an infusion before the first price of a vial: that first price
    old = make_infusion(patient, date(1999, 6, 1), vials_120=1)
    assert infusion_cost(old).cost == Decimal("121.50")


def test_the_report_costs_each_infusion_at_the_price_of_its_date():
    """The cohort of test_dataset's cost test, with the 120 mg vial at 130 from D14."""
    history = {
        120: ((date(2000, 1, 1), 121.5), (D0 + timedelta(days=14), 130.0)),
        400: ((date(2000, 1, 1), 405.0),),
    }
    params = Params(price_history=history)
    ds = (
        Cohort()
        .patient(1, infusions=())
        .infusion(1, 0)  # 400 + 3 x 120 at the old price: 405 + 364.50 = 769.50
        .infusion(1, 14, prepared=640, vials_120=2, vials_400=1)  # 2 x 130 + 405 = 665
        .infusion(1, 28, vials_120=0, vials_400=0)  # estimated 6 x 120 at 130 = 780
        .build(params)
    )
    cost = build_report(ds, params)["drug_cost"]
    assert cost["total"] == 769.5 + 665 + 780
    # the covering plan of 700 mg at D14 is 6 x 130 = 780: 115 avoided by rounding
    assert cost["cost_avoided"] == 115


def test_prices_on_dates_is_one_lookup_per_column():
    params = Params(price_history={120: ((date(2000, 1, 1), 121.5), (MARCH, 130.0))})
    dates = pd.Series(pd.to_datetime(["2026-02-28", "2026-03-01", "1999-01-01", "2027-01-01"]))
    assert prices_on_dates(params, 120, dates).tolist() == [121.5, 130.0, 121.5, 130.0]
    assert prices_on_dates(params, 400, dates).tolist() == [405.0] * 4  # no history: vial_prices


def test_report_params_carry_the_price_history_and_the_settings():
    price_add(400, "390.00", MARCH)
    department_set(currency="CHF", band_mild=1, band_moderate=5, band_high=11, band_very_high=20)
    params = report_params()
    assert params.price_history[400] == (
        (date(2000, 1, 1), Decimal("405.00")),
        (MARCH, Decimal("390.00")),
    )
    assert params.currency == "CHF"
    assert params.activity_bands[:3] == ((0, "none"), (1, "mild"), (5, "moderate"))


# --- every reader sees a change at once ------------------------------------------------------


def test_the_worklist_reads_days_ahead_and_page_size(client_for, make_patient, make_infusion):
    today = timezone.localdate()
    for n in range(3):
        patient = make_patient(code=f"SOON{n}", start=today - timedelta(days=5))
        make_infusion(patient, today - timedelta(days=5))  # D14 due in 9 days
    client = client_for("pharmacist")
    url = reverse("pharmacy:worklist")
    assert "SOON0" not in client.get(url).content.decode()  # 9 days > 7 ahead
    department_set(worklist_days_ahead=10, worklist_page_size=2)
    page = client.get(url).content.decode()
    assert "SOON0" in page and "SOON1" in page and "SOON2" not in page  # 2 rows a page


def test_the_dose_plan_reads_the_rounding_tolerance_and_the_price(client_for, make_patient):
    patient = make_patient(code="DOSE", start=timezone.localdate())
    client = client_for("pharmacist")

    def plan(**params):
        response = client.get(reverse("pharmacy:dose_plan"), {"patient": patient.pk, **params})
        return response.json()["html"]

    # 700 mg: 640 mg (400 + 2 x 120) is 8.6 % under: not within 5 %, within 10 %
    assert 'data-plan="rounded"' not in plan(weight="70")
    department_set(rounding_tolerance_pct="10")
    html = plan(weight="70")
    assert 'data-plan="rounded"' in html and "81,00 EUR" in html  # 6 x 121.50 - 648
    price_add(400, "300.00", timezone.localdate() - timedelta(days=1))
    department_set(currency="CHF")
    assert "186,00 CHF" in plan(weight="70")  # 6 x 121.50 - (300 + 2 x 121.50)


def test_the_dose_plan_costs_at_the_prices_of_the_infusion_date(client_for, make_patient):
    patient = make_patient(code="DATED", start=date(2026, 1, 5))
    department_set(rounding_tolerance_pct="10")
    price_add(400, "300.00", MARCH)
    client = client_for("pharmacist")

    def saving_on(day: str) -> str:
        params = {"patient": patient.pk, "weight": "70", "date": day}
        return client.get(reverse("pharmacy:dose_plan"), params).json()["html"]

    assert "81,00 EUR" in saving_on("28/02/2026")  # 729 - (405 + 243)
    assert "186,00 EUR" in saving_on("01/03/2026")  # 729 - (300 + 243)


def test_the_dashboard_reads_the_currency(client_for):
    client = client_for("department_head")
    department_set(currency="CHF")
    assert "CHF" in client.get(reverse("reports:dashboard")).content.decode()


def test_the_clinical_pages_read_the_activity_bands():
    from belimumab.clinical.selectors import activity_class

    assert activity_class(5) == "mild"
    department_set(band_mild=1, band_moderate=5, band_high=11, band_very_high=20)
    assert activity_class(5) == "moderate"


def test_the_timeline_reads_the_time_point_windows(make_patient):
    from belimumab.clinical.models import Visit
    from belimumab.clinical.selectors import clinical_summary, patient_records

    d0 = date(2025, 1, 6)
    patient = make_patient(code="WIN", start=d0)
    Visit.objects.create(patient=patient, date=d0 + timedelta(days=182 + 50), sledai=2)

    def m6_visit():
        summary = clinical_summary(records=patient_records(patient=patient), today=date(2026, 6, 1))
        return next(row for row in summary.timepoints if row.tp == "M6").visit

    assert m6_visit() is None  # 50 days after M6: outside +/- 45
    department_set(window_days_after=60)
    assert m6_visit() is not None


def test_lab_specs_read_the_unit_and_range_and_plausible_ranges_are_exposed():
    from belimumab.clinical.labs import lab_specs

    lab_set(
        "c3", unit="mg/dL", lower=Decimal("90"), upper=Decimal("180"), plausible_max=Decimal("500")
    )
    c3 = lab_specs()["c3"]
    assert (c3.unit, c3.lower, c3.upper) == ("mg/dL", Decimal("90"), Decimal("180"))
    assert c3.to_default_unit(Decimal("1.2"), "g/L") == Decimal("120")  # factors re-based
    assert c3.to_default_unit(Decimal("95"), "mg/dL") == Decimal("95")
    assert selectors.plausible_ranges()["c3"] == (Decimal("0"), Decimal("500"))
    assert selectors.plausible_ranges()["platelets"] == (Decimal("0"), Decimal("2000"))


# --- read once per request --------------------------------------------------------------------


def test_the_settings_are_read_once_then_kept_until_a_change():
    with CaptureQueriesContext(connection) as queries:
        selectors.current()
        selectors.belimumab()
        selectors.prices_on(MARCH)
    assert len(queries) == 1
    price_add(120, "130.00", MARCH)  # the service forgets what was read
    assert selectors.prices_on(MARCH)[120] == Decimal("130.00")


# --- validation: nothing changed, the reason beside the field --------------------------------


def test_two_prices_of_a_vial_from_the_same_date_are_refused(client_for):
    price_add(120, "130.00", MARCH)
    response = client_for("administrator").post(
        reverse("department:price_add"),
        {"vial_mg": 120, "price": "140,00", "effective_from": "2026-03-01"},
    )
    assert response.status_code == 200
    assert "effective_from" in response.context["form"].errors
    assert VialPrice.objects.filter(vial_mg=120).count() == 2  # seed + 130


@pytest.mark.parametrize("price", ["-1", "0", "abc"])
def test_a_negative_or_zero_price_is_refused(client_for, price):
    response = client_for("administrator").post(
        reverse("department:price_add"),
        {"vial_mg": 120, "price": price, "effective_from": "2026-03-01"},
    )
    assert "price" in response.context["form"].errors
    assert VialPrice.objects.count() == 2


@pytest.mark.parametrize(
    "bands",
    [(1, 11, 6, 20), (0, 6, 11, 20), (1, 6, 6, 20), (1, 6, 11, 106)],
    ids=["out of order", "mild from 0", "equal", "above 105"],
)
def test_bands_out_of_order_are_refused(client_for, bands):
    mild, moderate, high, very_high = bands
    data = _general(
        band_mild=mild, band_moderate=moderate, band_high=high, band_very_high=very_high
    )
    response = client_for("administrator").post(reverse("department:edit"), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert Department.objects.get().activity_bands == defaults.ACTIVITY_BANDS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"upper": "0,5", "lower": "0,8"}, "upper"),
        ({"plausible_min": "5", "plausible_max": "1"}, "plausible_max"),
        ({"upper": "9"}, "plausible_max"),  # the normal range beyond the plausible one
        ({"loinc": "C3"}, "loinc"),
        ({"unit": "mmol/L"}, "unit"),
    ],
)
def test_lab_settings_are_checked(client_for, changes, field):
    lab = LabTestSetting.objects.get(test="c3")
    data = {
        "unit": "g/L",
        "loinc": "4485-9",
        "lower": "0,79",
        "upper": "1,53",
        "plausible_min": "0",
        "plausible_max": "5",
        "version": lab.version,
        **changes,
    }
    response = client_for("administrator").post(reverse("department:lab_edit", args=["c3"]), data)
    assert field in response.context["form"].errors
    assert LabTestSetting.objects.get(test="c3").version == lab.version


def test_a_stale_edit_saves_nothing_and_shows_both_versions(client_for):
    data = _general(currency="USD")
    department_set(currency="CHF")  # someone else saved meanwhile
    response = client_for("administrator").post(reverse("department:edit"), data)
    assert response.context["stale"] is not None
    assert Department.objects.get().currency == "CHF"


def test_the_last_price_of_a_vial_cannot_be_deactivated(client_for):
    price = VialPrice.objects.get(vial_mg=400)
    client = client_for("administrator")
    client.post(reverse("department:price_deactivate", args=[price.pk]), {"version": price.version})
    assert VialPrice.objects.get(pk=price.pk).is_active


def test_a_mistaken_price_is_deactivated_and_stops_counting(client_for):
    wrong = price_add(120, "1300.00", MARCH)
    client_for("administrator").post(
        reverse("department:price_deactivate", args=[wrong.pk]), {"version": wrong.version}
    )
    assert not VialPrice.objects.get(pk=wrong.pk).is_active
    assert selectors.prices_on(MARCH)[120] == Decimal("121.50")


# --- audited, shown, and for administrators only ----------------------------------------------


def test_an_administrator_changes_a_price_and_the_history_shows_who_and_what(client_for, users):
    client = client_for("administrator")
    response = client.post(
        reverse("department:price_add"),
        {"vial_mg": 120, "price": "130,00", "effective_from": "2026-03-01"},
    )
    assert response.status_code == 302
    client.post(reverse("department:edit"), _general(rounding_tolerance_pct="7,5"))
    page = client.get(SETTINGS).content.decode()
    assert "130,00 EUR" in page and "01/03/2026" in page
    assert "0,79 \N{EN DASH} 1,53" in page  # the C3 range as the laboratory writes it
    history = client.get(SETTINGS).context["entries"]
    assert [e.who for e in history[:2]] == ["administrator", "administrator"]
    tolerance = [c for c in history[0].changes if c.field == "rounding_tolerance_pct"]
    assert (tolerance[0].before, tolerance[0].after) == (Decimal("5.0"), Decimal("7.5"))


def test_the_sheets_header_is_edited_in_lines_and_read_at_the_next_request(client_for):
    client = client_for("administrator")
    header = "CHU de Strasbourg\r\n  Pharmacie à usage intérieur\r\n\r\n1 place de l'Hôpital"
    response = client.post(reverse("department:edit"), _general(sheet_header=header))
    assert response.status_code == 302
    page = client.get(SETTINGS).content.decode()
    assert "CHU de Strasbourg<br>Pharmacie à usage intérieur<br>1 place de l&#x27;Hôpital" in page
    lines = "CHU de Strasbourg\nPharmacie à usage intérieur\n1 place de l'Hôpital"
    assert selectors.current().sheet_header == lines  # no carriage return, no blank line
    history = client.get(SETTINGS).context["entries"]
    assert any(c.field == "sheet_header" for c in history[0].changes)


def test_a_snapshot_stored_before_the_header_reads_the_installations(settings):
    data = services.snapshot_data()
    del data["general"]["sheet_header"]  # as stored before the migration
    settings.BELIMUMAB = {**settings.BELIMUMAB, "SHEET_HEADER": "Installed header"}
    assert selectors.DepartmentSettings.from_data(data).sheet_header == "Installed header"


def test_the_audit_log_lists_the_settings_changes(users):
    start = datetime.now(UTC)  # after the installation's seed
    department_set(currency="CHF")
    price_add(120, "130.00", MARCH)
    rows = list(audit_rows(start, datetime.now(UTC) + timedelta(minutes=1)))
    assert {r.model for r in rows} == {"department", "vialprice"}
    change = next(r for r in rows if r.model == "department")
    assert ("currency", "EUR", "CHF") in change.changes


@pytest.mark.parametrize("role", ["pharmacist", "clinician", "department_head"])
def test_the_screens_are_hidden_from_other_roles(client_for, role):
    client = client_for(role)
    assert client.get(SETTINGS).status_code == 403
    assert SETTINGS not in client.get(reverse("pharmacy:worklist")).content.decode()


def test_a_superuser_edits_too(client):
    admin = User.objects.create_superuser("root", password="pw-for-tests-only")
    client.force_login(admin)
    assert client.get(SETTINGS).status_code == 200
    assert client.get(reverse("department:edit")).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_the_settings_page_reads_in_constant_queries(client_for, django_assert_num_queries, n):
    for k in range(n):
        price_add(120, f"{130 + k}.00", MARCH + timedelta(days=k))
    client = client_for("administrator")
    client.get(SETTINGS)  # content types and permissions cached once per process; session pushed
    # request: session, user, user and group permissions = 4; page: the department, its prices,
    # its lab tests, and the history of each of the three (with their users) = 6
    with django_assert_num_queries(10):
        response = client.get(SETTINGS)
    assert len(response.context["prices"]) == 2 + n
