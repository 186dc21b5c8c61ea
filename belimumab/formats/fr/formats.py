"""French dates and numbers: 03/12/2026, 10 408,50.

The thousands separator is the narrow no-break space (U+202F) that French typography uses
between groups of digits (Django's own French formats use the wider U+00A0). Typed numbers may
use either, or a plain space: Django removes the separator and its compatibility form (a space)
before reading a localized number.
"""

DATE_FORMAT = "j F Y"  # 3 décembre 2026
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"  # 03/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # lundi

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\N{NARROW NO-BREAK SPACE}"
NUMBER_GROUPING = 3
