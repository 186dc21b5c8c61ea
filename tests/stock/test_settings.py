"""The stock's department settings: product codes per presentation (seeded with demonstration
codes), the expiry horizon and the order safety margin; edited on the settings screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from belimumab.department import selectors
from belimumab.department.models import Department
from belimumab.stock import services
from tests.stock.helpers import GTIN_120, GTIN_400, GTIN_PEN, OTHER_GTIN, gtin

pytestmark = pytest.mark.django_db
EDIT = reverse("department:edit")


def _general(**changes):
    department = Department.objects.get()
    fields = [f for f in department._meta.concrete_fields if f.editable and f.name != "id"]
    data = {f.name: getattr(department, f.name) for f in fields if f.name != "is_active"}
    return {**data, "version": department.version, **changes}


def test_seeded_with_the_demonstration_codes_and_the_default_days():
    department = Department.objects.get()
    assert department.gtins() == {"iv120": [GTIN_120], "iv400": [GTIN_400], "sc200": [GTIN_PEN]}
    assert (department.stock_expiry_horizon_days, department.order_safety_margin_days) == (90, 14)
    current = selectors.current()
    assert current.presentation_of(GTIN_PEN) == "sc200"
    assert current.presentation_of(OTHER_GTIN) is None
    assert (current.stock_expiry_horizon_days, current.order_safety_margin_days) == (90, 14)


def test_the_administrator_adds_a_code_and_changes_the_horizon(english, users):
    new = gtin("0340091234599")
    client = english("administrator")
    response = client.post(
        EDIT, _general(gtins_iv120=f"{GTIN_120}, {new}", stock_expiry_horizon_days=30)
    )
    assert response.status_code == 302
    selectors.forget()
    assert selectors.current().presentation_of(new) == "iv120"
    # a lot expiring in 60 days is no longer flagged
    today = timezone.localdate()
    services.lot_receive(
        presentation="iv120",
        number="L60",
        expiry=today + timedelta(days=60),
        vials=1,
        on_date=today,
        user=users["pharmacist"],
    )
    page = client.get(reverse("stock:stock")).content.decode()
    assert 'class="" data-lot="L60"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gtins_iv400", "123", "Not a GTIN-14"),
        ("gtins_iv400", GTIN_120[:-1] + "9", "Not a GTIN-14"),  # check digit wrong
        ("gtins_iv400", GTIN_120, "one presentation only"),  # already the 120 mg vial's
        ("stock_expiry_horizon_days", "9999", "less than or equal to 730"),
    ],
)
def test_wrong_codes_are_refused_beside_the_field(english, field, value, message):
    before = Department.objects.get().version
    response = english("administrator").post(EDIT, _general(**{field: value}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Department.objects.get().version == before
