"""Dates day first and numbers grouped by thousands, in French and in British English, shown and
typed alike (belimumab/formats/<language>/formats.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, timezone, translation

from belimumab.core.forms import DATE_WIDGET, LocalizedDecimalField, date_field

NNBSP = "\N{NARROW NO-BREAK SPACE}"


def render(text: str, **context) -> str:
    return Template("{% load l10n %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", f"10{NNBSP}408,50 · 1{NNBSP}479 · 03/12/2026 · 3 décembre 2026"),
        ("en-gb", "10,408.50 · 1,479 · 03/12/2026 · 3 Dec 2026"),
        ("en", "10,408.50 · 1,479 · 03/12/2026 · 3 Dec 2026"),  # a bare "en" is British too
    ],
)
def test_numbers_are_grouped_and_dates_day_first(language, expected):
    template = (
        '{{ cost|floatformat:2 }} · {{ vials }} · {{ day|date:"SHORT_DATE_FORMAT" }} · {{ day }}'
    )
    with translation.override(language):
        assert render(template, cost=Decimal("10408.50"), vials=1479, day=date(2026, 12, 3)) == (
            expected
        )


def test_numbers_in_attributes_and_urls_stay_plain():
    with translation.override("fr"):
        assert render('data-patient="{{ pk|unlocalize }}"', pk=12345) == 'data-patient="12345"'


@pytest.mark.parametrize("language", ["fr", "en-gb", "en"])
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("03/12/2026", date(2026, 12, 3)),  # 3 December, never 12 March
        ("3/12/2026", date(2026, 12, 3)),
        ("31/01/2026", date(2026, 1, 31)),
        ("2026-12-03", date(2026, 12, 3)),  # ISO is always read
        ("03/12/26", date(2026, 12, 3)),
    ],
)
def test_a_typed_date_is_read_day_first_in_every_language(language, typed, expected):
    with translation.override(language):
        assert date_field("Date").clean(typed) == expected


@pytest.mark.parametrize("language", ["fr", "en-gb"])
def test_a_month_first_date_is_refused(language):
    with translation.override(language), pytest.raises(forms.ValidationError):
        date_field("Date").clean("12/31/2026")


def test_a_date_field_shows_its_date_day_first_in_english():
    with translation.override("en-gb"):
        html = forms.DateField(widget=DATE_WIDGET, localize=True).widget.render(
            "d", date(2026, 12, 3)
        )
    assert 'value="03/12/2026"' in html


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("fr", "70,5", Decimal("70.5")),
        ("fr", "70.5", Decimal("70.5")),
        ("fr", f"1{NNBSP}250,5", Decimal("1250.5")),
        ("fr", "1 250,5", Decimal("1250.5")),
        ("en-gb", "70.5", Decimal("70.5")),
        ("en-gb", "1,250.5", Decimal("1250.5")),
        ("en-gb", "1250", Decimal("1250")),
    ],
)
def test_a_typed_decimal_is_read_the_users_way(language, typed, expected):
    with translation.override(language):
        assert LocalizedDecimalField(localize=True).clean(typed) == expected


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        # Django alone would read 705 kg: the comma looks like a thousands separator
        ("en-gb", "70,5", 'Write decimals with ".", as in 70.5.'),
        ("en-gb", "7,5", 'Write decimals with ".", as in 70.5.'),
        ("en-gb", "1,25,0", 'Write decimals with ".", as in 70.5.'),
        ("fr", "7 5", "Écrivez les décimales avec « , », comme dans 70,5."),
    ],
)
def test_a_decimal_comma_in_english_is_refused_not_multiplied(language, typed, message):
    with translation.override(language), pytest.raises(forms.ValidationError) as error:
        LocalizedDecimalField(localize=True).clean(typed)
    assert error.value.messages == [message]


def test_the_weight_typed_with_a_comma_in_english_is_refused_beside_the_field(
    client_for, make_patient
):
    today = timezone.localdate()
    patient = make_patient(start=today)
    client = client_for("pharmacist")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("pharmacy:infusion_record", args=[patient.pk]),
        {"date": today.strftime("%d/%m/%Y"), "weight_kg": "70,5"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["weight_kg"] == ['Write decimals with ".", as in 70.5.']
    assert not patient.infusions.exists()


def test_the_decimal_separator_follows_the_formats_modules():
    with translation.override("fr"):
        assert formats.get_format("THOUSAND_SEPARATOR") == NNBSP
        assert formats.get_format("DECIMAL_SEPARATOR") == ","
    with translation.override("en-gb"):
        assert formats.get_format("DATE_INPUT_FORMATS")[:2] == ["%d/%m/%Y", "%d/%m/%y"]
