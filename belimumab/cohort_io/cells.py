"""The cells of one row read as typed values, each bad value recorded as a `Problem`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from belimumab.cohort_io.formats import RawTable, parse_date
from belimumab.cohort_io.results import Problem

# Accepted spellings (lowercase) -> stored value, for each list of choices.
_CHOICE_MAPS: dict[tuple[str, ...], dict[str, str]] = {}


def _choice_map(choices: Sequence[str]) -> dict[str, str]:
    key = tuple(choices)
    found = _CHOICE_MAPS.get(key)
    if found is None:
        found = _CHOICE_MAPS[key] = {c.lower(): c for c in key}
    return found


# Parsed decimals by (text, digits, places, positive, maximum): doses and lab values repeat.
_DECIMALS: dict[tuple[Any, ...], Decimal] = {}


class Cells:
    """Reads the cells of one row, recording a Problem for each bad value."""

    __slots__ = ("columns", "label", "line", "ok", "problems", "today", "values")

    # Parsed dates by text, shared by every row: a cohort's dates repeat.
    _dates: dict[str, date] = {}

    def __init__(
        self,
        table: RawTable,
        line: int,
        values: dict[str, str],
        problems: list[Problem],
        today: date,
    ) -> None:
        self.label = table.label
        self.columns = table.columns
        self.line = line
        self.values = values
        self.problems = problems
        self.today = today
        self.ok = True
        if any("\x00" in value for value in values.values()):
            # PostgreSQL refuses NUL in text: refused here, with its place, not at the write.
            for column, value in values.items():
                if "\x00" in value:
                    self.problem(column, _("contains a NUL character (0x00)"))

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.label, self.line, column, message))

    def has(self, column: str) -> bool:
        return column in self.columns

    def raw(self, column: str) -> str:
        return self.values.get(column, "")

    # The readers below read `self.values.get(column, "")` themselves: they run for every cell.

    def required(self, column: str) -> str | None:
        text = self.values.get(column, "")
        if not text:
            self.problem(column, _("required"))
            return None
        return text

    def text(self, column: str, max_length: int | None = None, required: bool = False) -> str:
        text = self.values.get(column, "")
        if required and not text:
            self.problem(column, _("required"))
        if max_length is not None and len(text) > max_length:
            self.problem(
                column,
                _("too long: %(length)d characters, at most %(max)d")
                % {"length": len(text), "max": max_length},
            )
        return text

    def date(self, column: str, required: bool = False, future_ok: bool = False) -> date | None:
        text = self.values.get(column, "")
        if not text:
            if required:
                self.problem(column, _("required"))
            return None
        day = self._dates.get(text)
        if day is None:
            day = parse_date(text)
            if day is None:
                self.problem(
                    column,
                    _("%(value)r is not a date: write YYYY-MM-DD or DD/MM/YYYY")
                    % {"value": text[:40]},
                )
                return None
            if len(self._dates) < 100_000:
                self._dates[text] = day
        if not future_ok and day > self.today:
            self.problem(column, _("%(date)s is in the future") % {"date": text})
            return None
        return day

    def choice(self, column: str, choices: Sequence[str], default: str | None = None) -> str | None:
        text = self.values.get(column, "")
        if not text:
            if default is None:
                self.problem(column, _("required"))
            return default
        found = _choice_map(choices).get(text.lower())
        if found is None:
            self.problem(
                column,
                _("%(value)r is not one of: %(allowed)s")
                % {"value": text[:40], "allowed": ", ".join(choices)},
            )
        return found

    def choice_list(self, column: str, choices: Sequence[str]) -> list[str]:
        text = self.values.get(column, "")
        if not text:
            return []
        found: set[str] = set()
        for item in text.split(";"):
            item = item.strip().lower()
            if not item:
                continue
            if item in choices:
                found.add(item)
            else:
                hint = _(" (separate items with ;)") if "," in item else ""
                self.problem(
                    column,
                    _("%(value)r is not one of: %(allowed)s")
                    % {"value": item[:40], "allowed": ", ".join(choices)}
                    + hint,
                )
        return [c for c in choices if c in found]

    def boolean(self, column: str, default: bool = False) -> bool:
        text = self.values.get(column, "").lower()
        if not text:
            return default
        if text in ("yes", "no"):
            return text == "yes"
        self.problem(column, _("%(value)r: write yes or no") % {"value": text[:40]})
        return default

    def decimal(
        self,
        column: str,
        *,
        max_digits: int,
        places: int,
        required: bool = False,
        positive: bool = False,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        text = self.values.get(column, "")
        if not text:
            if required:
                self.problem(column, _("required"))
            return None
        spec = (text, max_digits, places, positive, maximum)
        cached = _DECIMALS.get(spec)
        if cached is not None:
            return cached
        candidate = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
        try:
            value = Decimal(candidate)
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.problem(column, _("%(value)r is not a number") % {"value": text[:40]})
            return None
        if value < 0 or (positive and value == 0):
            message = _("must be above 0") if positive else _("must not be negative")
            self.problem(column, f"{message} ({text})")
            return None
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            if value != value.quantize(Decimal(1).scaleb(-places)):
                self.problem(
                    column,
                    _("%(value)s: at most %(places)d decimals") % {"value": text, "places": places},
                )
                return None
            value = value.quantize(Decimal(1).scaleb(-places))
        limit = Decimal(10) ** (max_digits - places)
        if value >= limit or (maximum is not None and value > maximum):
            shown = maximum if maximum is not None else limit
            self.problem(
                column,
                _("%(value)s is too large (limit %(limit)s)") % {"value": text, "limit": shown},
            )
            return None
        if len(_DECIMALS) < 200_000:
            _DECIMALS[spec] = value
        return value

    def integer(self, column: str, minimum: int, maximum: int) -> int | None:
        text = self.values.get(column, "")
        if not text:
            return None
        if not re.fullmatch(r"-?\d+", text):
            self.problem(column, _("%(value)r is not a whole number") % {"value": text[:40]})
            return None
        value = int(text)
        if not minimum <= value <= maximum:
            self.problem(
                column,
                _("%(value)d is outside %(min)d..%(max)d")
                % {"value": value, "min": minimum, "max": maximum},
            )
            return None
        return value

    def patient(self, known: set[str]) -> str | None:
        code = self.required("patient")
        if code is not None and code not in known:
            self.problem("patient", _("unknown patient %(code)r") % {"code": code[:40]})
            return None
        return code
