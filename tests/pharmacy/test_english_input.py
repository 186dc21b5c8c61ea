"""A pharmacist working in English types dates day first, as in French (British English)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from belimumab.pharmacy.models import Infusion


def test_an_ambiguous_date_typed_in_english_is_day_first(client_for, iv_patient, payload, today):
    # the last infusion was 42 days ago: a day since then whose day and month could swap
    day = next(
        today - timedelta(days=n)
        for n in range(41)
        if (today - timedelta(days=n)).day <= 12
        and (today - timedelta(days=n)).day != (today - timedelta(days=n)).month
    )
    client = client_for("pharmacist")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("pharmacy:infusion_record", args=[iv_patient.pk])
    form = client.get(url).content.decode()
    assert f'value="{today:%d/%m/%Y}"' in form  # the date field is offered day first too
    response = client.post(url, payload(date=day.strftime("%d/%m/%Y"), weight_kg="70.5"))
    assert response.status_code == 302, response.context["form"].errors
    infusion = Infusion.objects.get(patient=iv_patient, date=day)
    assert infusion.weight_kg == Decimal("70.5")
