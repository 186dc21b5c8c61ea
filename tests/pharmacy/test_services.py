"""infusion_record / infusion_update / infusion_deactivate: recomputed, validated, audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from belimumab.core.services import StaleRecord
from belimumab.patients.models import Regimen
from belimumab.pharmacy import services
from belimumab.pharmacy.models import Infusion
from tests.department.helpers import settings_changed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def fields(users, checker, today):
    def make(**changes):
        data = {
            "date": today,
            "weight_kg": Decimal("70"),
            "prepared_dose_mg": None,
            "rounding_reason": "",
            "lots_as_recorded": "A123",
            "diluent": "nacl_0.9",
            "prepared_by": users["pharmacist"],
            "checked_by": checker,
            "premedication": True,
            "reaction": "none",
        }
        data.update(changes)
        return data

    return make


def _settings(**changes):
    return settings_changed(**changes)


def _record(patient, fields, users, today, **kwargs):
    return services.infusion_record(
        patient=patient, user=users["pharmacist"], fields=fields, today=today, **kwargs
    )


def _errors(excinfo) -> dict[str, str]:
    return {key: " ".join(value) for key, value in excinfo.value.message_dict.items()}


def test_dose_and_vials_are_computed_by_the_server(iv_patient, fields, users, today):
    infusion = _record(iv_patient, fields(), users, today)
    assert infusion.prescribed_dose_mg == Decimal("700.0")
    assert infusion.prepared_dose_mg == Decimal("700.0")
    # least waste: 6 x 120 = 720 mg (20 mg wasted) beats 400 + 3 x 120 = 760 mg (60 mg)
    assert (infusion.vials_400, infusion.vials_120) == (0, 6)
    assert infusion.course == iv_patient.courses.get()
    assert infusion.rounding_reason == ""
    assert infusion.history.get().history_user == users["pharmacist"]


def test_rounded_dose_within_tolerance_saves_a_vial(iv_patient, fields, users, today):
    with _settings(ROUNDING_TOLERANCE_PCT=10.0):
        infusion = _record(iv_patient, fields(prepared_dose_mg=Decimal("640")), users, today)
    assert infusion.prescribed_dose_mg == Decimal("700.0")
    assert infusion.prepared_dose_mg == Decimal("640.0")
    assert (infusion.vials_400, infusion.vials_120) == (1, 2)
    assert "8.6" in infusion.rounding_reason


def test_dose_below_tolerance_needs_a_reason(iv_patient, fields, users, today):
    with pytest.raises(ValidationError) as excinfo:  # 640 mg is 8.6 % under: outside 5 %
        _record(iv_patient, fields(prepared_dose_mg=Decimal("640")), users, today)
    assert "8.6 % under" in _errors(excinfo)["rounding_reason"]
    assert not Infusion.objects.filter(date=today).exists()

    reason = "Clinician reduced the dose (neutropenia)"
    infusion = _record(
        iv_patient,
        fields(prepared_dose_mg=Decimal("640"), rounding_reason=reason),
        users,
        today,
    )
    assert infusion.rounding_reason == reason


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_kg": Decimal("0")}, "weight_kg", "between 10 and 250 kg"),
        ({"weight_kg": Decimal("-3")}, "weight_kg", "between 10 and 250 kg"),
        ({"weight_kg": Decimal("250.1")}, "weight_kg", "250"),
        ({"weight_kg": None}, "weight_kg", "Enter the weight"),
        ({"prepared_dose_mg": Decimal("800")}, "prepared_dose_mg", "cannot exceed"),
        ({"prepared_dose_mg": Decimal("0")}, "prepared_dose_mg", "above 0"),
        ({"diluent": "glucose_5"}, "diluent", "never glucose"),
        ({"checked_by": None}, "checked_by", "checked"),
        ({"prepared_by": None}, "prepared_by", "prepared"),
    ],
)
def test_bad_input_is_refused_with_a_field_error(
    iv_patient, fields, users, today, changes, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields(**changes), users, today)
    assert message in _errors(excinfo)[field]
    assert not Infusion.objects.filter(date=today).exists()


def test_dates_outside_the_course_are_refused(iv_patient, fields, users, today):
    course = iv_patient.courses.get()
    for day, message in [
        (today + timedelta(days=1), "future"),
        (course.start_date - timedelta(days=1), "before the start of the course"),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            _record(iv_patient, fields(date=day), users, today)
        assert message in _errors(excinfo)["date"]
    course.stop_date, course.stop_reason = today - timedelta(days=2), "remission"
    course.save()
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields(), users, today)
    assert "stopped" in _errors(excinfo)["date"]


def test_preparer_and_checker_are_two_pharmacy_people(iv_patient, fields, users, today):
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields(checked_by=users["pharmacist"]), users, today)
    assert "someone other" in _errors(excinfo)["checked_by"]
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields(checked_by=users["clinician"]), users, today)
    assert "may not check" in _errors(excinfo)["checked_by"]
    users["pharmacist"].is_active = False
    users["pharmacist"].save()
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields(), users, today)
    assert "may not prepare" in _errors(excinfo)["prepared_by"]


def test_same_patient_twice_on_one_date(iv_patient, fields, users, today):
    _record(iv_patient, fields(), users, today)
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields(), users, today)
    assert "already has an infusion" in _errors(excinfo)["date"]
    assert Infusion.objects.filter(date=today).count() == 1


def test_a_lost_race_on_the_same_date_becomes_a_field_error(
    iv_patient, fields, users, today, monkeypatch
):
    """Two pharmacists validate at once: both pass the checks, the database keeps one."""
    _record(iv_patient, fields(), users, today)
    real = services._same_day_taken
    calls = {"n": 0}

    def not_yet_seen(infusion):  # the first check ran before the other pharmacist's commit
        calls["n"] += 1
        return False if calls["n"] == 1 else real(infusion)

    monkeypatch.setattr(services, "_same_day_taken", not_yet_seen)
    monkeypatch.setattr(Infusion, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as excinfo:
        _record(iv_patient, fields(), users, today)
    assert "already has an infusion" in _errors(excinfo)["date"]
    assert Infusion.objects.filter(date=today).count() == 1


def test_a_big_weight_change_asks_for_confirmation(iv_patient, fields, users, today):
    with pytest.raises(ValidationError) as excinfo:  # 70 -> 80 kg: +14.3 %
        _record(iv_patient, fields(weight_kg=Decimal("80")), users, today)
    assert "14.3 %" in _errors(excinfo)["confirm_weight"]
    infusion = _record(
        iv_patient, fields(weight_kg=Decimal("80")), users, today, weight_confirmed=True
    )
    assert infusion.prescribed_dose_mg == Decimal("800.0")
    assert (infusion.vials_400, infusion.vials_120) == (2, 0)


def test_a_small_weight_change_needs_no_confirmation(iv_patient, fields, users, today):
    infusion = _record(iv_patient, fields(weight_kg=Decimal("76.9")), users, today)  # +9.9 %
    assert infusion.prescribed_dose_mg == Decimal("769.0")


def test_subcutaneous_dose_is_the_regimen_dose_without_vials(make_patient, fields, users, today):
    patient = make_patient(code="SC01", start=today - timedelta(days=7), regimen="sc_nephritis")
    first = _record(
        patient,
        fields(date=today - timedelta(days=7), weight_kg=None, diluent="", checked_by=None),
        users,
        today,
    )
    assert first.prescribed_dose_mg == Decimal("400.0")  # loading dose
    assert (first.vials_120, first.vials_400, first.diluent) == (0, 0, "")
    Regimen.objects.filter(code="sc_nephritis").update(loading_doses_mg=[])
    patient.refresh_from_db()
    second = _record(patient, fields(weight_kg=None, checked_by=None), users, today)
    assert second.prescribed_dose_mg == Decimal("200.0")


def test_correction_recomputes_and_refuses_a_stale_version(iv_patient, fields, users, today):
    infusion = _record(iv_patient, fields(), users, today)
    version = infusion.version
    updated = services.infusion_update(
        infusion=infusion,
        user=users["pharmacist"],
        fields=fields(weight_kg=Decimal("72")),
        today=today,
        expected_version=version,
    )
    assert updated.prescribed_dose_mg == Decimal("720.0")
    assert updated.version == version + 1

    stale = Infusion.objects.get(pk=infusion.pk)
    with pytest.raises(StaleRecord):
        services.infusion_update(
            infusion=stale,
            user=users["pharmacist"],
            fields=fields(weight_kg=Decimal("74")),
            today=today,
            expected_version=version,
        )
    stored = Infusion.objects.get(pk=infusion.pk)
    assert stored.weight_kg == Decimal("72.0") and stored.version == version + 1


def test_correction_keeps_its_own_date_and_weight_reference(iv_patient, fields, users, today):
    """Editing does not collide with itself nor compare the weight with itself."""
    infusion = _record(iv_patient, fields(), users, today)
    updated = services.infusion_update(
        infusion=infusion,
        user=users["pharmacist"],
        fields=fields(lots_as_recorded="C789"),
        today=today,
        expected_version=infusion.version,
    )
    assert updated.lots_as_recorded == "C789" and Infusion.objects.filter(date=today).count() == 1


def test_deactivation_keeps_the_record_and_frees_the_date(iv_patient, fields, users, today):
    infusion = _record(iv_patient, fields(), users, today)
    with pytest.raises(ValidationError) as excinfo:
        services.infusion_deactivate(
            infusion=infusion, user=users["pharmacist"], expected_version=1, reason=" "
        )
    assert "reason" in excinfo.value.message_dict
    services.infusion_deactivate(
        infusion=infusion,
        user=users["pharmacist"],
        expected_version=infusion.version,
        reason="wrong patient",
    )
    stored = Infusion.objects.get(pk=infusion.pk)
    assert stored.is_active is False
    assert "wrong patient" in stored.history.first().history_change_reason
    again = _record(iv_patient, fields(), users, today)
    assert again.pk != infusion.pk


def test_correction_keeps_a_preparer_who_has_left(iv_patient, fields, users, checker, today):
    infusion = _record(iv_patient, fields(), users, today)
    checker.is_active = False
    checker.save()
    updated = services.infusion_update(
        infusion=infusion,
        user=users["pharmacist"],
        fields=fields(lots_as_recorded="C789"),
        today=today,
        expected_version=infusion.version,
    )
    assert updated.checked_by == checker
    with pytest.raises(ValidationError) as excinfo:  # but a new infusion cannot name them
        _record(iv_patient, fields(date=today - timedelta(days=1)), users, today)
    assert "may not check" in _errors(excinfo)["checked_by"]
