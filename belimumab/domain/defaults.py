"""Defaults of every clinical number a department may change (DOMAIN.md).

`belimumab.settings.BELIMUMAB` starts from these values; the Django layer reads the settings and
passes the numbers to the pure functions of this package, which only fall back on these defaults
when called directly (tests, command line).
"""

from __future__ import annotations

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
# List price per vial (UK list price, GBP); a department sets its own.
VIAL_PRICES = {120: 121.50, 400: 405.00}
CURRENCY = "GBP"
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
# Pens the form proposes for a first dispensation (4 weeks) and the most one dispensation may
# hold (26 weeks: half a year, well beyond any hospital pharmacy's practice).
SC_PENS_PER_DISPENSATION = 4
MAX_PENS_PER_DISPENSATION = 26
