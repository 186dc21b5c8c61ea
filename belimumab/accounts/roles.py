"""Roles are Django groups; what each may do is this table of permissions, synced on migrate.

Views check permissions (never group names), so a hospital can fine-tune a group in the admin;
`sync_roles` only adds what the table grants and removes what it no longer grants.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

PHARMACIST = "pharmacist"
CLINICIAN = "clinician"
DEPARTMENT_HEAD = "department_head"
ADMINISTRATOR = "administrator"
ROLES = (PHARMACIST, CLINICIAN, DEPARTMENT_HEAD, ADMINISTRATOR)

_CLINICAL_MODELS = ("visit", "labresult", "treatmentdose", "adverseevent", "adjudication")
_VIEW_ALL = [
    "patients.view_patient",
    "patients.view_course",
    "pharmacy.view_infusion",
    # traceability (issue 14): which patients received a lot, which lots a patient received
    "pharmacy.view_infusionlot",
    *(f"clinical.view_{m}" for m in _CLINICAL_MODELS),
]

# the stock (issue 14): pharmacists and administrators receive, waste, return and count
_STOCK_WRITE = ["stock.view_viallot", "stock.view_stockmovement", "stock.add_stockmovement"]
# A printed PDF is frozen with the patient's name and birth date: only roles that see them.
_PRINT_SHEETS = ["pharmacy.add_printedsheet", "pharmacy.view_printedsheet"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    PHARMACIST: [
        *_VIEW_ALL,
        "patients.view_identity",
        "pharmacy.add_infusion",
        "pharmacy.change_infusion",
        "patients.end_follow_up",
        *_STOCK_WRITE,
        # the PDF preparation sheets: print (archived at the first print) and read the archive
        *_PRINT_SHEETS,
    ],
    CLINICIAN: [
        *_VIEW_ALL,
        "patients.view_identity",
        "patients.add_patient",
        "patients.change_patient",
        "patients.add_course",
        "patients.change_course",
        "patients.end_follow_up",
        *(f"clinical.add_{m}" for m in _CLINICAL_MODELS),
        *(f"clinical.change_{m}" for m in _CLINICAL_MODELS),
        "patients.view_history",
        # the laboratory feed's results to approve
        "labfeed.view_pendinglabresult",
        "labfeed.change_pendinglabresult",
    ],
    DEPARTMENT_HEAD: [
        *_VIEW_ALL,
        "stock.view_viallot",  # reads the stock (planning, costs), moves nothing
        "patients.view_cohort_report",
    ],
    ADMINISTRATOR: [
        *_VIEW_ALL,
        "patients.view_identity",
        "patients.view_history",
        "patients.view_cohort_report",
        "patients.import_cohort",
        *_PRINT_SHEETS,
        "cohort_io.view_importjob",  # every administrator's browser imports, not only one's own
        "patients.export_audit",
        "patients.view_regimen",
        "patients.change_regimen",
        # the accounts pages, within the four roles; users and groups in the Django admin
        # (superuser status, permissions, group edits) are for superusers only (admin.py)
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        # the department's settings screens (prices, rounding, bands, windows, labs)
        "department.view_department",
        "department.change_department",
        "department.add_vialprice",
        "department.change_vialprice",
        "department.change_labtestsetting",
        # the laboratory feed: code mappings and senders (tokens)
        "labfeed.view_labcodemapping",
        "labfeed.add_labcodemapping",
        "labfeed.change_labcodemapping",
        "labfeed.view_sender",
        "labfeed.add_sender",
        "labfeed.change_sender",
        *_STOCK_WRITE,
    ],
}


def _permissions(codes: list[str]) -> list[Permission]:
    query = Q()
    for code in codes:
        app_label, codename = code.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    missing = set(codes) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:
        raise LookupError(f"Unknown permissions in ROLE_PERMISSIONS: {sorted(missing)}")
    return found


def sync_roles(sender: Any = None, **kwargs: Any) -> None:
    """Create the four groups and give each exactly the permissions of ROLE_PERMISSIONS."""
    # post_migrate is sent once per app; permissions of every app exist only after the last one.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not None and sender.name != with_models[-1].name:
        return
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(codes))
