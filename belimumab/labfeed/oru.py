"""Reading an HL7 v2 ORU^R01 message (python `hl7` package) into plain observations.

Every problem names the segment's line and the field (`OBX-5`), so a file import reports
`FILE:LINE: COLUMN: message` and the HTTP answer's ACK carries the same text. Nothing here
touches the database: a message is read whole, then written whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import hl7
from django.utils.translation import gettext as _

# final and corrected results enter the list; preliminary, cancelled or deleted ones would need
# a rule nobody has written yet, so they refuse the message rather than vanish silently
TAKEN_STATUSES = ("F", "C")
NUMERIC_TYPES = ("NM",)
MAX_VALUE = Decimal("9999999.999")  # LabResult.value: 10 digits, 3 decimals
_RANGE = re.compile(
    r"^\s*(?P<low>\d+(?:\.\d+)?)?\s*(?P<op>-|<=?|>=?)?\s*(?P<high>\d+(?:\.\d+)?)?\s*$"
)


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.column}: {self.message}"


class MessageProblems(Exception):
    """The message cannot be taken; `reject` (AR) when it is not a readable ORU^R01 at all."""

    def __init__(
        self, problems: list[Problem], *, reject: bool = False, parsed: Any = None
    ) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.reject = reject
        self.parsed = parsed  # the hl7.Message when it could be read (to answer its control id)


@dataclass(frozen=True)
class Observation:
    line: int
    set_id: int
    order_id: str
    hospital_id: str
    system: str
    code: str
    code_text: str
    value: Decimal
    unit: str
    reference_range: str
    lower: Decimal | None
    upper: Decimal | None
    observed_on: date
    is_correction: bool


@dataclass(frozen=True)
class OruMessage:
    control_id: str
    parsed: Any  # hl7.Message, kept to build the acknowledgement
    observations: list[Observation]


def normalise(text: str) -> str:
    """Segments separated by CR as the standard says (files often carry LF or CRLF)."""
    lines = [line for line in re.split(r"\r\n|\n|\r", text.strip()) if line.strip()]
    return "\r".join(lines) + "\r"


def hl7_date(text: str) -> date | None:
    """YYYYMMDD[HHMM[SS]][+ZZZZ] -> the date part, None when unreadable."""
    digits = text.strip()[:8]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def reference_limits(text: str) -> tuple[Decimal | None, Decimal | None] | None:
    """'0.9-1.8' -> (0.9, 1.8); '<30' -> (None, 30); '>0.5' -> (0.5, None); '' -> (None, None);
    None when unreadable."""
    if not text.strip():
        return None, None
    match = _RANGE.match(text)
    if match is None:
        return None
    low, op, high = match.group("low"), match.group("op") or "", match.group("high")
    if op == "-" and low and high:
        return Decimal(low), Decimal(high)
    if op.startswith("<") and high and not low:
        return None, Decimal(high)
    if op.startswith(">") and high and not low:
        return Decimal(high), None
    return None


def _field(segment: Any, index: int, component: int = 1) -> str:
    """A component of the field's first repetition as text ('' when absent).

    The library gives a plain string for a field without separators and raises IndexError
    past the end of a segment or field."""
    value: Any = segment
    for step in (index, 1, component):
        if isinstance(value, str):
            return value.strip() if step == 1 else ""
        try:
            value = value(step)
        except IndexError:
            return ""
    return str(value).strip()


def _header(parsed: Any) -> str:
    msh = parsed.segment("MSH")
    kind = f"{_field(msh, 9, 1)}^{_field(msh, 9, 2)}"
    if kind != "ORU^R01":
        raise MessageProblems(
            [
                Problem(
                    1, "MSH-9", _("Only ORU^R01 messages are taken, not %(kind)s.") % {"kind": kind}
                )
            ],
            reject=True,
        )
    control_id = _field(msh, 10)
    if not control_id:
        raise MessageProblems(
            [Problem(1, "MSH-10", _("The message control id is missing."))], reject=True
        )
    if len(control_id) > 50:
        raise MessageProblems(
            [Problem(1, "MSH-10", _("The message control id is longer than 50 characters."))],
            reject=True,
        )
    return control_id


def _value(obx: Any, line: int, problems: list[Problem]) -> Decimal | None:
    kind = _field(obx, 2)
    raw = _field(obx, 5)
    if kind not in NUMERIC_TYPES:
        problems.append(
            Problem(
                line,
                "OBX-2",
                _("The value type %(kind)s is not numeric (NM).") % {"kind": kind or "—"},
            )
        )
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value > MAX_VALUE:
        problems.append(
            Problem(
                line,
                "OBX-5",
                _("The value %(value)s is not a number between 0 and 9999999.999.")
                % {"value": raw or "—"},
            )
        )
        return None
    return value.quantize(Decimal("0.001"))


def _observation(
    obx: Any, line: int, hospital_id: str, order_id: str, order_date: str, problems: list[Problem]
) -> Observation | None:
    before = len(problems)
    status = _field(obx, 11)
    if status not in TAKEN_STATUSES:
        problems.append(
            Problem(
                line,
                "OBX-11",
                _("Only final (F) and corrected (C) results are taken, not %(status)s.")
                % {"status": status or "—"},
            )
        )
    code, system = _field(obx, 3, 1), _field(obx, 3, 3)
    if not code or not system:
        problems.append(Problem(line, "OBX-3", _("The test code or its coding system is missing.")))
    value = _value(obx, line, problems)
    observed_on = hl7_date(_field(obx, 14) or order_date)
    if observed_on is None:
        problems.append(
            Problem(line, "OBX-14", _("The observation date is missing or unreadable."))
        )
    reference_range = _field(obx, 7)
    limits = reference_limits(reference_range)
    if limits is None:
        problems.append(
            Problem(
                line,
                "OBX-7",
                _("Unreadable reference range: %(range)s.") % {"range": reference_range},
            )
        )
    set_id = _field(obx, 1)
    if len(problems) > before or value is None or observed_on is None or limits is None:
        return None
    return Observation(
        line=line,
        set_id=int(set_id) if set_id.isdigit() else 0,
        order_id=order_id,
        hospital_id=hospital_id,
        system=system[:20],
        code=code[:40],
        code_text=_field(obx, 3, 2)[:200],
        value=value,
        unit=_field(obx, 6)[:16],
        reference_range=reference_range[:40],
        lower=limits[0],
        upper=limits[1],
        observed_on=observed_on,
        is_correction=status == "C",
    )


def read(text: str) -> OruMessage:
    """The message's observations, or MessageProblems listing every problem found."""
    try:
        parsed = hl7.parse(normalise(text))
        parsed.segment("MSH")
    except Exception as exc:  # the library raises several kinds on garbage
        raise MessageProblems(
            [Problem(1, "MSH", _("Not an HL7 v2 message: %(error)s") % {"error": exc})], reject=True
        ) from exc
    try:
        control_id = _header(parsed)
    except MessageProblems as exc:
        exc.parsed = parsed
        raise
    problems: list[Problem] = []
    observations: list[Observation] = []
    hospital_id = order_id = order_date = ""
    for line, segment in enumerate(parsed, start=1):
        name = str(segment(0))
        if name == "PID":
            hospital_id = _field(segment, 3)
            if not hospital_id:
                problems.append(Problem(line, "PID-3", _("The patient identifier is missing.")))
            elif len(hospital_id) > 32:
                problems.append(
                    Problem(
                        line, "PID-3", _("The patient identifier is longer than 32 characters.")
                    )
                )
        elif name == "OBR":
            order_id = (_field(segment, 3) or _field(segment, 2))[:50]
            order_date = _field(segment, 7)
        elif name == "OBX":
            if not hospital_id:
                problems.append(Problem(line, "OBX", _("A result comes before any PID segment.")))
                continue
            found = _observation(segment, line, hospital_id, order_id, order_date, problems)
            if found is not None:
                # units such as 10^9/L travel escaped (10\S\9/L)
                unit = parsed.unescape(found.unit)
                observations.append(
                    replace(found, unit=unit, code_text=parsed.unescape(found.code_text))
                )
    if not observations and not problems:
        problems.append(Problem(1, "OBX", _("The message carries no result (OBX segment).")))
    if problems:
        raise MessageProblems(problems, parsed=parsed)
    return OruMessage(control_id=control_id, parsed=parsed, observations=observations)


def acknowledgement(parsed: Any, code: str, text: str) -> str:
    """The ACK answering `parsed` (AA, AE or AR) with `text` in MSA-3 (escaped)."""
    ack = parsed.create_ack(code)
    msa = str(ack.segment("MSA"))
    return str(ack.segment("MSH")) + "\r" + msa + "|" + parsed.escape(text[:400]) + "\r"


def bare_acknowledgement(code: str, text: str) -> str:
    """An ACK for a message too broken to be parsed (no control id to answer)."""
    escaped = text[:400].replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
    escaped = escaped.replace("&", "\\T\\").replace("~", "\\R\\").replace("\r", " ")
    return f"MSH|^~\\&|BELIMUMAB||||||ACK|||2.5\rMSA|{code}||{escaped}\r"
