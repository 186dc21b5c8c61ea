"""`core.views.save_form`: the one way entry pages run a service for a valid form."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.core.exceptions import ValidationError

from belimumab.core.services import StaleRecord
from belimumab.core.views import save_form


class NameForm(forms.Form):
    name = forms.CharField()
    version = forms.IntegerField()


def bound() -> NameForm:
    form = NameForm({"name": "Dupont", "version": "3"})
    assert form.is_valid()
    return form


def test_a_saved_form_gives_the_service_value():
    outcome = save_form(bound(), lambda: "saved record")
    assert (outcome.saved, outcome.value, outcome.conflict) == (True, "saved record", None)


def test_a_service_error_goes_beside_its_field_and_nothing_is_saved():
    form = bound()

    def save():
        raise ValidationError({"name": "This name is taken."})

    outcome = save_form(form, save)
    assert (outcome.saved, outcome.conflict) == (False, None)
    assert form.errors["name"] == ["This name is taken."]


def test_a_lost_edit_race_shows_both_versions_and_restarts_from_the_stored_one():
    form = bound()
    current = SimpleNamespace(name="Durand", version=4)

    def save():
        raise StaleRecord(current)

    outcome = save_form(form, save)
    assert outcome.saved is False
    assert outcome.conflict["current"] is current
    # field by field: (label, stored) beside (label, entered)
    assert [(s[1], y[1]) for s, y in outcome.conflict["rows"]] == [("Durand", "Dupont")]
    assert form.data["version"] == 4  # saving again is deliberate
    assert not form.errors  # no field error: the conflict panel says it


def test_a_page_may_show_the_conflict_its_own_way():
    form = bound()
    current = SimpleNamespace(name="Durand", version=4)

    def save():
        raise StaleRecord(current)

    outcome = save_form(form, save, conflict=lambda f, c: {"mine": c.name})
    assert outcome.conflict == {"mine": "Durand"}
