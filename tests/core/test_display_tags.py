"""`|display` gives what `get_FOO_display()` gives, in the active language; `{% tristate %}`
prints the three states of a criterion."""

from __future__ import annotations

from datetime import date

import pytest
from django.template import Context, Template
from django.utils import translation

from belimumab.clinical.models import AdverseEvent, LabResult, Visit


def _render(source: str, **context) -> str:
    return Template("{% load belimumab %}" + source).render(Context(context))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("test", [code for code, _ in LabResult._meta.get_field("test").choices])
def test_display_is_the_models_display_in_each_language(language, test):
    lab = LabResult(date=date(2026, 1, 5), test=test, value=1, unit="g/L")
    with translation.override(language):
        assert _render('{{ lab|display:"test" }}', lab=lab) == lab.get_test_display()


def test_display_keeps_one_table_per_language():
    lab = LabResult(date=date(2026, 1, 5), test="platelets", value=250, unit="10^9/L")
    for language, expected in [("fr", "Plaquettes"), ("en", "Platelets"), ("fr", "Plaquettes")]:
        with translation.override(language):
            assert _render('{{ lab|display:"test" }}', lab=lab) == expected


def test_display_of_an_unknown_or_empty_value_is_the_value():
    ae = AdverseEvent(term="x", category="not-a-category", outcome="")
    assert _render('{{ ae|display:"category" }}', ae=ae) == "not-a-category"
    assert _render('{{ v|display:"flare"|default:"—" }}', v=Visit(flare=None)) == "—"


@pytest.mark.parametrize(
    ("value", "english", "french"),
    [
        (True, '<span class="badge text-bg-success">yes</span>', ">oui<"),
        (False, '<span class="badge text-bg-light border">no</span>', ">non<"),
        (None, 'title="Not enough data">—</span>', "—</span>"),
    ],
)
def test_tristate(value, english, french):
    with translation.override("en"):
        assert english in _render("{% tristate value %}", value=value)
    with translation.override("fr"):
        assert french in _render("{% tristate value %}", value=value)
