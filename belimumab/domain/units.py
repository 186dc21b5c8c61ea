"""Calendar units the reports convert days with (not department settings: fixed conventions).

A year is the Julian year, 365.25 days (leap years averaged), as for patient-years in
pharmaco-epidemiology; a month is a twelfth of it, so that "month 6" of a curve and the months of
an event's text fall on the same days everywhere. The study's time points keep their own day
offsets (`defaults.TIMEPOINT_DAYS`: M6 = D0 + 182, M12 = D0 + 365).
"""

from __future__ import annotations

from typing import Final

DAYS_PER_YEAR: Final[float] = 365.25
DAYS_PER_MONTH: Final[float] = DAYS_PER_YEAR / 12
