"""Who may use the stock pages: pharmacists and administrators move stock; department heads read
the stock and a lot's movements (planning, costs); clinicians do not see it."""

from datetime import date

from belimumab.stock.models import VialLot
from tests.access_spec import ADMINISTRATOR, DEPARTMENT_HEAD, PHARMACIST, Rule

WRITE = frozenset({PHARMACIST, ADMINISTRATOR})
READ = frozenset({PHARMACIST, ADMINISTRATOR, DEPARTMENT_HEAD})


def _lot(world):
    lot, _ = VialLot.objects.get_or_create(
        presentation="iv120", number="ACC-LOT", defaults={"expiry": date(2030, 1, 31)}
    )
    return {"pk": lot.pk}


RULES = [
    Rule("stock:stock", get=READ),
    Rule("stock:stock", get=READ, query="?empty=1"),
    Rule("stock:receive", get=WRITE, post=WRITE),
    Rule("stock:lot", get=READ, kwargs=_lot),
    Rule("stock:lot_remove", get=WRITE, post=WRITE, kwargs=_lot),
    Rule("stock:lot_count", get=WRITE, post=WRITE, kwargs=_lot),
]
