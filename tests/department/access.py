"""Who may use the department's settings screens: administrators only (and superusers)."""

from belimumab.department.models import VialPrice
from tests.access_spec import ADMINISTRATOR, Rule

ADMIN = frozenset({ADMINISTRATOR})


def _price(world):
    return {"pk": VialPrice.objects.filter(vial_mg=120).first().pk}


RULES = [
    Rule("department:settings", get=ADMIN),
    Rule("department:edit", get=ADMIN, post=ADMIN),
    Rule("department:price_add", get=ADMIN, post=ADMIN),
    Rule("department:price_deactivate", post=ADMIN, kwargs=_price),
    Rule("department:lab_edit", get=ADMIN, post=ADMIN, kwargs=lambda w: {"test": "c3"}),
]
