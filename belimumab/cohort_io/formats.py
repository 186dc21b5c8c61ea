"""The cohort file format (docs/data-format.md), declared once for the importer and the generator.

Six files, one per table: `patients` (required) and its child tables, each row of a child table
naming its patient by code. For each file: its columns (in the order the generator writes
them), those a header must have, the natural key after the patient and the date columns (moved
together by a date shift).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from belimumab.clinical.models import AEAction, AECategory, AECausality, AEOutcome, Flare
from belimumab.domain import defaults, sledai
from belimumab.patients.models import (
    FollowUpEndReason,
    Indication,
    InitiationReason,
    Manifestation,
    PreviousTreatment,
    Route,
    Sex,
    Smoking,
    StopReason,
)
from belimumab.pharmacy.models import Reaction


@dataclass(frozen=True)
class FileFormat:
    """One import file: `columns` in the generator's order, the `required` ones a header must
    have, the natural `key` of a row after its patient, the `dates` columns."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    key: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.required + self.key + self.dates) - set(self.columns)
        if unknown:
            raise ValueError(f"columns not in the file: {sorted(unknown)}")


DESCRIPTOR_COLUMNS: tuple[str, ...] = sledai.DESCRIPTOR_CODES

# Structured lots of infusions.csv (issue 14): per stock presentation, the lot numbers, their
# expiry dates and the vials (or pens) taken from each, `;`-separated lists of one item per lot.
LOT_COLUMNS: dict[str, tuple[str, str, str]] = {
    "iv120": ("lot_120", "lot_120_expiry", "lot_120_vials"),
    "iv400": ("lot_400", "lot_400_expiry", "lot_400_vials"),
    "sc200": ("lot_pen", "lot_pen_expiry", "lot_pen_vials"),
}

FILES: dict[str, FileFormat] = {
    "patients": FileFormat(
        columns=(
            "code",
            "hospital_id",  # optional: the identifier the laboratory feed matches on
            "last_name",
            "first_name",
            "sex",
            "birth_date",
            "smoking",
            "manifestations",
            "previous_treatments",
            "initiation_reasons",
            "indication",
            "prior_trial",
            "start_date",
            "route",
            "stop_date",
            "stop_reason",
            "follow_up_end",
            "follow_up_end_reason",
            "follow_up_end_note",
            "confirmed",
        ),
        required=("code", "sex", "birth_date", "start_date", "route"),
        dates=("birth_date", "start_date", "stop_date", "follow_up_end"),
    ),
    "treatments": FileFormat(
        columns=("patient", "drug", "start_date", "dose", "unit", "confirmed"),
        required=("patient", "drug", "start_date", "dose"),
        key=("drug", "start_date"),
        dates=("start_date",),
    ),
    "infusions": FileFormat(
        columns=(
            "patient",
            "date",
            "weight_kg",
            "dose_mg",
            "vials_120",
            "vials_400",
            "lot",  # free text: the lots as recorded
            *(column for columns in LOT_COLUMNS.values() for column in columns),
            "reaction",
            "pens",  # optional, SC: pens dispensed (weeks covered); absent or empty: one
            "confirmed",
        ),
        required=("patient", "date"),
        key=("date",),
        dates=("date",),
    ),
    "visits": FileFormat(
        columns=(
            "patient",
            "date",
            "sledai_total",
            *DESCRIPTOR_COLUMNS,
            "pga",
            "flare",
            "notes",
            "confirmed",
        ),
        required=("patient", "date"),
        key=("date",),
        dates=("date",),
    ),
    "labs": FileFormat(
        columns=("patient", "date", "test", "value", "unit", "lower_limit", "upper_limit"),
        required=("patient", "date", "test", "value"),
        key=("date", "test"),
        dates=("date",),
    ),
    "adverse_events": FileFormat(
        columns=(
            "patient",
            "onset_date",
            "term",
            "category",
            "serious",
            "outcome",
            "severity_grade",
            "causality",
            "action_taken",
            "reported_to_pv",
            "pv_report_date",
        ),
        required=("patient", "onset_date", "term", "category"),
        key=("onset_date", "term"),
        dates=("onset_date", "pv_report_date"),
    ),
}
REQUIRED_FILES = ("patients",)
CHILD_TABLES = ("treatments", "infusions", "visits", "labs", "adverse_events")

# Route of patients.csv -> regimen code of the course.
ROUTE_REGIMENS = {Route.IV.value: "iv_standard", Route.SC.value: "sc_standard"}

# Accepted values of the choice columns (matched case-insensitively).
SEX = tuple(Sex.values)
SMOKING = tuple(Smoking.values)
MANIFESTATIONS = tuple(Manifestation.values)
PREVIOUS_TREATMENTS = tuple(PreviousTreatment.values)
INITIATION_REASONS = tuple(InitiationReason.values)
INDICATIONS = tuple(Indication.values)
ROUTES = tuple(Route.values)
STOP_REASONS = tuple(StopReason.values)
FOLLOW_UP_END_REASONS = tuple(FollowUpEndReason.values)
REACTIONS = tuple(Reaction.values)
FLARES = tuple(Flare.values)
AE_CATEGORIES = tuple(AECategory.values)
AE_OUTCOMES = tuple(AEOutcome.values)
AE_CAUSALITIES = tuple(AECausality.values)
AE_ACTIONS = tuple(AEAction.values)

# The patient code's rule is the domain's (the patient form applies it too).
CODE_RE = re.compile(defaults.PATIENT_CODE_PATTERN)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Day first, the way a French spreadsheet writes a date (03/12/2026, 3/12/2026): never month
# first, and a four-digit year (a two-digit one would guess the century).
DAY_FIRST_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str) -> date | None:
    """The day an import cell names, ISO (2026-12-03) or day first (03/12/2026): both are
    3 December 2026. None when the text is neither or names no real day (31/02/2026)."""
    try:
        if DATE_RE.match(text):
            return date.fromisoformat(text)
        match = DAY_FIRST_DATE_RE.match(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


@dataclass
class RawTable:
    """One import file as read: `name` ("patients"), `label` shown in problems ("patients.csv"
    or the sheet name), header `columns` and rows as (line number, {column: text})."""

    name: str
    label: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


Tables = dict[str, RawTable]
