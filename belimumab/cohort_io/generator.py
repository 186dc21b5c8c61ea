"""Synthetic belimumab cohorts in the import file format (docs/data-format.md).

Never real people: codes like DEMO-0001 and names drawn from a small invented list. The cohort is
a deterministic function of (patients, seed, today, history_days): one `random.Random(seed)` draws
everything in patient order, so the same arguments give byte-identical files.

Each patient gets: characteristics at initiation, one IV (or, for about one in five, SC) course
started within `history_days` before `today`, administrations following the regimen with delays,
missed cycles, the occasional long interruption and stops with a reason; visits about every three
months with SELENA-SLEDAI descriptors (or, for retrospective-style patients, the total only), a
PGA and a flare assessment; labs at each visit consistent with the lab descriptors; concomitant
treatments with tapering; adverse events. The columns are those of `formats.FILES`; the output
feeds `readers.tables_from_rows` or `write_csv_files`.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from belimumab.cohort_io.formats import FILES, LOT_COLUMNS, MANIFESTATIONS
from belimumab.domain import dosing, plausibility, sledai, treatments
from belimumab.domain.defaults import SC_INTERVAL_DAYS, SC_PENS_PER_DISPENSATION
from belimumab.domain.plausibility import needs_confirmation
from belimumab.domain.schedule import IV_STANDARD, SC_STANDARD, Regimen
from belimumab.domain.units import DAYS_PER_YEAR

# Columns the generator leaves out: the hospital identifier is the hospital's to set (two
# synthetic cohorts imported side by side would otherwise share identifiers); the structured
# lots name stock lots (the demo's history keeps its lots as recorded, in `lot`).
NOT_GENERATED = (
    "hospital_id",
    *(column for columns in LOT_COLUMNS.values() for column in columns),
)
# Column order of each generated file: every column of the format but those.
COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c for c in spec.columns if c not in NOT_GENERATED) for name, spec in FILES.items()
}

# Invented names (no real person): first names common in France, surnames made up.
FIRST_NAMES_F = (
    "Amandine", "Brigitte", "Camille", "Delphine", "Elodie", "Fatima", "Gaelle", "Helene",
    "Ines", "Julie", "Karima", "Laura", "Manon", "Nadia", "Oceane", "Pauline", "Sarah", "Yasmine",
)  # fmt: skip
FIRST_NAMES_M = ("Antoine", "Bruno", "Cedric", "Damien", "Eric", "Karim", "Lucas", "Mehdi")
LAST_NAMES = (
    "Abrevelle", "Bastarol", "Corvenne", "Dalmirot", "Estrevade", "Fonsaly", "Garbelin",
    "Hautmeril", "Isolard", "Jorvelle", "Kermadic", "Lavernat", "Montclave", "Norvesse",
    "Orbelin", "Pradomir", "Quervalle", "Roustane", "Salvetric", "Tremolat", "Ursanne",
    "Valbrenne", "Wesmoral", "Zerbaline",
)  # fmt: skip

INFECTIONS = (
    ("Bronchitis", 8),
    ("Nasopharyngitis", 8),
    ("Urinary tract infection", 7),
    ("Sinusitis", 4),
    ("Influenza", 3),
    ("Gastroenteritis", 3),
    ("Herpes zoster", 2),
    ("Pneumonia", 2),
)
OTHER_EVENTS = (("Headache", 4), ("Nausea", 3), ("Diarrhoea", 2), ("Fatigue", 3), ("Insomnia", 1))
# CTCAE grade of a non-serious event and the usual causality, by category (serious: grade 3)
PV_GRADES = {"infection": 2, "neutropenia": 2}
PV_CAUSALITIES = {
    "infection": "possibly_related",
    "neutropenia": "possibly_related",
    "rash": "possibly_related",
    "infusion_reaction": "related",
}
STOP_REASONS = {
    # response type -> weights of the stop reasons
    "good": (("remission", 4), ("patient_choice", 3), ("pregnancy", 2), ("other", 1)),
    "partial": (("inefficacy", 3), ("patient_choice", 2), ("adverse_event", 2), ("other", 1)),
    "none": (("inefficacy", 8), ("adverse_event", 1), ("patient_choice", 1)),
}
PREDNISONE_STEPS = tuple(
    Decimal(x) for x in ("0", "2.5", "5", "7.5", "10", "12.5", "15", "20", "25", "30")
)
LAB_RANGES = {
    # test -> unit, lower, upper (DOMAIN.md defaults; written so the files are self-describing)
    "anti_dsdna": ("IU/mL", "0", "50"),
    "ch50": ("U/mL", "38", "79"),
    "c3": ("g/L", "0.79", "1.53"),
    "c4": ("g/L", "0.15", "0.40"),
    "platelets": ("10^9/L", "150", "400"),
    "leukocytes": ("10^9/L", "4", "10"),
    "proteinuria": ("g/24h", "0", "0.5"),
}
VISIT_NOTES = (
    "Joint pain improved",
    "Fatigue persists",
    "Skin lesions fading",
    "Doing well",
    "Morning stiffness",
    "",
)

Rows = dict[str, list[dict[str, str]]]


def _dispensations(weeks: list[dict[str, str]]) -> list[dict[str, str]]:
    """Weekly SC rows as the pharmacy dispenses them: up to `SC_PENS_PER_DISPENSATION` weeks
    exactly 7 days apart make one row of that many pens, on the first week's date (the first
    weight measured). The weeks they cover are the weekly dates themselves
    (`pens.covered_dates`), so the schedule, the gaps and the random draws stay those of the
    weekly rows."""
    merged: list[dict[str, str]] = []
    last: date | None = None
    for row in weeks:
        day = date.fromisoformat(row["date"])
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and last is not None
            and (day - last).days == SC_INTERVAL_DAYS
            and int(previous["pens"]) < SC_PENS_PER_DISPENSATION
        ):
            previous["pens"] = str(int(previous["pens"]) + 1)
            previous["weight_kg"] = previous["weight_kg"] or row["weight_kg"]
        else:
            merged.append({**row, "pens": "1"})
        last = day
    _confirm_weight_changes(merged)
    return merged


def _confirm_weight_changes(rows: list[dict[str, str]]) -> None:
    """Mark the weights that changed beyond the usual limit since the previous one written, as a
    pharmacist confirms them (the import refuses them unconfirmed): after the weekly rows merged
    into dispensations, the weights written are not those of every week."""
    last: Decimal | None = None
    for row in rows:
        row.pop("confirmed", None)
        if not row.get("weight_kg"):
            continue
        value = Decimal(row["weight_kg"])
        if needs_confirmation(plausibility.weight(value, last), ()):
            row["confirmed"] = "weight_change"
        last = value


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _d1(value: float) -> str:
    """One decimal, half up, as text."""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _weekday(day: date) -> date:
    """Saturday and Sunday move to Monday (the day hospital is closed at the weekend)."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


@dataclass
class _State:
    """A patient's lupus activity: the SELENA-SLEDAI descriptors present."""

    present: set[str] = field(default_factory=set)

    @property
    def score(self) -> int:
        return sledai.score(self.present)


def _pool(manifestations: set[str]) -> list[tuple[str, float]]:
    """Descriptors a patient may show, with their probability at initiation."""
    pool = [
        ("increased_dna_binding", 0.7),
        ("low_complement", 0.55),
        ("fever", 0.08),
        ("vasculitis", 0.02),
        ("myositis", 0.02),
    ]
    if "cutaneous_articular" in manifestations:
        pool += [("arthritis", 0.65), ("rash", 0.45), ("alopecia", 0.2), ("mucosal_ulcers", 0.2)]
    if "renal" in manifestations:
        pool += [("proteinuria", 0.55), ("haematuria", 0.25), ("urinary_casts", 0.1)]
    if "haematological" in manifestations:
        pool += [("thrombocytopenia", 0.3), ("leukopenia", 0.4)]
    if "cardiac" in manifestations:
        pool += [("pericarditis", 0.3)]
    if "pulmonary" in manifestations:
        pool += [("pleurisy", 0.4)]
    if "neurological" in manifestations:
        pool += [("lupus_headache", 0.15)]
    return pool


class _Patient:
    """Generates one patient's rows."""

    def __init__(self, rng: random.Random, code: str, today: date, history_days: int) -> None:
        self.rng = rng
        self.code = code
        self.today = today
        self.rows: Rows = {name: [] for name in COLUMNS}
        self.history_days = history_days
        self.last_weight: Decimal | None = None  # the last weight written (plausibility)

    # ------------------------------------------------------------------ characteristics

    def build(self) -> Rows:
        rng = self.rng
        female = rng.random() < 0.88
        self.start = _weekday(self.today - timedelta(days=rng.randint(14, self.history_days)))
        if self.start > self.today:
            self.start -= timedelta(days=7)
        age = min(75, max(18, round(rng.gauss(39, 11))))
        birth = self.start - timedelta(days=age * 365 + rng.randint(0, 364))
        self.manifestations = self._manifestations()
        previous = self._previous_treatments()
        reasons = [
            name
            for name, p in (("inefficacy", 0.7), ("worsening", 0.35), ("steroid_sparing", 0.45))
            if rng.random() < p
        ] or ["inefficacy"]
        self.sc = rng.random() < 0.2
        self.regimen: Regimen = SC_STANDARD if self.sc else IV_STANDARD
        self.response = _weighted(rng, (("good", 55), ("partial", 25), ("none", 20)))
        self.weight = min(140.0, max(40.0, rng.gauss(66 if female else 78, 12)))
        self.stop, self.stop_reason = self._stop()
        self.end = min(self.today, self.stop) if self.stop else self.today
        self.rows["patients"].append(self._patient_row(female, birth, previous, reasons))
        self._administrations()
        self._treatments()
        self._visits()
        self._adverse_events()
        return self.rows

    def _manifestations(self) -> set[str]:
        rng = self.rng
        manifestations = {"cutaneous_articular"} if rng.random() < 0.95 else set()
        for name, p in (
            ("renal", 0.4),
            ("haematological", 0.35),
            ("cardiac", 0.15),
            ("pulmonary", 0.08),
            ("neurological", 0.05),
        ):
            if rng.random() < p:
                manifestations.add(name)
        if not manifestations:
            manifestations.add("haematological")
        return manifestations

    def _previous_treatments(self) -> list[str]:
        renal = "renal" in self.manifestations
        return [
            name
            for name, p in (
                ("hydroxychloroquine", 0.95),
                ("corticosteroids", 0.85),
                ("mycophenolate", 0.45 if renal else 0.2),
                ("methotrexate", 0.4),
                ("azathioprine", 0.3),
                ("cyclophosphamide", 0.35 if renal else 0.02),
                ("dapsone", 0.1),
                ("chloroquine", 0.1),
                ("thalidomide", 0.05),
                ("rituximab", 0.12),
                ("abatacept", 0.04),
                ("tocilizumab", 0.02),
                ("etanercept", 0.02),
                ("other_biologic", 0.03),
            )
            if self.rng.random() < p
        ]

    def _patient_row(
        self, female: bool, birth: date, previous: list[str], reasons: list[str]
    ) -> dict[str, str]:
        rng = self.rng
        return {
            "code": self.code,
            "last_name": rng.choice(LAST_NAMES),
            "first_name": rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M),
            "sex": "F" if female else "M",
            "birth_date": birth.isoformat(),
            "smoking": _weighted(
                rng, (("current", 20), ("former", 15), ("never", 55), ("unknown", 10))
            ),
            "manifestations": ";".join(m for m in MANIFESTATIONS if m in self.manifestations),
            "previous_treatments": ";".join(previous),
            "initiation_reasons": ";".join(reasons),
            "indication": "other" if rng.random() < 0.02 else "sle",
            "prior_trial": "yes" if rng.random() < 0.03 else "no",
            "start_date": self.start.isoformat(),
            "route": "sc" if self.sc else "iv",
            "stop_date": self.stop.isoformat() if self.stop else "",
            "stop_reason": self.stop_reason,
        }

    def _stop(self) -> tuple[date | None, str]:
        rng = self.rng
        mean_days = {"good": 1400, "partial": 700, "none": 260}[self.response]
        day = int(rng.expovariate(1 / mean_days)) + 28
        stop = self.start + timedelta(days=day)
        if stop > self.today:
            return None, ""
        return stop, _weighted(rng, STOP_REASONS[self.response])

    # ------------------------------------------------------------------ administrations

    def _administrations(self) -> None:
        rng = self.rng
        given: list[date] = []
        day = self.start
        index = 0
        # About one ongoing patient in twelve stops coming some weeks before today: overdue.
        lost = None
        if self.stop is None and rng.random() < 0.08:
            lost = self.today - timedelta(days=rng.randint(10, 60))
        weight = self.weight
        lot_pool = [
            f"BEL{(self.start.year + k) % 100:02d}{rng.randint(100, 999)}" for k in range(3)
        ]
        # Administrations stop the day before `today`: today's are still to prepare.
        rows = []
        while day < self.today and day <= self.end and (lost is None or day <= lost):
            given.append(day)
            weight = min(140.0, max(40.0, weight + rng.gauss(0, 0.5)))
            rows.append(self._infusion_row(day, index, weight, lot_pool))
            day = self._next_administration(day, index)
            index += 1
        self.rows["infusions"].extend(_dispensations(rows) if self.sc else rows)
        self.given = given

    def _infusion_row(
        self, day: date, index: int, weight: float, lot_pool: list[str]
    ) -> dict[str, str]:
        rng = self.rng
        row = {
            "patient": self.code,
            "date": day.isoformat(),
            "weight_kg": "",
            "dose_mg": "",
            "vials_120": "",
            "vials_400": "",
            "lot": "",
            "reaction": "none",
            "pens": "",
        }
        if self.sc:
            if index % 12 == 0:
                self._weigh(row, weight)
            row["reaction"] = ""
            return row
        self._weigh(row, weight)
        row["lot"] = lot_pool[min(2, (day - self.start).days // 400)]
        dose = dosing.dose_for_weight(Decimal(row["weight_kg"]))
        rounded = dosing.rounded_plan(dose) if rng.random() < 0.15 else None
        if rounded is not None:
            row["dose_mg"] = str(rounded.total_mg)
            row["vials_120"] = str(rounded.count(120))
            row["vials_400"] = str(rounded.count(400))
        reaction = rng.random()
        if reaction < 0.003:
            row["reaction"] = "moderate"
        elif reaction < 0.018:
            row["reaction"] = "mild"
        return row

    def _weigh(self, row: dict[str, str], weight: float) -> None:
        """The weight of an administration; a change beyond the usual limit is confirmed, as a
        pharmacist would (the import refuses it unconfirmed)."""
        row["weight_kg"] = _d1(weight)
        value = Decimal(row["weight_kg"])
        if needs_confirmation(plausibility.weight(value, self.last_weight), ()):
            row["confirmed"] = "weight_change"
        self.last_weight = value

    def _next_administration(self, day: date, index: int) -> date:
        """The day after administration `index`: the regimen's interval, the occasional missed
        cycle and, for IV, the day hospital's delays."""
        rng = self.rng
        interval = self.regimen.interval_after(index)
        # Missed cycles: usually one, rarely a long interruption (cohort exclusion).
        roll = rng.random()
        if roll < 0.004:
            interval += 3 * self.regimen.interval_days
        elif roll < (0.01 if self.sc else 0.03):
            interval += self.regimen.interval_days
        if self.sc:
            return day + timedelta(days=interval + (1 if rng.random() < 0.1 else 0))
        roll = rng.random()
        delay = 0 if roll < 0.7 else rng.randint(1, 3) if roll < 0.95 else rng.randint(4, 10)
        return _weekday(day + timedelta(days=interval + delay))

    # ------------------------------------------------------------------ treatments

    def _treatment(self, drug: str, day: date, dose: Decimal, unit: str = "mg/day") -> None:
        key = (drug, day.isoformat())
        if key in self._treatment_keys:
            return
        self._treatment_keys.add(key)
        row = {
            "patient": self.code,
            "drug": drug,
            "start_date": day.isoformat(),
            "dose": f"{dose.normalize():f}",
            "unit": unit,
        }
        if drug in treatments.CORTICOSTEROIDS:
            equivalent = treatments.prednisone_equivalent(drug, dose)
            if needs_confirmation(plausibility.corticosteroid(equivalent), ()):
                row["confirmed"] = "corticosteroid_high"
        self.rows["treatments"].append(row)

    def _treatments(self) -> None:
        rng = self.rng
        self._treatment_keys: set[tuple[str, str]] = set()
        before = self.start - timedelta(days=rng.randint(30, 700))
        self.steroid: str | None = None
        if rng.random() < 0.85:
            if rng.random() < 0.06:
                self.steroid = "methylprednisolone"
                self.steroid_dose = Decimal(rng.choice((4, 8, 12, 16)))
            else:
                self.steroid = "prednisone"
                self.steroid_dose = rng.choice(PREDNISONE_STEPS[2:])
            self._treatment(self.steroid, before, self.steroid_dose)
        if rng.random() < 0.75:
            self._treatment(
                "hydroxychloroquine",
                before - timedelta(days=rng.randint(0, 900)),
                Decimal(rng.choice((200, 400, 400, 400))),
            )
        self.immunosuppressant: tuple[str, Decimal, str] | None = None
        if rng.random() < 0.5:
            drug, dose, unit = rng.choice(
                (
                    ("mycophenolate", Decimal(2000), "mg/day"),
                    ("methotrexate", Decimal(15), "mg/week"),
                    ("azathioprine", Decimal(100), "mg/day"),
                )
            )
            self.immunosuppressant = (drug, dose, unit)
            self._treatment(drug, before - timedelta(days=rng.randint(0, 400)), dose, unit)

    def _taper(self, day: date, improving: bool) -> None:
        """Dose changes decided at a visit (corticosteroid taper, immunosuppressant change)."""
        rng = self.rng
        if self.steroid is not None and self.steroid_dose > 0:
            if improving and rng.random() < 0.55:
                if self.steroid == "prednisone":
                    lower = [s for s in PREDNISONE_STEPS if s < self.steroid_dose]
                    floor = 0 if rng.random() < 0.15 else 1
                    self.steroid_dose = lower[-1] if len(lower) > floor else self.steroid_dose
                else:
                    self.steroid_dose = max(Decimal(0), self.steroid_dose - 4)
                self._treatment(self.steroid, day, self.steroid_dose)
            elif not improving and rng.random() < 0.3:
                self.steroid_dose = self.steroid_dose + (5 if self.steroid == "prednisone" else 4)
                self._treatment(self.steroid, day, self.steroid_dose)
        if self.immunosuppressant is not None and improving and rng.random() < 0.08:
            drug, dose, unit = self.immunosuppressant
            new = Decimal(0) if rng.random() < 0.3 else (dose * 3 / 4).quantize(Decimal(1))
            self.immunosuppressant = None if new == 0 else (drug, new, unit)
            self._treatment(drug, day, new, unit)

    # ------------------------------------------------------------------ visits and labs

    def _visits(self) -> None:
        rng = self.rng
        state = _State()
        for code, p in _pool(self.manifestations):
            if rng.random() < p:
                state.present.add(code)
        if state.score < 4:
            state.present.add("arthritis")
        descriptors_recorded = rng.random() < 0.55
        has_ch50 = rng.random() < 0.4
        resolve = {"good": 0.45, "partial": 0.25, "none": 0.08}[self.response]
        relapse = {"good": 0.03, "partial": 0.08, "none": 0.15}[self.response]
        pool = [code for code, _p in _pool(self.manifestations)]
        previous_score: int | None = None
        day = self.start
        last_visit = (self.stop + timedelta(days=14)) if self.stop else self.today
        last_visit = min(last_visit, self.today)
        number = 0
        while day <= last_visit:
            if number:
                for code in sorted(state.present):
                    if rng.random() < resolve:
                        state.present.discard(code)
                if rng.random() < relapse:
                    state.present.add(rng.choice(pool))
            score = state.score
            self._visit(day, state, score, previous_score, descriptors_recorded, number)
            self._labs(day, state, has_ch50)
            if number:
                self._taper(day, improving=previous_score is not None and score <= previous_score)
            previous_score = score
            number += 1
            day = _weekday(day + timedelta(days=rng.randint(80, 100)))

    def _visit(
        self,
        day: date,
        state: _State,
        score: int,
        previous: int | None,
        descriptors_recorded: bool,
        number: int,
    ) -> None:
        rng = self.rng
        row = {"patient": self.code, "date": day.isoformat(), "sledai_total": ""}
        for code in sledai.DESCRIPTOR_CODES:
            row[code] = ("1" if code in state.present else "0") if descriptors_recorded else ""
        if not descriptors_recorded or rng.random() < 0.5:
            row["sledai_total"] = str(score)
        if rng.random() < 0.03 and number:
            # A visit where the score was not recorded.
            row["sledai_total"] = ""
            for code in sledai.DESCRIPTOR_CODES:
                row[code] = ""
        pga = min(3.0, max(0.0, score / 6 + rng.gauss(0, 0.3)))
        row["pga"] = _d1(pga) if rng.random() < 0.8 else ""
        flare = "none"
        if previous is not None and score - previous >= 3:
            flare = "severe" if score > 12 else "mild_moderate"
        row["flare"] = flare if rng.random() < 0.85 else ""
        row["notes"] = rng.choice(VISIT_NOTES) if rng.random() < 0.3 else ""
        self.rows["visits"].append(row)

    def _lab(self, day: date, test: str, value: float, places: int) -> None:
        unit, lower, upper = LAB_RANGES[test]
        self.rows["labs"].append(
            {
                "patient": self.code,
                "date": day.isoformat(),
                "test": test,
                "value": f"{value:.{places}f}",
                "unit": unit,
                "lower_limit": lower,
                "upper_limit": upper,
            }
        )

    def _labs(self, day: date, state: _State, has_ch50: bool) -> None:
        rng = self.rng
        present = state.present
        if "increased_dna_binding" in present:
            dna = math.exp(rng.uniform(math.log(60), math.log(600)))
        else:
            dna = rng.uniform(1, 45)
        self._lab(day, "anti_dsdna", dna, 0)
        low = "low_complement" in present
        self._lab(day, "c3", rng.uniform(0.40, 0.77) if low else rng.uniform(0.82, 1.45), 2)
        self._lab(day, "c4", rng.uniform(0.04, 0.14) if low else rng.uniform(0.16, 0.38), 2)
        if has_ch50:
            self._lab(day, "ch50", rng.uniform(12, 36) if low else rng.uniform(40, 75), 0)
        platelets = rng.uniform(60, 98) if "thrombocytopenia" in present else rng.uniform(150, 380)
        self._lab(day, "platelets", platelets, 0)
        leukocytes = rng.uniform(1.8, 2.9) if "leukopenia" in present else rng.uniform(3.6, 9.5)
        self._lab(day, "leukocytes", leukocytes, 1)
        if "renal" in self.manifestations:
            protein = rng.uniform(0.6, 3.5) if "proteinuria" in present else rng.uniform(0.05, 0.4)
            self._lab(day, "proteinuria", protein, 2)

    # ------------------------------------------------------------------ adverse events

    def _adverse_events(self) -> None:
        rng = self.rng
        years = max(0, (self.end - self.start).days) / DAYS_PER_YEAR
        count = sum(1 for _ in range(12) if rng.random() < 0.06 * years)
        seen: set[tuple[str, str]] = set()
        for _ in range(count):
            onset = self.start + timedelta(
                days=rng.randint(0, max(0, (self.end - self.start).days))
            )
            kind = rng.random()
            if kind < 0.6:
                term, category = _weighted(rng, INFECTIONS), "infection"
            elif kind < 0.66:
                term, category = "Neutropenia", "neutropenia"
            elif kind < 0.75:
                term, category = "Rash", "rash"
            elif kind < 0.8 and not self.sc and self.given:
                given = rng.choice(self.given)
                term, category, onset = "Infusion reaction", "infusion_reaction", given
            else:
                term, category = _weighted(rng, OTHER_EVENTS), "other"
            if (onset.isoformat(), term) in seen:
                continue
            seen.add((onset.isoformat(), term))
            serious = (term == "Pneumonia" and rng.random() < 0.7) or rng.random() < 0.04
            recent = (self.today - onset).days < 30
            outcome = (
                _weighted(rng, (("ongoing", 3), ("resolving", 2), ("resolved", 1)))
                if recent
                else _weighted(rng, (("resolved", 20), ("sequelae", 1), ("unknown", 1)))
            )
            self.rows["adverse_events"].append(
                {
                    "patient": self.code,
                    "onset_date": onset.isoformat(),
                    "term": term,
                    "category": category,
                    "serious": "yes" if serious else "no",
                    "outcome": outcome,
                    **self._pharmacovigilance(category, onset, serious),
                }
            )

    def _pharmacovigilance(self, category: str, onset: date, serious: bool) -> dict[str, str]:
        """Grade, causality, action and report of an event, derived from what is drawn already
        (no random draw: the other columns and files stay those of the same seed)."""
        grade = 3 if serious else PV_GRADES.get(category, 1)
        reported = serious or category == "infusion_reaction"
        report_date = min(onset + timedelta(days=7), self.today) if reported else None
        return {
            "severity_grade": str(grade),
            "causality": PV_CAUSALITIES.get(category, "unlikely_related"),
            "action_taken": "interrupted" if serious else "none",
            "reported_to_pv": "yes" if reported else "no",
            "pv_report_date": report_date.isoformat() if report_date else "",
        }


def generate_cohort(
    *,
    patients: int,
    seed: int,
    today: date,
    history_days: int = 730,
    prefix: str = "DEMO",
) -> dict[str, tuple[tuple[str, ...], list[dict[str, str]]]]:
    """A synthetic cohort: file name -> (columns, rows as {column: text}).

    Courses start between `history_days` and 14 days before `today`; nothing is dated after
    `today` and administrations stop the day before (today's are still to prepare).
    Deterministic for (patients, seed, today, history_days, prefix).
    """
    if patients < 0:
        raise ValueError("patients must be >= 0")
    if history_days < 14:
        raise ValueError("history_days must be at least 14")
    rng = random.Random(seed)
    width = max(4, len(str(patients)))
    rows: Rows = {name: [] for name in COLUMNS}
    for index in range(1, patients + 1):
        one = _Patient(rng, f"{prefix}-{index:0{width}d}", today, history_days).build()
        for name, items in one.items():
            rows[name].extend(items)
    return {name: (COLUMNS[name], rows[name]) for name in COLUMNS}


def write_csv_files(
    cohort: Mapping[str, tuple[Sequence[str], Sequence[Mapping[str, str]]]], directory: Path
) -> list[Path]:
    """Write one CSV file per table (UTF-8, comma, "\\n" line ends); returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (columns, rows) in cohort.items():
        path = directory / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([row.get(c, "") for c in columns])
        paths.append(path)
    return paths
