from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from belimumab.core.audit import record_history
from belimumab.core.views import save_form
from belimumab.patients import selectors, services
from belimumab.patients.forms import CourseForm, NewPatientCourseForm, PatientForm
from belimumab.patients.models import (
    Course,
    Patient,
)

IDENTITY_FIELDS = ("last_name", "first_name", "birth_date")


def _patient_form(request: HttpRequest, *args, **kwargs) -> PatientForm:
    form = PatientForm(*args, **kwargs)
    if not request.user.has_perm("patients.view_identity"):
        for name in IDENTITY_FIELDS:
            form.fields.pop(name)
    return form


PATIENTS_PER_PAGE = 50


@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    identity = request.user.has_perm("patients.view_identity")
    search = request.GET.get("q", "").strip()[:100]
    patients = selectors.patient_list(search=search, include_identity=identity)
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/patient_list.html",
        {"patients": page, "page": page, "search": search, "identity": identity},
    )


@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    form = _patient_form(request, request.POST or None)
    course_form = NewPatientCourseForm(request.POST or None, prefix="course")
    if request.method == "POST" and form.is_valid() and course_form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        outcome = save_form(
            form,
            lambda: services.patient_register(
                user=request.user,
                fields=fields,
                regimen=course_form.cleaned_data["regimen"],
                start_date=course_form.cleaned_data["start_date"],
            ),
        )
        if outcome.saved:
            code = outcome.value.code
            messages.success(request, _("Patient %(code)s registered.") % {"code": code})
            return redirect("clinical:patient_detail", pk=outcome.value.pk)
    return render(request, "patients/patient_form.html", {"form": form, "course_form": course_form})


@permission_required("patients.change_patient", raise_exception=True)
def patient_update(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk, is_active=True)
    form = _patient_form(request, request.POST or None, instance=patient)
    stale = None
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        outcome = save_form(
            form,
            lambda: services.patient_update(
                patient=patient,
                user=request.user,
                fields=fields,
                expected_version=form.cleaned_data.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(request, _("Patient %(code)s saved.") % {"code": patient.code})
            return redirect("clinical:patient_detail", pk=patient.pk)
        stale = outcome.conflict
    return render(
        request, "patients/patient_form.html", {"form": form, "patient": patient, "stale": stale}
    )


@permission_required("patients.add_course", raise_exception=True)
def course_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk, is_active=True)
    return _course_form(request, patient, Course(patient=patient))


@permission_required("patients.change_course", raise_exception=True)
def course_update(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course.objects.select_related("patient"), pk=pk, is_active=True)
    return _course_form(request, course.patient, course)


def _course_form(request: HttpRequest, patient: Patient, course: Course) -> HttpResponse:
    form = CourseForm(request.POST or None, instance=course, patient=patient)
    stale = None
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}

        def save() -> None:
            with transaction.atomic():
                services.course_save(
                    course=course,
                    user=request.user,
                    fields=fields,
                    expected_version=form.cleaned_data.get("version"),
                )

        outcome = save_form(form, save)
        if outcome.saved:
            messages.success(request, _("Course saved."))
            return redirect("clinical:patient_detail", pk=patient.pk)
        stale = outcome.conflict
    return render(
        request,
        "patients/course_form.html",
        {"form": form, "patient": patient, "course": course, "stale": stale},
    )


@permission_required("patients.view_history", raise_exception=True)
def patient_history(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk)
    if not request.user.has_perm("patients.view_identity"):
        raise PermissionDenied
    courses = list(Course.objects.filter(patient=patient))
    entries = record_history(patient) + [e for c in courses for e in record_history(c)]
    entries.sort(key=lambda e: e.when, reverse=True)
    return render(
        request, "patients/patient_history.html", {"patient": patient, "entries": entries}
    )
