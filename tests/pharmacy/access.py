"""Who may use each pharmacy URL (tests/test_access.py runs every role, GET and POST).

GET-only views (worklist, sheet, dose plan) answer POST with 405: tests/pharmacy/test_views.py.
The PDF sheets, the day's page, the reprints and the archive are for those who print
(pharmacists and administrators): a PDF is frozen with names and birth dates, so never for the
department head (no identity), and not the clinician (printing is the pharmacy's act).
"""

from datetime import date

from belimumab.stock.models import VialLot
from tests.access_spec import ADMINISTRATOR, ALL_ROLES, DEPARTMENT_HEAD, PHARMACIST, Rule

PHARMACY = frozenset({PHARMACIST})
# the planning reads the worklist and the stock: those who read the stock (clinicians do not)
PLANNING = frozenset({PHARMACIST, ADMINISTRATOR, DEPARTMENT_HEAD})
PRINT = frozenset({PHARMACIST, ADMINISTRATOR})


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
    Rule("pharmacy:infusion_sheet_pdf", get=PRINT, kwargs=lambda w: {"pk": w.infusion.pk}),
    Rule(
        "pharmacy:infusion_sheet_reprint",
        post=PRINT,
        kwargs=lambda w: {"pk": w.infusion.pk},
        ok_status=(302,),
    ),
    Rule("pharmacy:day_sheets", get=PRINT, query="?date=2026-01-05"),
    Rule("pharmacy:day_sheets_pdf", get=PRINT, query="?date=2026-01-05"),
    Rule(
        "pharmacy:day_sheets_reprint",
        post=PRINT,
        post_data=lambda w: {"date": "2026-01-05"},
        ok_status=(302,),
    ),
    Rule("pharmacy:printed_sheet", get=PRINT, kwargs=lambda w: {"pk": w.printed.pk}),
]
