from tests.access_spec import ALL_ROLES, Rule

CLINICIAN = frozenset({"clinician"})
HISTORY = frozenset({"clinician", "administrator"})
FOLLOW_UP = frozenset({"pharmacist", "clinician"})

RULES = [
    Rule("patients:list", get=ALL_ROLES),
    Rule("patients:create", get=CLINICIAN, post=CLINICIAN),
    Rule("patients:update", get=CLINICIAN, post=CLINICIAN, kwargs=lambda w: {"pk": w.patient.pk}),
    Rule("patients:history", get=HISTORY, kwargs=lambda w: {"pk": w.patient.pk}),
    Rule(
        "patients:course_create",
        get=CLINICIAN,
        post=CLINICIAN,
        kwargs=lambda w: {"pk": w.patient.pk},
    ),
    Rule(
        "patients:course_update",
        get=CLINICIAN,
        post=CLINICIAN,
        kwargs=lambda w: {"pk": w.course.pk},
    ),
    Rule(
        "patients:course_follow_up_end",
        get=FOLLOW_UP,
        post=FOLLOW_UP,
        kwargs=lambda w: {"pk": w.course.pk},
    ),
]
