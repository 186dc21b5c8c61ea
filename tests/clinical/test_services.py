"""Services: what is computed on save, every refused input (message keyed by field, nothing
saved), optimistic concurrency."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from belimumab.clinical import services
from belimumab.clinical.models import Adjudication, AdverseEvent, LabResult, TreatmentDose, Visit
from belimumab.core.services import StaleRecord
from tests.clinical.conftest import D0, TODAY, add_dose, add_lab, add_visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def visit_input(**overrides) -> services.VisitInput:
    fields = {"date": D0, "descriptors": ["rash", "arthritis"], "pga": Decimal("1.0")}
    return services.VisitInput(**{**fields, **overrides})


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call(**kwargs)
    return info.value.message_dict


# --- visits ------------------------------------------------------------------------------------


def test_visit_score_is_the_weighted_sum_in_form_order(patient, users):
    visit = services.visit_create(
        patient=patient,
        user=users["clinician"],
        data=visit_input(descriptors=["fever", "vasculitis", "rash", "rash"]),
        today=TODAY,
    )
    visit.refresh_from_db()
    assert visit.sledai == 11  # 8 + 2 + 1, each descriptor once
    assert visit.descriptors == ["vasculitis", "rash", "fever"]
    assert visit.descriptors_recorded and visit.recorded_total is None
    assert visit.history.get().history_user == users["clinician"]


def test_no_descriptor_ticked_is_a_score_of_zero(patient, users):
    visit = services.visit_create(
        patient=patient, user=users["clinician"], data=visit_input(descriptors=[]), today=TODAY
    )
    assert visit.sledai == 0 and visit.descriptors_recorded


def test_total_only_visit_keeps_the_recorded_total(patient, users):
    visit = services.visit_create(
        patient=patient,
        user=users["clinician"],
        data=visit_input(descriptors=None, recorded_total=7),
        today=TODAY,
    )
    assert (visit.sledai, visit.recorded_total, visit.descriptors_recorded) == (7, 7, False)
    assert visit.descriptors == []


def test_a_matching_total_is_kept_beside_the_descriptors(patient, users):
    visit = services.visit_create(
        patient=patient, user=users["clinician"], data=visit_input(recorded_total=6), today=TODAY
    )
    assert visit.sledai == 6 and visit.recorded_total == 6


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"recorded_total": 5}, "recorded_total", "add up to 6"),
        ({"descriptors": None, "recorded_total": None}, "recorded_total", "Enter the recorded"),
        ({"descriptors": None, "recorded_total": 106}, "recorded_total", "between 0 and 105"),
        ({"descriptors": ["rash", "sneezing"]}, "descriptors", "Unknown"),
        ({"pga": Decimal("3.5")}, "pga", "between 0 and 3"),
        ({"pga": Decimal("-0.1")}, "pga", "between 0 and 3"),
        ({"pga": Decimal("1.25")}, "pga", "one decimal"),
        ({"date": TODAY + timedelta(days=1)}, "date", "future"),
        ({"date": date(1985, 3, 13)}, "date", "before the patient's birth"),
        ({"flare": "huge"}, "flare", "Unknown flare"),
    ],
)
def test_bad_visit_input_is_refused_on_its_field(patient, users, overrides, field, message):
    errors = refused(
        services.visit_create,
        patient=patient,
        user=users["clinician"],
        data=visit_input(**overrides),
        today=TODAY,
    )
    assert message in " ".join(errors[field])
    assert not Visit.objects.exists()


def test_a_stale_visit_update_is_refused_and_changes_nothing(patient, users):
    visit = services.visit_create(
        patient=patient, user=users["clinician"], data=visit_input(), today=TODAY
    )
    first = Visit.objects.get(pk=visit.pk)
    second = Visit.objects.get(pk=visit.pk)
    services.visit_update(
        visit=first,
        user=users["clinician"],
        data=visit_input(descriptors=["vasculitis"]),
        expected_version=1,
        today=TODAY,
    )
    with pytest.raises(StaleRecord) as info:
        services.visit_update(
            visit=second,
            user=users["clinician"],
            data=visit_input(descriptors=[]),
            expected_version=1,
            today=TODAY,
        )
    assert info.value.current.sledai == 8
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.sledai, stored.version, stored.descriptors) == (8, 2, ["vasculitis"])


@pytest.mark.parametrize(
    ("setup", "data", "expected"),
    [
        # score up by 6, not above 12: mild/moderate
        (
            lambda p: add_visit(p, D0, ["rash"]),
            {"descriptors": ["rash", "arthritis", "fever"]},
            "mild_moderate",
        ),
        # score above 12: severe
        (
            lambda p: add_visit(p, D0, ["rash"]),
            {"descriptors": ["vasculitis", "arthritis", "rash"]},
            "severe",
        ),
        # new nephritis (proteinuria absent before): severe
        (lambda p: add_visit(p, D0, ["proteinuria"]), {"descriptors": ["proteinuria"]}, "none"),
        (lambda p: add_visit(p, D0, ["rash"]), {"descriptors": ["rash", "haematuria"]}, "severe"),
        # PGA above 2.5 and up: severe
        (
            lambda p: add_visit(p, D0, [], pga="1.0"),
            {"descriptors": [], "pga": Decimal("2.6")},
            "severe",
        ),
        # hospitalised for lupus: severe
        (lambda p: add_visit(p, D0, []), {"descriptors": [], "hospitalised": True}, "severe"),
        # no previous visit: only the absolute criteria
        (lambda p: None, {"descriptors": ["rash", "arthritis", "fever"]}, "none"),
    ],
)
def test_flare_index_is_suggested_against_the_previous_visit(patient, users, setup, data, expected):
    setup(patient)
    visit = services.visit_create(
        patient=patient,
        user=users["clinician"],
        data=visit_input(**{"date": D0 + timedelta(days=60), "pga": None, **data}),
        today=TODAY,
    )
    assert visit.flare_suggested == expected
    assert visit.flare == ""  # the clinician's own assessment is never filled in for them


def test_flare_index_reads_treatments_and_platelets(patient, users, make_infusion):
    add_visit(patient, D0, [])
    make_infusion(patient, D0, weight="60.0")
    add_dose(patient, "prednisone", D0 - timedelta(days=30), "10")
    add_dose(patient, "prednisone", D0 + timedelta(days=50), "15")  # raised, not doubled
    on = D0 + timedelta(days=60)
    mild = services.visit_create(
        patient=patient,
        user=users["clinician"],
        data=visit_input(date=on, descriptors=[]),
        today=TODAY,
    )
    assert mild.flare_suggested == "mild_moderate"
    add_dose(patient, "azathioprine", on + timedelta(days=5), "100")
    add_lab(patient, on + timedelta(days=10), "platelets", "55", "G/L", "150", "400")
    severe = services.visit_create(
        patient=patient,
        user=users["clinician"],
        data=visit_input(date=on + timedelta(days=10), descriptors=[], flare="severe"),
        today=TODAY,
    )
    assert (severe.flare_suggested, severe.flare) == ("severe", "severe")


# --- labs --------------------------------------------------------------------------------------


def test_lab_results_of_one_date_take_the_default_range_of_their_unit(patient, users):
    saved = services.lab_panel_record(
        patient=patient,
        user=users["clinician"],
        on=D0,
        results=[
            services.LabInput("c3", Decimal("0.62"), "g/L"),
            services.LabInput("c4", Decimal("12"), "mg/dL"),
            services.LabInput("anti_dsdna", Decimal("80"), "IU/mL", Decimal("0"), Decimal("30")),
        ],
        today=TODAY,
    )
    c3, c4, dna = (LabResult.objects.get(pk=r.pk) for r in saved)
    assert (c3.lower_limit, c3.upper_limit) == (Decimal("0.79"), Decimal("1.53"))
    assert (c4.lower_limit, c4.upper_limit) == (Decimal("15"), Decimal("40"))
    assert (dna.lower_limit, dna.upper_limit) == (Decimal("0"), Decimal("30"))
    assert c3.is_abnormal and c4.is_abnormal and dna.is_abnormal


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        (services.LabInput("c3", Decimal("-0.1"), "g/L"), "c3_value", "negative"),
        (services.LabInput("c3", Decimal("0.9"), "mmol/L"), "c3_unit", "Unknown unit"),
        (
            services.LabInput("platelets", Decimal("90"), "G/L", Decimal("400"), Decimal("150")),
            "platelets_upper",
            "below the lower",
        ),
        (services.LabInput("ch50", None, "U/mL"), "ch50_value", "Enter a value"),
    ],
)
def test_bad_lab_input_saves_nothing(patient, users, item, field, message):
    good = services.LabInput("c4", Decimal("0.2"), "g/L")
    errors = refused(
        services.lab_panel_record,
        patient=patient,
        user=users["clinician"],
        on=D0,
        results=[good, item],
        today=TODAY,
    )
    assert message in " ".join(errors[field])
    assert not LabResult.objects.exists()


def test_a_second_result_of_the_same_test_and_date_is_refused(patient, users):
    add_lab(patient, D0, "c3", "0.8", "g/L")
    errors = refused(
        services.lab_panel_record,
        patient=patient,
        user=users["clinician"],
        on=D0,
        results=[services.LabInput("c3", Decimal("0.9"), "g/L")],
        today=TODAY,
    )
    assert "already recorded" in errors["c3_value"][0]
    assert LabResult.objects.count() == 1


def test_lab_correction_keeps_history_and_refuses_a_stale_version(patient, users):
    lab = add_lab(patient, D0, "c3", "0.8", "g/L", "0.79", "1.53")
    item = services.LabInput("c3", Decimal("0.7"), "g/L", Decimal("0.79"), Decimal("1.53"))
    services.lab_result_update(
        lab=lab, user=users["clinician"], on=D0, item=item, expected_version=1, today=TODAY
    )
    assert LabResult.objects.get().value == Decimal("0.7")
    with pytest.raises(StaleRecord):
        services.lab_result_update(
            lab=LabResult.objects.get(),
            user=users["clinician"],
            on=D0,
            item=item,
            expected_version=1,
            today=TODAY,
        )
    errors = refused(
        services.lab_result_update,
        lab=LabResult.objects.get(),
        user=users["clinician"],
        on=D0,
        item=services.LabInput("c3", Decimal("0.7"), "g/L", Decimal("2"), Decimal("1")),
        expected_version=2,
        today=TODAY,
    )
    assert "upper_limit" in errors


# --- treatments --------------------------------------------------------------------------------


def test_treatment_changes_and_their_refusals(patient, users):
    clinician = users["clinician"]
    services.treatment_record(
        patient=patient,
        user=clinician,
        drug="methotrexate",
        start_date=D0,
        dose=Decimal("15"),
        unit="mg/week",
        today=TODAY,
    )
    cases = [
        ({"drug": "prednisone", "unit": "mg/week"}, "unit", "mg/day"),
        ({"drug": "methotrexate", "unit": "mg/day"}, "unit", "same unit"),
        ({"drug": "methotrexate", "unit": "mg/week"}, "start_date", "already starts"),
        ({"drug": "aspirin", "unit": "mg/day"}, "drug", "Unknown drug"),
        ({"drug": "prednisone", "unit": "mg/day", "dose": Decimal("-5")}, "dose", "negative"),
        (
            {"drug": "prednisone", "unit": "mg/day", "start_date": TODAY + timedelta(days=1)},
            "start_date",
            "future",
        ),
    ]
    for overrides, field, message in cases:
        kwargs = {"start_date": D0, "dose": Decimal("10"), **overrides}
        errors = refused(
            services.treatment_record,
            patient=patient,
            user=clinician,
            today=TODAY,
            **kwargs,
        )
        assert message in " ".join(errors[field]), (overrides, errors)
    assert TreatmentDose.objects.count() == 1
    stop = services.treatment_record(
        patient=patient,
        user=clinician,
        drug="methotrexate",
        start_date=D0 + timedelta(days=90),
        dose=Decimal("0"),
        unit="mg/week",
        today=TODAY,
    )
    assert stop.dose == 0


# --- adverse events ----------------------------------------------------------------------------


def test_adverse_event_rules(patient, users, make_patient, make_infusion):
    infusion = make_infusion(patient, D0)
    other = make_infusion(make_patient(code="OTHER"), D0)
    base = {"term": "Pneumonia", "category": "infection", "onset_date": D0 + timedelta(days=3)}
    cases = [
        ({"site": ""}, "site", "site of the infection"),
        ({"site": "Lung", "infusion": other}, "infusion", "another patient"),
        (
            {"site": "Lung", "infusion": infusion, "onset_date": D0 - timedelta(days=1)},
            "infusion",
            "before this infusion",
        ),
        ({"site": "Lung", "term": "  "}, "term", "Enter the event"),
        ({"site": "Lung", "onset_date": TODAY + timedelta(days=1)}, "onset_date", "future"),
    ]
    for overrides, field, message in cases:
        errors = refused(
            services.adverse_event_record,
            patient=patient,
            user=users["clinician"],
            data=services.AdverseEventInput(**{**base, **overrides}),
            today=TODAY,
        )
        assert message in " ".join(errors[field]), overrides
    assert not AdverseEvent.objects.exists()
    event = services.adverse_event_record(
        patient=patient,
        user=users["clinician"],
        data=services.AdverseEventInput(
            term="Infusion reaction",
            category="infusion_reaction",
            onset_date=D0,
            site="ignored",
            serious=True,
            infusion=infusion,
        ),
        today=TODAY,
    )
    assert (event.site, event.infusion, event.serious) == ("", infusion, True)


# --- adjudication ------------------------------------------------------------------------------


def test_adjudication_is_one_record_per_time_point_with_its_history(patient, users):
    clinician = users["clinician"]
    first = services.adjudication_record(
        patient=patient, user=clinician, timepoint="M6", status="failure", reason="Flare"
    )
    second = services.adjudication_record(
        patient=patient,
        user=clinician,
        timepoint="M6",
        status="responder",
        reason="Flare was an infection",
        expected_version=1,
    )
    assert first.pk == second.pk and second.version == 2
    assert second.adjudicated_by == clinician
    assert [h.status for h in Adjudication.objects.get().history.order_by("history_date")] == [
        "failure",
        "responder",
    ]
    for kwargs, field in (
        ({"timepoint": "M0", "status": "responder", "reason": "x"}, "timepoint"),
        ({"timepoint": "M12", "status": "cured", "reason": "x"}, "status"),
        ({"timepoint": "M12", "status": "responder", "reason": " "}, "reason"),
    ):
        assert field in refused(
            services.adjudication_record, patient=patient, user=clinician, **kwargs
        )
    assert Adjudication.objects.count() == 1
