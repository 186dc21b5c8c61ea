"""Defaults of every clinical number a department may change (DOMAIN.md).

`belimumab.settings.BELIMUMAB` starts from these values; the Django layer reads the settings and
passes the numbers to the pure functions of this package, which only fall back on these defaults
when called directly (tests, command line).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

# Intravenous dosing: 10 mg/kg at D0, D14, D28, then every 28 days (Benlysta SmPC).
IV_DOSE_MG_PER_KG = 10
IV_LOADING_INTERVALS_DAYS = (14, 14)
IV_INTERVAL_DAYS = 28
# Subcutaneous: 200 mg weekly.
SC_DOSE_MG = 200
SC_INTERVAL_DAYS = 7

# Vials: 120 mg and 400 mg powder, 80 mg/mL once reconstituted, 250 mL bag, 8 h limit.
VIAL_SIZES_MG = (120, 400)
CONCENTRATION_MG_PER_ML = 80
BAG_VOLUME_ML = 250
MAX_HOURS_RECONSTITUTION_TO_END = 8
# Price per vial: the UK list prices as a starting point, which a department replaces with its
# own on the settings screen (a French hospital pays in EUR, the default currency).
VIAL_PRICES = {120: 121.50, 400: 405.00}
CURRENCY = "EUR"
# The seeded prices are in force from this date on (an infusion before the first effective date
# of a vial is costed at that first price).
SEED_PRICE_DATE = date(2000, 1, 1)
# The header of the preparation sheets: the hospital's name and address lines (a department
# writes its own on the settings screen; BELIMUMAB_SHEET_HEADER seeds it, "\n" between lines).
SHEET_HEADER = "Hospital pharmacy"
# Dose rounding the department allows (percent under the prescribed dose); 0 = none.
ROUNDING_TOLERANCE_PCT = 5.0

# Weight accepted at an infusion, and the change since the last one that asks for confirmation.
MAX_WEIGHT_KG = 250
WEIGHT_CHANGE_CONFIRM_PCT = 10.0

# Cohort exclusion: interruption (days beyond the scheduled interval) within the first year.
MAX_INTERRUPTION_DAYS = 61
FIRST_YEAR_DAYS = 365

# Time points: nominal day after D0 and the window around it (days).
TIMEPOINT_DAYS = {"M0": 0, "M6": 182, "M12": 365}
BASELINE_WINDOW = (-30, 7)
TIMEPOINT_WINDOW = (-45, 45)

# SELENA-SLEDAI activity bands: lower bound of each class (the study's bands).
ACTIVITY_BANDS = ((0, "none"), (1, "mild"), (6, "moderate"), (11, "high"), (20, "very_high"))

# Lab thresholds proposing SLEDAI lab descriptors (10^9/L).
THROMBOCYTOPENIA_BELOW = 100
LEUKOPENIA_BELOW = 3

# Response: fall of the SELENA-SLEDAI that makes a responder; NICE continuation review at 24 weeks.
RESPONSE_SLEDAI_DROP = 4
CONTINUATION_REVIEW_DAYS = 168

# Subcutaneous lupus nephritis regimen: 400 mg weekly x4, then 200 mg weekly.
SC_NEPHRITIS_LOADING_DOSE_MG = 400
SC_NEPHRITIS_LOADING_COUNT = 4
# Water for reconstitution per vial size (mL): 120 mg -> 1.5 mL, 400 mg -> 4.8 mL (SmPC).
RECONSTITUTION_WATER_ML = {120: "1.5", 400: "4.8"}

# Worklist: days ahead shown as "due" (the interruption threshold above makes "to review").
WORKLIST_DAYS_AHEAD = 7
# Rows per worklist section and page: a registry of thousands of patients stays one screen.
WORKLIST_PAGE_SIZE = 25
# Subcutaneous pen (or pre-filled syringe): 200 mg; a dispensation of N pens covers N weeks.
SC_PEN_MG = 200

# Dates entered (forms): refused before 1 January 1900 (DOMAIN.md "Plausibility") and more than
# this many years after today (nothing is planned that far: a mistyped year, not a date).
EARLIEST_DATE = date(1900, 1, 1)
DATE_YEARS_AHEAD = 5
# Laboratory tests (DOMAIN.md): default unit, LOINC code, the laboratory's default normal range
# and the plausible range (both in the default unit), and the units a result may carry with the
# factor converting a value in that unit into the default unit. The plausible range is the hard
# limit of the plausibility table ("refused outside"); the department edits all but the factors.
LAB_TESTS: dict[str, dict[str, Any]] = {
    "anti_dsdna": {
        "unit": "IU/mL",
        "loinc": "5130-0",
        "lower": Decimal("0"),
        "upper": Decimal("50"),
        "plausible": (Decimal("0"), Decimal("10000")),
        "units": {"IU/mL": Decimal("1")},
    },
    "ch50": {
        "unit": "U/mL",
        "loinc": "4532-8",
        "lower": Decimal("38"),
        "upper": Decimal("79"),
        "plausible": (Decimal("0"), Decimal("200")),
        "units": {"U/mL": Decimal("1")},
    },
    "c3": {
        "unit": "g/L",
        "loinc": "4485-9",
        "lower": Decimal("0.79"),
        "upper": Decimal("1.53"),
        "plausible": (Decimal("0"), Decimal("5")),
        "units": {"g/L": Decimal("1"), "mg/dL": Decimal("0.01")},
    },
    "c4": {
        "unit": "g/L",
        "loinc": "4498-2",
        "lower": Decimal("0.15"),
        "upper": Decimal("0.40"),
        "plausible": (Decimal("0"), Decimal("2")),
        "units": {"g/L": Decimal("1"), "mg/dL": Decimal("0.01")},
    },
    "platelets": {
        "unit": "10^9/L",
        "loinc": "777-3",
        "lower": Decimal("150"),
        "upper": Decimal("400"),
        "plausible": (Decimal("0"), Decimal("2000")),
        "units": {"10^9/L": Decimal("1"), "G/L": Decimal("1")},
    },
    "leukocytes": {
        "unit": "10^9/L",
        "loinc": "6690-2",
        "lower": Decimal("4"),
        "upper": Decimal("10"),
        "plausible": (Decimal("0"), Decimal("300")),
        "units": {"10^9/L": Decimal("1"), "G/L": Decimal("1")},
    },
    "proteinuria": {
        "unit": "g/24h",
        "loinc": "2889-4",
        "lower": Decimal("0"),
        "upper": Decimal("0.5"),
        "plausible": (Decimal("0"), Decimal("30")),
        "units": {"g/24h": Decimal("1"), "mg/24h": Decimal("0.001")},
    },
    "upcr": {
        "unit": "g/g",
        "loinc": "2890-2",
        "lower": Decimal("0"),
        "upper": Decimal("0.5"),
        # DOMAIN.md gives no hard limit for the ratio; 30 g/g is as far as proteinuria goes.
        "plausible": (Decimal("0"), Decimal("30")),
        # 1 mmol of creatinine weighs 113.12 mg: 1 mg/mmol = 1 / 113.12 g/g.
        "units": {"g/g": Decimal("1"), "mg/mmol": Decimal("1") / Decimal("113.12")},
    },
}

# Cohort import limits (docs/data-format.md "Limits"), sized on real files: the generated
# 10,000-patient cohort's largest file is labs.csv, 10 MB and 212,000 rows (2 years); its
# workbook is 16 MB, 210 MB of XML once unpacked; CSV files compress 7-9 times, sheets 11-14.
IMPORT_FILE_MB = 50  # one CSV file, one member of a .zip, one .xlsx workbook
IMPORT_UNPACKED_MB = 500  # everything a .zip or .xlsx holds once unpacked
IMPORT_COMPRESSION_RATIO = 100  # unpacked / packed size of a member (a zip bomb: ~1,000)
IMPORT_ROWS = 500_000  # rows of one file or sheet
IMPORT_CELLS = 15_000_000  # cells of one file or sheet (500,000 rows x 30 columns)
# Pens the form proposes for a first dispensation (4 weeks) and the most one dispensation may
# hold (26 weeks: half a year, well beyond any hospital pharmacy's practice).
SC_PENS_PER_DISPENSATION = 4
MAX_PENS_PER_DISPENSATION = 26
# Plausibility of what is entered (DOMAIN.md "Plausibility of what is entered"): outside the hard
# range a value is refused; beyond the usual limit it is accepted only once confirmed.
PLAUSIBLE_WEIGHT_KG = (10, 250)  # weight for an IV dose; MAX_WEIGHT_KG above is its upper end
# Interval since the previous administration: earlier than the scheduled interval minus these
# days asks for confirmation (per route); the same day is refused.
INTERVAL_CONFIRM_MARGIN_DAYS = {"iv": 7, "sc": 3}
PLAUSIBLE_PREDNISONE_MG_DAY = (0, 1250)
PREDNISONE_CONFIRM_ABOVE_MG_DAY = 100  # a pulse?
# Per lab test, in its default unit: the hard range (LAB_TESTS' "plausible", which the
# department's settings edit; the form and the import read those).
PLAUSIBLE_LAB_RANGES = {
    code: (str(test["plausible"][0]), str(test["plausible"][1])) for code, test in LAB_TESTS.items()
}
# C3 / C4 typed in mg/dL into a g/L field: a value in this range is offered divided by 100.
MG_DL_SUSPECT_RANGES = {"c3": ("10", "500"), "c4": ("10", "500")}
MG_DL_PER_G_L = 100
EARLIEST_CLINICAL_DATE = EARLIEST_DATE.isoformat()
VISIT_BEFORE_D0_CONFIRM_DAYS = 365
COURSE_START_AHEAD_CONFIRM_DAYS = 365
# Pseudonymous patient code: 1-32 letters, digits or . _ / -, starting with a letter or a digit
# (the importer's rule since issue 3, the form's too).
PATIENT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$"

# Stock (issue 14): the presentations a pharmacy keeps, lots expiring within the horizon are
# flagged on the stock page, and planning orders for its horizon plus the safety margin.
STOCK_PRESENTATIONS = ("iv120", "iv400", "sc200")
STOCK_EXPIRY_HORIZON_DAYS = 90
ORDER_SAFETY_MARGIN_DAYS = 14
# Demonstration product codes (GTIN-14, valid check digits, not a real pack's): the department
# enters its packs' codes on the settings screen.
DEMO_GTINS = {
    "iv120": ("03400912345676",),
    "iv400": ("03400912345683",),
    "sc200": ("03400912345690",),
}
