"""British English, as a European reads it: day-first dates, typed and shown.

Django's plain "en" reads "03/12/2026" as 12 March; here it is 3 December. Used for "en-gb" and
for "en" alike (Django looks for belimumab.formats.en_GB, then belimumab.formats.en). Every value
is set so that nothing falls back to the American defaults. ISO dates (2026-12-03) are always
accepted too: Django appends them to DATE_INPUT_FORMATS.
"""

DATE_FORMAT = "j M Y"  # 3 Dec 2026
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"  # 03/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# Day first only: a month-first reading is never tried.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
