"""Reads for patient pages, each in a constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from belimumab.patients.models import Course, Patient


def patient_list(*, search: str = "", include_identity: bool = False) -> QuerySet[Patient]:
    courses = Course.objects.filter(is_active=True).select_related("regimen").order_by("start_date")
    patients = Patient.objects.filter(is_active=True).prefetch_related(
        Prefetch("courses", queryset=courses, to_attr="active_courses")
    )
    if search:
        query = Q(code__icontains=search)
        if include_identity:
            query |= Q(last_name__icontains=search) | Q(first_name__icontains=search)
        patients = patients.filter(query)
    return patients.order_by("code")


def patient_detail(*, pk: int) -> Patient:
    courses = Course.objects.filter(is_active=True).select_related("regimen").order_by("start_date")
    return (
        Patient.objects.filter(is_active=True)
        .prefetch_related(Prefetch("courses", queryset=courses, to_attr="active_courses"))
        .get(pk=pk)
    )
