"""Hand-built cohorts for the dataset tests: rows as the selectors return them, no database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from belimumab.reports.dataset import Dataset, Params, build_dataset
from belimumab.reports.frames import cohort_frames

D0 = date(2015, 3, 2)
# The cut-off of the hand-built cohorts unless a test gives one: every time point closed.
AFTER_ALL = date(2025, 1, 1)
IV = {
    "regimen__code": "iv_standard",
    "regimen__route": "iv",
    "regimen__mg_per_kg": 10,
    "regimen__fixed_dose_mg": None,
    "regimen__loading_intervals_days": [14, 14],
    "regimen__loading_doses_mg": [],
    "regimen__interval_days": 28,
}
SC = {
    "regimen__code": "sc_standard",
    "regimen__route": "sc",
    "regimen__mg_per_kg": None,
    "regimen__fixed_dose_mg": 200,
    "regimen__loading_intervals_days": [],
    "regimen__loading_doses_mg": [],
    "regimen__interval_days": 7,
}
# IV days of a full first year on schedule: D0, D14, D28, then every 28 days.
ON_SCHEDULE = (0, 14, 28, *range(56, 400, 28))


def day(n: int, start: date = D0) -> date:
    return start + timedelta(days=n)


class Cohort:
    """Rows of a small cohort; `add_*` return self so that cohorts read as one expression."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {
            "patients": [],
            "infusions": [],
            "visits": [],
            "labs": [],
            "treatments": [],
            "adverse_events": [],
            "adjudications": [],
        }
        self._ids = 0
        self._d0: dict[int, date] = {}

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def patient(
        self,
        pid: int,
        *,
        start: date = D0,
        stop: int | None = None,
        reason: str = "",
        regimen: dict[str, Any] | None = None,
        infusions: tuple[int, ...] | None = ON_SCHEDULE,
        end: int | None = None,
        end_reason: str = "lost_to_follow_up",
        **fields: Any,
    ) -> Cohort:
        """A patient with a course from `start`, stopped `stop` days after it, follow-up ended
        `end` days after it (without a stop), and infusions on the given days (IV schedule by
        default, up to the stop or the end of follow-up)."""
        self._d0[pid] = start
        row = {
            "patient_id": pid,
            "patient__code": fields.pop("code", f"P{pid:02d}"),
            "patient__birth_date": fields.pop("birth_date", date(1980, 5, 1)),
            "patient__sex": fields.pop("sex", "F"),
            "patient__smoking": fields.pop("smoking", "never"),
            "patient__manifestations": fields.pop("manifestations", ["cutaneous_articular"]),
            "patient__previous_treatments": fields.pop(
                "previous_treatments", ["hydroxychloroquine"]
            ),
            "patient__initiation_reasons": fields.pop("initiation_reasons", ["inefficacy"]),
            "patient__indication": fields.pop("indication", "sle"),
            "patient__prior_trial": fields.pop("prior_trial", False),
            "id": 1000 + pid,
            "start_date": start,
            "stop_date": None if stop is None else day(stop, start),
            "stop_reason": reason,
            "follow_up_end": None if end is None else day(end, start),
            "follow_up_end_reason": "" if end is None else end_reason,
            **(regimen or IV),
        }
        assert not fields, fields
        self.rows["patients"].append(row)
        for n in infusions or ():
            if (stop is None or n <= stop) and (end is None or n <= end):
                self.infusion(pid, n)
        return self

    def infusion(self, pid: int, n: int, **fields: Any) -> Cohort:
        self.rows["infusions"].append(
            {
                "id": self._id(),
                "patient_id": pid,
                "course_id": 1000 + pid,
                "date": day(n, self._d0[pid]),
                "weight_kg": 70,
                "prescribed_dose_mg": fields.pop("prescribed", 700),
                "prepared_dose_mg": fields.pop("prepared", 700),
                "vials_120": fields.pop("vials_120", 3),
                "vials_400": fields.pop("vials_400", 1),
                "reaction": "none",
                # SC: a dispensation of `pens` pens (left out: one pen, as old files)
                **({"pens": fields.pop("pens")} if "pens" in fields else {}),
            }
        )
        return self

    def visit(self, pid: int, n: int, sledai: int | None, flare: str = "") -> Cohort:
        self.rows["visits"].append(
            {
                "id": self._id(),
                "patient_id": pid,
                "date": day(n, self._d0[pid]),
                "sledai": sledai,
                "pga": None,
                "flare": flare,
                "hospitalised": False,
            }
        )
        return self

    def lab(
        self,
        pid: int,
        n: int,
        test: str,
        value: float,
        lower: float | None = None,
        upper: float | None = None,
    ) -> Cohort:
        self.rows["labs"].append(
            {
                "id": self._id(),
                "patient_id": pid,
                "date": day(n, self._d0[pid]),
                "test": test,
                "value": value,
                "unit": "",
                "lower_limit": lower,
                "upper_limit": upper,
            }
        )
        return self

    def dose(self, pid: int, drug: str, n: int, dose: float) -> Cohort:
        self.rows["treatments"].append(
            {
                "id": self._id(),
                "patient_id": pid,
                "drug": drug,
                "start_date": day(n, self._d0[pid]),
                "dose": dose,
                "unit": "mg/day",
            }
        )
        return self

    def adverse_event(
        self,
        pid: int,
        n: int,
        category: str = "infection",
        serious: bool = False,
        term: str = "",
        **pv: Any,
    ) -> Cohort:
        """`pv`: severity_grade, causality, action_taken, reported_to_pv, pv_report_date."""
        self.rows["adverse_events"].append(
            {
                "id": self._id(),
                "patient_id": pid,
                "onset_date": day(n, self._d0[pid]),
                "term": term or category,
                "category": category,
                "site": "",
                "serious": serious,
                **pv,
            }
        )
        return self

    def adjudicate(self, pid: int, tp: str, status: str, reason: str = "clinician") -> Cohort:
        self.rows["adjudications"].append(
            {"patient_id": pid, "timepoint": tp, "status": status, "reason": reason}
        )
        return self

    def build(self, params: Params | None = None, as_of: date | None = None) -> Dataset:
        """The dataset as of `as_of` (default: far after every hand-built date, so that every
        time point is reached unless follow-up ended before it)."""
        return build_dataset(cohort_frames(self.rows), params or Params(), as_of=as_of or AFTER_ALL)


def at(ds: Dataset, pid: int, tp: str) -> dict[str, Any]:
    """The analysis row of one patient at one time point, as a dict."""
    rows = ds.rows[(ds.rows["patient_id"] == pid) & (ds.rows["timepoint"] == tp)]
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


def db_cohort(n: int, *, start: date = D0, code_prefix: str = "C", regimen: str = "iv_standard"):
    """`n` patients in the database, each with infusions, visits at M0 / M6 / M12, labs,
    corticosteroid doses and an adverse event (ORM writes: for view and selector tests)."""
    from decimal import Decimal

    from belimumab.clinical.models import AdverseEvent, LabResult, TreatmentDose, Visit
    from belimumab.patients.models import Course, Patient, Regimen
    from belimumab.pharmacy.models import Infusion

    regimen_row = Regimen.objects.get(code=regimen)
    patients = []
    for i in range(n):
        d0 = start + timedelta(days=7 * i)
        patient = Patient.objects.create(
            code=f"{code_prefix}{i + 1:03d}",
            last_name="Martin",
            first_name="Claire",
            birth_date=date(1984, 6, 15),
            sex="F" if i % 5 else "M",
            smoking="never",
            manifestations=["cutaneous_articular"],
            previous_treatments=["hydroxychloroquine"],
        )
        course = Course.objects.create(patient=patient, regimen=regimen_row, start_date=d0)
        for k, d in enumerate((0, 14, 28, 56, 84, 112, 140, 168, 196)):
            Infusion.objects.create(
                patient=patient,
                course=course,
                date=day(d, d0),
                weight_kg=Decimal("70.0"),
                prescribed_dose_mg=Decimal("700"),
                prepared_dose_mg=Decimal("700" if k % 4 else "640"),
                vials_120=3 if k % 4 else 2,
                vials_400=1,
            )
        for d, score in ((0, 8 + i % 4), (M6_DAY, 4 + i % 3), (M12_DAY, 2 + i % 5)):
            Visit.objects.create(
                patient=patient, date=day(d, d0), recorded_total=score, sledai=score
            )
            LabResult.objects.create(
                patient=patient,
                date=day(d, d0),
                test="c3",
                value=Decimal("0.65") + Decimal(i % 7) / 20,
                unit="g/L",
                lower_limit=Decimal("0.79"),
                upper_limit=Decimal("1.53"),
            )
        TreatmentDose.objects.create(
            patient=patient, drug="prednisone", start_date=day(-60, d0), dose=Decimal("15")
        )
        TreatmentDose.objects.create(
            patient=patient, drug="prednisone", start_date=day(120, d0), dose=Decimal("7.5")
        )
        AdverseEvent.objects.create(
            patient=patient, onset_date=day(30, d0), term="Bronchitis", category="infection"
        )
        patients.append(patient)
    return patients


M6_DAY, M12_DAY = 182, 365
