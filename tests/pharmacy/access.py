"""Who may use each pharmacy URL (tests/test_access.py runs every role, GET and POST).

GET-only views (worklist, sheet, dose plan) answer POST with 405: tests/pharmacy/test_views.py.
"""

from datetime import date

from belimumab.stock.models import VialLot
from tests.access_spec import ADMINISTRATOR, ALL_ROLES, DEPARTMENT_HEAD, PHARMACIST, Rule

PHARMACY = frozenset({PHARMACIST})
# the planning reads the worklist and the stock: those who read the stock (clinicians do not)
PLANNING = frozenset({PHARMACIST, ADMINISTRATOR, DEPARTMENT_HEAD})


def _lot(world):
    lot, _ = VialLot.objects.get_or_create(
        presentation="iv120", number="ACC-TRACE", defaults={"expiry": date(2030, 1, 31)}
    )
    return {"pk": lot.pk}


RULES = [
    Rule("pharmacy:worklist", get=ALL_ROLES),
    Rule(
        "pharmacy:infusion_record",
        get=PHARMACY,
        post=PHARMACY,
        kwargs=lambda w: {"patient_id": w.patient.pk},
    ),
    Rule(
        "pharmacy:infusion_edit",
        get=PHARMACY,
        post=PHARMACY,
        kwargs=lambda w: {"pk": w.infusion.pk},
    ),
    Rule(
        "pharmacy:infusion_deactivate",
        get=PHARMACY,
        post=PHARMACY,
        kwargs=lambda w: {"pk": w.infusion.pk},
    ),
    Rule("pharmacy:infusion_sheet", get=ALL_ROLES, kwargs=lambda w: {"pk": w.infusion.pk}),
    Rule("pharmacy:dose_plan", get=PHARMACY, query="?weight=70"),
    # traceability (issue 14): every role reads who received a lot (a recall needs the
    # clinicians; department heads read every infusion already, codes only) and exports it
    Rule("pharmacy:lot_traceability", get=ALL_ROLES, kwargs=_lot),
    Rule("pharmacy:lot_traceability", get=ALL_ROLES, kwargs=_lot, query="?format=csv"),
    Rule("pharmacy:lot_traceability", get=ALL_ROLES, kwargs=_lot, query="?format=xlsx"),
    Rule("pharmacy:patient_lots", get=ALL_ROLES, kwargs=lambda w: {"pk": w.patient.pk}),
    Rule("pharmacy:planning", get=PLANNING),
]
