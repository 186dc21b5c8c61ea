"""A living cohort as of a data cut-off: reached time points, follow-up end, retention times.

Dates are `datetime.date`; day counts are calendar days; `as_of` (the cut-off) is always passed
in. Pure standard library; codes and numbers, no labels.

Source: DOMAIN.md "A living cohort (data cut-off)" (everything dated after `as_of` does not exist
yet; reached time points; the "no infusion" exclusion; retention censored at the end of
follow-up or at `as_of`), "The treatment course" (an end of follow-up is not a stop), "Time
points" and "Precise readings" (stopped before T: a stop on or before the nominal date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from belimumab.domain.dates import shift
from belimumab.domain.defaults import BASELINE_WINDOW, TIMEPOINT_DAYS, TIMEPOINT_WINDOW
from belimumab.domain.response import nominal_date, on_treatment, window

__all__ = [
    "DEATH",
    "FOLLOW_UP_END_REASONS",
    "LOST_TO_FOLLOW_UP",
    "NO_INFUSION",
    "STUDY_END",
    "TRANSFERRED",
    "RetentionTime",
    "ended_by",
    "has_infusion_by",
    "on_belimumab_at",
    "reached",
    "reached_timepoints",
    "retention_time",
]

# Why follow-up ended without a decision to stop belimumab (DOMAIN.md "The treatment course").
LOST_TO_FOLLOW_UP = "lost_to_follow_up"
TRANSFERRED = "transferred"
DEATH = "death"
STUDY_END = "study_end"
FOLLOW_UP_END_REASONS: tuple[str, ...] = (LOST_TO_FOLLOW_UP, TRANSFERRED, DEATH, STUDY_END)

# Exclusion reason of a course with no administration on or before the cut-off.
NO_INFUSION = "no_infusion"


def ended_by(day: date | None, as_of: date) -> date | None:
    """`day` (a stop or an end of follow-up) when it happened on or before `as_of`, else None.

    A stop or follow-up end dated after the cut-off has not happened yet. Source: DOMAIN.md "A
    living cohort (data cut-off)".
    """
    return day if day is not None and day <= as_of else None


def reached(
    d0: date,
    tp: str,
    as_of: date,
    *,
    stop: date | None = None,
    follow_up_end: date | None = None,
    days: Mapping[str, int] = TIMEPOINT_DAYS,
    baseline: tuple[int, int] = BASELINE_WINDOW,
    other: tuple[int, int] = TIMEPOINT_WINDOW,
) -> bool:
    """Whether a patient has reached time point `tp` as of `as_of`.

    Reached when the window of `tp` has closed, nominal date + the days after it (M0: D0 + 7,
    M6: D0 + 182 + 45, M12: D0 + 365 + 45 by default) <= `as_of`, and follow-up did not end
    without a stop before the nominal date. A patient stopped before T (stop on or before the
    nominal date) reaches T on the same window rule, whatever the follow-up did afterwards.
    An end of follow-up strictly before the nominal date means T is never reached; one on the
    nominal date does not (the patient was followed up to T). Stops and ends dated after
    `as_of` are ignored. Source: DOMAIN.md "A living cohort (data cut-off)", "Time points".
    """
    nominal = nominal_date(d0, tp, days)
    window_closed = shift(nominal, window(tp, baseline, other)[1]) <= as_of
    stopped = ended_by(stop, as_of)
    if stopped is not None and stopped <= nominal:
        return window_closed
    ended = ended_by(follow_up_end, as_of)
    if ended is not None and ended < nominal:
        return False
    return window_closed


def reached_timepoints(
    d0: date,
    as_of: date,
    *,
    stop: date | None = None,
    follow_up_end: date | None = None,
    days: Mapping[str, int] = TIMEPOINT_DAYS,
    baseline: tuple[int, int] = BASELINE_WINDOW,
    other: tuple[int, int] = TIMEPOINT_WINDOW,
) -> dict[str, bool]:
    """`reached` for every time point of `days` (M0, M6, M12 by default), by time point."""
    return {
        tp: reached(
            d0,
            tp,
            as_of,
            stop=stop,
            follow_up_end=follow_up_end,
            days=days,
            baseline=baseline,
            other=other,
        )
        for tp in days
    }


def on_belimumab_at(start: date, stop: date | None, nominal: date, as_of: date) -> bool:
    """Whether a patient is on belimumab at `nominal` as the data stand on `as_of`.

    `response.on_treatment` (started on or before the nominal date, not stopped by it: a stop on
    the nominal date means not on treatment) with the stop ignored when it is dated after
    `as_of`, and False for a course starting after `as_of` (not in the cohort yet). Whether the
    patient has reached the time point is a separate question (`reached`). Source: DOMAIN.md
    "Time points", "Precise readings", "A living cohort (data cut-off)".
    """
    if start > as_of:
        return False
    return on_treatment(start, ended_by(stop, as_of), nominal)


def has_infusion_by(given: Iterable[date], as_of: date) -> bool:
    """Whether any administration is dated on or before `as_of`.

    A course without one is not analysed (excluded as `NO_INFUSION`) and is "first infusion due"
    on the worklist. Source: DOMAIN.md "A living cohort (data cut-off)".
    """
    return any(day <= as_of for day in given)


@dataclass(frozen=True)
class RetentionTime:
    """One patient's retention observation: `days` from D0, `event` True for a stop, False for
    a censoring (at the end of follow-up or at the cut-off)."""

    days: int
    event: bool


def retention_time(
    d0: date, stop: date | None, follow_up_end: date | None, as_of: date
) -> RetentionTime:
    """Time on belimumab for the Kaplan-Meier retention, as of `as_of`.

    The stop is the event when it is on or before `as_of`: days from D0 to the stop. Otherwise
    censored at the end of follow-up or at `as_of`, whichever comes first (an end after
    `as_of` has not happened yet); never at the last infusion or visit, which would make the
    curve collapse after the last record. Days never fall below 0. Raises ValueError for a
    course starting after `as_of` (not in the cohort). Source: DOMAIN.md "A living cohort (data
    cut-off)" (retention).
    """
    if d0 > as_of:
        raise ValueError("a course starting after the cut-off is not in the cohort")
    stopped = ended_by(stop, as_of)
    if stopped is not None:
        return RetentionTime(max(0, (stopped - d0).days), True)
    ended = ended_by(follow_up_end, as_of)
    end = as_of if ended is None else ended
    return RetentionTime(max(0, (end - d0).days), False)
