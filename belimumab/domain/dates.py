"""Date arithmetic that never overflows.

A date near the end of the calendar (a mistyped or hostile 31/12/9999 that reached the
database before forms bounded dates, or an import) plus an interval raised `OverflowError`, a
server error on every page computing a schedule. Every domain function adds days through
`shift`, which holds the result within `date.min .. date.max`: a due date "after the end of the
calendar" is the calendar's last day, which sorts and compares as such.
"""

from __future__ import annotations

from datetime import date, timedelta


def shift(day: date, days: int) -> date:
    """`day` plus `days` (negative: minus), held within `date.min .. date.max`.

    >>> shift(date(2026, 1, 5), 14)
    datetime.date(2026, 1, 19)
    >>> shift(date.max, 28)
    datetime.date(9999, 12, 31)
    >>> shift(date.min, -1)
    datetime.date(1, 1, 1)
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min
