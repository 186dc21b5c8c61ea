"""Who may open each clinical URL: everyone with a role reads, only clinicians write (pharmacists
and department heads view visits and SELENA-SLEDAI but never change them); the audit history is
for roles with patients.view_history."""

from tests.access_spec import ADMINISTRATOR, ALL_ROLES, CLINICIAN, Rule

WRITE = frozenset({CLINICIAN})
HISTORY = frozenset({CLINICIAN, ADMINISTRATOR})


def _patient(world):
    return {"pk": world.patient.pk}


RULES = [
    Rule("clinical:patient_detail", get=ALL_ROLES, kwargs=_patient),  # the patient page
    Rule("clinical:timeline", get=ALL_ROLES, kwargs=_patient),
    Rule("clinical:visit_detail", get=ALL_ROLES, kwargs=lambda w: {"pk": w.visit.pk}),
    Rule(
        "clinical:visit_suggestions",
        get=ALL_ROLES,
        kwargs=_patient,
        query="?date=2026-01-05&descriptors=rash",
    ),
    Rule("clinical:visit_create", get=WRITE, post=WRITE, kwargs=_patient),
    Rule("clinical:visit_update", get=WRITE, post=WRITE, kwargs=lambda w: {"pk": w.visit.pk}),
    Rule("clinical:lab_create", get=WRITE, post=WRITE, kwargs=_patient),
    Rule("clinical:lab_update", get=WRITE, post=WRITE, kwargs=lambda w: {"pk": w.lab.pk}),
    Rule("clinical:treatment_create", get=WRITE, post=WRITE, kwargs=_patient),
    Rule(
        "clinical:treatment_update",
        get=WRITE,
        post=WRITE,
        kwargs=lambda w: {"pk": w.treatment.pk},
    ),
    Rule("clinical:adverse_event_create", get=WRITE, post=WRITE, kwargs=_patient),
    Rule(
        "clinical:adverse_event_update",
        get=WRITE,
        post=WRITE,
        kwargs=lambda w: {"pk": w.adverse_event.pk},
    ),
    Rule(
        "clinical:adjudicate",
        get=WRITE,
        post=WRITE,
        kwargs=lambda w: {"pk": w.patient.pk, "timepoint": "M6"},
    ),
    Rule("clinical:history", get=HISTORY, kwargs=lambda w: {"kind": "visit", "pk": w.visit.pk}),
    Rule(
        "clinical:record_deactivate",
        get=WRITE,
        post=WRITE,
        kwargs=lambda w: {"kind": "lab", "pk": w.lab.pk},
    ),
]
