"""Entry pages through the test client: saved on good input; on bad input the message is beside
the field and nothing is saved; two clinicians on one visit: the second sees both versions."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from belimumab.clinical.models import Adjudication, AdverseEvent, LabResult, TreatmentDose, Visit
from belimumab.clinical.sledai_labels import DESCRIPTOR_LABELS
from tests.clinical.conftest import D0, TODAY, add_lab, add_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(client_for):
    client = client_for("clinician")
    client.cookies["django_language"] = "en"
    return client


def visit_data(**overrides):
    data = {
        "date": D0.isoformat(),
        "mode": "descriptors",
        "descriptors": ["arthritis", "low_complement"],
        "pga": "1.5",
        "flare": "none",
    }
    return {**data, **overrides}


def beside(html: str, field_id: str) -> str:
    """The HTML of a crispy field's wrapper (label, input and its error)."""
    match = re.search(
        rf'<div id="div_{field_id}".*?</div>\s*</div>|<div id="div_{field_id}".*?</div>', html, re.S
    )
    assert match, field_id
    return match.group(0)


def test_clinician_records_a_visit(clinician, patient):
    url = reverse("clinical:visit_create", args=[patient.pk])
    response = clinician.post(url, visit_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("clinical:timeline", args=[patient.pk])
    visit = Visit.objects.get()
    assert (visit.sledai, visit.pga, visit.flare) == (6, Decimal("1.5"), "none")
    assert visit.flare_suggested == "none"


def test_the_same_visit_form_sent_twice_makes_one_visit(clinician, patient):
    """A new visit's form carries a one-time token: sent again (a resend, a second tab after a
    back), the second is refused beside the form; a fresh form records a second visit that day."""
    url = reverse("clinical:visit_create", args=[patient.pk])
    token = clinician.get(url).context["form"]["submission"].value()
    assert token and clinician.get(url).context["form"]["submission"].value() != token
    assert clinician.post(url, visit_data(submission=token)).status_code == 302
    again = clinician.post(url, visit_data(submission=token))
    assert again.status_code == 200
    assert "This visit was already saved: the form was sent twice." in again.content.decode()
    assert Visit.objects.count() == 1 and Visit.history.count() == 1
    fresh = clinician.get(url).context["form"]["submission"].value()
    # a second visit the same day is possible once confirmed (DOMAIN.md plausibility)
    second = visit_data(submission=fresh, confirmed="visit_same_day")
    assert clinician.post(url, second).status_code == 302
    assert Visit.objects.count() == 2


def test_french_decimal_comma_is_read(client_for, patient):
    client = client_for("clinician")
    client.cookies["django_language"] = "fr"
    client.post(reverse("clinical:visit_create", args=[patient.pk]), visit_data(pga="0,8"))
    assert Visit.objects.get().pga == Decimal("0.8")


def test_total_only_visit_from_old_records(clinician, patient):
    url = reverse("clinical:visit_create", args=[patient.pk])
    clinician.post(url, visit_data(mode="total", descriptors=[], recorded_total="9"))
    visit = Visit.objects.get()
    assert (visit.sledai, visit.descriptors_recorded) == (9, False)
    page = clinician.get(reverse("clinical:timeline", args=[patient.pk])).content.decode()
    assert "total only" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"pga": "3.5"}, "pga", "between 0 and 3"),
        ({"pga": "-1"}, "pga", "between 0 and 3"),
        ({"pga": "1.25"}, "pga", "one decimal"),
        ({"date": (TODAY + timedelta(days=1)).isoformat()}, "date", "future"),
        ({"date": "1985-03-13"}, "date", "before the patient"),
        ({"recorded_total": "5"}, "recorded_total", "add up to 6"),
        ({"mode": "total", "descriptors": []}, "recorded_total", "Enter the total"),
        ({"recorded_total": "200"}, "recorded_total", "less than or equal to 105"),
    ],
)
def test_bad_visit_input_is_shown_beside_the_field_and_saves_nothing(
    clinician, patient, overrides, field, message
):
    url = reverse("clinical:visit_create", args=[patient.pk])
    response = clinician.post(url, visit_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in beside(response.content.decode(), f"id_{field}")
    assert not Visit.objects.exists()


def test_ticked_descriptors_stay_ticked_after_an_error(clinician, patient):
    url = reverse("clinical:visit_create", args=[patient.pk])
    html = clinician.post(url, visit_data(pga="9")).content.decode()
    assert re.search(r'value="arthritis" id="d-arthritis" data-weight="4" checked', html)
    assert 'data-sledai-total aria-live="polite">6<' in html


def test_descriptors_in_total_only_mode_are_refused_beside_the_descriptors(clinician, patient):
    url = reverse("clinical:visit_create", args=[patient.pk])
    response = clinician.post(url, visit_data(mode="total", recorded_total="6"))
    assert 'id="error_descriptors">Total only: untick' in response.content.decode()
    assert not Visit.objects.exists()


def test_visit_form_shows_weights_definitions_and_lab_suggestions(clinician, patient):
    add_lab(patient, D0 - timedelta(days=3), "c4", "0.1", "g/L", "0.15", "0.40")
    add_lab(patient, D0 - timedelta(days=3), "platelets", "120", "10^9/L", "150", "400")
    html = clinician.get(reverse("clinical:visit_update", args=[add_visit(patient, D0, []).pk]))
    html = html.content.decode()
    assert html.count('name="descriptors"') == 24
    assert 'data-weight="8"' in html and "Heme-granular or red blood cell casts." in html
    assert "Platelets below 100 x 10⁹/L" in html
    low = re.search(r'<li [^>]*data-descriptor="low_complement">.*?</li>', html, re.S).group(0)
    assert "border-warning" in low and "suggested by labs of 02/01/2026" in low  # British d/m/Y
    assert "checked" not in low  # proposed, never ticked for the clinician
    thrombo = re.search(r'data-descriptor="thrombocytopenia">.*?</li>', html, re.S).group(0)
    assert "suggested by labs" not in thrombo  # 120 is above 100 x 10^9/L
    assert 'data-bands="[[0, &quot;none&quot;], [1, &quot;mild&quot;]' in html
    assert "<script>" not in html  # strict CSP: behaviour in static/js/sledai.js


def test_visit_suggestions_follow_the_form(clinician, patient):
    add_visit(patient, D0, ["rash"], pga="0.5")
    add_lab(patient, D0 + timedelta(days=40), "anti_dsdna", "90", "IU/mL", "0", "50")
    url = reverse("clinical:visit_suggestions", args=[patient.pk])
    query = "?date=2026-02-15&descriptors=rash&descriptors=vasculitis&descriptors=arthritis&pga=1.0"
    data = clinician.get(url + query).json()
    assert data["labs"] == {"increased_dna_binding": "suggested by labs of 14/02/2026"}
    assert data["flare"]["code"] == "severe"
    assert "SELENA-SLEDAI rose above 12" in data["flare"]["criteria"]
    assert clinician.get(url + "?date=nonsense").json() == {"labs": {}, "flare": None}


def test_two_clinicians_on_one_visit_the_second_sees_both_versions(client_for, make_user, patient):
    from django.test import Client

    visit = add_visit(patient, D0, ["rash"], pga="1.0")
    url = reverse("clinical:visit_update", args=[visit.pk])
    first = client_for("clinician")
    second = Client()
    second.force_login(make_user("dr_second", "clinician"))
    second.cookies["django_language"] = "en"
    assert first.get(url).context["form"]["version"].value() == 1
    assert second.get(url).context["form"]["version"].value() == 1

    first.post(url, visit_data(descriptors=["rash", "pleurisy"], version="1"))
    response = second.post(url, visit_data(descriptors=["vasculitis"], pga="2.0", version="1"))

    assert response.status_code == 200
    stored = Visit.objects.get()
    assert (stored.sledai, stored.version, stored.descriptors) == (4, 2, ["rash", "pleurisy"])
    html = response.content.decode()
    assert "nothing was saved" in html
    conflict = re.search(
        r"<div class=\"alert alert-warning\" data-conflict>.*?</table>", html, re.S
    )
    assert conflict, html
    table = conflict.group(0)
    assert "Rash, Pleurisy" in table and "Vasculitis" in table  # saved | theirs side by side
    assert ">4<" in table and ">8<" in table
    assert 'value="vasculitis" id="d-vasculitis" data-weight="8" checked' in html
    assert response.context["form"]["version"].value() == 2

    # saving again, knowingly, from the version now shown
    again = second.post(url, visit_data(descriptors=["vasculitis"], pga="2.0", version="2"))
    assert again.status_code == 302
    assert Visit.objects.get().sledai == 8


def test_visit_detail_is_readable_by_a_pharmacist_without_edit_link(client_for, patient):
    visit = add_visit(patient, D0, ["rash", "fever"], pga="0.5")
    html = client_for("pharmacist").get(reverse("clinical:visit_detail", args=[visit.pk]))
    html = html.content.decode()
    with translation.override("fr"):  # the page's language (the default)
        rash, fever = str(DESCRIPTOR_LABELS["rash"]), str(DESCRIPTOR_LABELS["fever"])
    assert rash in html and fever in html
    assert reverse("clinical:visit_update", args=[visit.pk]) not in html


def test_lab_panel_saves_several_tests_of_one_date(clinician, patient):
    url = reverse("clinical:lab_create", args=[patient.pk])
    response = clinician.get(url)
    assert "LOINC 4485-9" in response.content.decode()
    data = {
        "date": D0.isoformat(),
        "c3_value": "0.65",
        "c3_unit": "g/L",
        "c4_value": "9",
        "c4_unit": "mg/dL",
        "anti_dsdna_value": "120",
        "anti_dsdna_unit": "IU/mL",
        "anti_dsdna_upper": "40",
        "platelets_unit": "10^9/L",
    }
    assert clinician.post(url, data).status_code == 302
    labs = {lab.test: lab for lab in LabResult.objects.all()}
    assert set(labs) == {"c3", "c4", "anti_dsdna"}
    assert labs["c4"].lower_limit == Decimal("15") and labs["c4"].unit == "mg/dL"
    assert labs["anti_dsdna"].upper_limit == Decimal("40")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"c3_value": "-0.2"}, "c3_value", "cannot be negative"),
        ({"c3_unit": "furlong"}, "c3_unit", "Unknown unit"),
        ({"date": (TODAY + timedelta(days=2)).isoformat()}, "date", "future"),
        ({"c3_lower": "2", "c3_upper": "1"}, "c3_upper", "below the lower"),
    ],
)
def test_bad_lab_input_is_shown_beside_the_field(clinician, patient, overrides, field, message):
    url = reverse("clinical:lab_create", args=[patient.pk])
    data = {"date": D0.isoformat(), "c3_value": "0.9", "c3_unit": "g/L", "c4_value": "0.2"}
    response = clinician.post(url, {**data, **overrides})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    if field == "date":
        assert message in beside(html, "id_date")
    else:
        assert re.search(rf'id="error_{field}">[^<]*{message}', html)
    assert not LabResult.objects.exists()


def test_an_empty_lab_panel_is_refused(clinician, patient):
    response = clinician.post(
        reverse("clinical:lab_create", args=[patient.pk]), {"date": D0.isoformat()}
    )
    assert "Enter at least one result." in response.content.decode()


def test_lab_correction_page(clinician, patient):
    lab = add_lab(patient, D0, "c3", "0.650", "g/L", "0.79", "1.53")
    url = reverse("clinical:lab_update", args=[lab.pk])
    assert 'value="0.65"' in clinician.get(url).content.decode()
    data = {
        "date": D0.isoformat(),
        "value": "0.7",
        "unit": "g/L",
        "lower_limit": "0.79",
        "upper_limit": "1.53",
        "version": "1",
    }
    assert clinician.post(url, data).status_code == 302
    stale = clinician.post(url, {**data, "value": "0.5"})
    assert "Your version (not saved)" in stale.content.decode()
    assert LabResult.objects.get().value == Decimal("0.7")


def test_treatment_change_shows_in_prednisone_equivalent(clinician, patient):
    url = reverse("clinical:treatment_create", args=[patient.pk])
    data = {
        "drug": "methylprednisolone",
        "start_date": D0.isoformat(),
        "dose": "16",
        "unit": "mg/day",
    }
    assert clinician.post(url, data).status_code == 302
    response = clinician.post(url, {**data, "unit": "mg/week", "start_date": "2026-02-01"})
    assert "Corticosteroid doses are entered in mg/day." in response.content.decode()
    assert TreatmentDose.objects.count() == 1
    html = clinician.get(reverse("clinical:timeline", args=[patient.pk])).content.decode()
    row = re.search(r"<tr>\s*<td>Methylprednisolone</td>.*?</tr>", html, re.S).group(0)
    assert "16 mg/day" in row and ">20<" in row and "started" in row


def test_adverse_event_linked_to_an_infusion(clinician, patient, make_infusion):
    infusion = make_infusion(patient, D0)
    url = reverse("clinical:adverse_event_create", args=[patient.pk])
    assert "Infusion of 05/01/2026" in clinician.get(url).content.decode()
    data = {
        "term": "Urticaria",
        "category": "infusion_reaction",
        "onset_date": D0.isoformat(),
        "outcome": "resolved",
        "infusion": infusion.pk,
        "serious": "on",
    }
    assert clinician.post(url, data).status_code == 302
    event = AdverseEvent.objects.get()
    assert event.infusion == infusion and event.serious
    response = clinician.post(url, {**data, "category": "infection", "site": ""})
    assert "Give the site of the infection." in beside(response.content.decode(), "id_site")
    assert AdverseEvent.objects.count() == 1


def test_adjudication_is_shown_beside_the_computed_status(clinician, patient):
    add_visit(patient, D0, ["arthritis", "rash"])  # 6
    add_visit(patient, D0 + timedelta(days=182), ["rash"])  # 2: responder
    url = reverse("clinical:adjudicate", args=[patient.pk, "M6"])
    page = clinician.get(url).content.decode()
    assert "SLEDAI 6 -&gt; 2, fell by 4" in page
    response = clinician.post(url, {"status": "failure", "reason": "Flare at M5, steroids up"})
    assert response.status_code == 302
    assert Adjudication.objects.get().status == "failure"
    html = clinician.get(reverse("clinical:timeline", args=[patient.pk])).content.decode()
    status = re.search(r'id="status-M6".*?</div>\s*</div>\s*</div>', html, re.S).group(0)
    assert "Responder" in status and "Failure" in status and "Flare at M5" in status
    assert clinician.get(reverse("clinical:adjudicate", args=[patient.pk, "M0"])).status_code == 404


def test_history_shows_who_changed_what(clinician, patient, users):
    url = reverse("clinical:visit_update", args=[add_visit(patient, D0, ["rash"], pga="1.0").pk])
    clinician.post(url, visit_data(descriptors=["rash"], pga="0.5", version="1"))
    visit = Visit.objects.get()
    html = clinician.get(reverse("clinical:history", args=["visit", visit.pk])).content.decode()
    assert "clinician" in html
    assert re.search(r"<del>1[.,]0</del> → 0[.,]5", html), html
    assert clinician.get(reverse("clinical:history", args=["nothing", 1])).status_code == 404
    assert clinician.get(reverse("clinical:history", args=["lab", 999])).status_code == 404


def test_patient_page_includes_the_clinical_panel(client_for, patient):
    add_visit(patient, D0, ["rash"], pga="0.5")
    for role, entry_links in (("clinician", True), ("pharmacist", False)):
        html = client_for(role).get(reverse("clinical:patient_detail", args=[patient.pk]))
        html = html.content.decode()
        assert 'id="clinical-panel"' in html
        assert reverse("clinical:timeline", args=[patient.pk]) in html
        assert (reverse("clinical:visit_create", args=[patient.pk]) in html) is entry_links


def test_a_record_entered_by_mistake_is_deactivated_never_deleted(clinician, patient):
    lab = add_lab(patient, D0, "c3", "0.65", "g/L", "0.79", "1.53")
    url = reverse("clinical:record_deactivate", args=["lab", lab.pk])
    page = clinician.get(url)
    assert "C3 of 05/01/2026" in page.content.decode()
    assert page.context["form"]["version"].value() == 1
    no_reason = clinician.post(url, {"version": "1", "reason": " "})
    assert "reason" in no_reason.context["form"].errors
    LabResult.objects.filter(pk=lab.pk).update(version=2)  # someone corrected it meanwhile
    stale = clinician.post(url, {"version": "1", "reason": "entered twice"})
    assert "nothing was deactivated" in stale.content.decode()
    assert stale.context["form"]["version"].value() == 2  # confirming again is deliberate
    assert LabResult.objects.get().is_active
    assert clinician.post(url, {"version": "2", "reason": "entered twice"}).status_code == 302
    lab = LabResult.objects.get()
    latest = lab.history.latest()
    assert not lab.is_active and latest.history_user.username == "clinician"
    assert latest.history_change_reason == "deactivated: entered twice"
    timeline = clinician.get(reverse("clinical:timeline", args=[patient.pk]))
    assert timeline.context["summary"].records.labs == []
    assert clinician.get(reverse("clinical:lab_update", args=[lab.pk])).status_code == 404
    assert clinician.post(url, {"version": "3", "reason": "again"}).status_code == 404
    assert clinician.get(reverse("clinical:record_deactivate", args=["x", 1])).status_code == 404


def test_a_withdrawn_adjudication_leaves_room_for_a_new_one(clinician, patient):
    url = reverse("clinical:adjudicate", args=[patient.pk, "M6"])
    clinician.post(url, {"status": "failure", "reason": "Flare"})
    first = Adjudication.objects.get()
    withdraw = reverse("clinical:record_deactivate", args=["adjudication", first.pk])
    reason = {"version": "1", "reason": "wrong time point"}
    assert clinician.post(withdraw, reason).status_code == 302
    clinician.post(url, {"status": "responder", "reason": "Reviewed"})
    assert Adjudication.objects.filter(is_active=True).get().status == "responder"
