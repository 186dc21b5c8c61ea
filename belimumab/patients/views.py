from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from belimumab.core.audit import record_history
from belimumab.core.views import save_form
from belimumab.patients import selectors, services
from belimumab.patients.forms import (
    CourseForm,
    FollowUpEndForm,
    FollowUpReopenForm,
    NewPatientCourseForm,
    PatientForm,
)
from belimumab.patients.models import (
    Course,
    Patient,
)

IDENTITY_FIELDS = ("last_name", "first_name", "birth_date")


def _patient_form(request: HttpRequest, *args: Any, **kwargs: Any) -> PatientForm:
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


class _Forms:
    """The patient and first-course forms as one for `save_form`: a service error goes beside
    its field on the form that has it (the course start's plausibility on the course form)."""

    def __init__(self, form: PatientForm, course_form: NewPatientCourseForm) -> None:
        self.form, self.course_form = form, course_form
        self.fields = {**form.fields, **course_form.fields}

    def add_error(self, field: str | None, error: Any) -> None:
        target = self.course_form if field in self.course_form.fields else self.form
        target.add_error(field, error)


@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    form = _patient_form(request, request.POST or None)
    course_form = NewPatientCourseForm(request.POST or None, prefix="course")
    if request.method == "POST" and form.is_valid() and course_form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        outcome = save_form(
            _Forms(form, course_form),
            lambda: services.patient_register(
                user=request.user,
                fields=fields,
                regimen=course_form.cleaned_data["regimen"],
                start_date=course_form.cleaned_data["start_date"],
                confirmed=course_form.cleaned_data["confirmed"],
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
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "confirmed")}

        def save() -> None:
            with transaction.atomic():
                services.course_save(
                    course=course,
                    user=request.user,
                    fields=fields,
                    expected_version=form.cleaned_data.get("version"),
                    confirmed=form.cleaned_data["confirmed"],
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


def _next_url(request: HttpRequest, default: str) -> str:
    """The page to return to: `?next=` (or the form's `next`) when it is a local URL."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else default


@permission_required("patients.end_follow_up", raise_exception=True)
def course_follow_up_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Record, correct or clear the end of a course's follow-up (a pharmacist's or a
    clinician's act; a stop stays the clinician's, on the course form)."""
    course = get_object_or_404(
        Course.objects.select_related("patient", "regimen"), pk=pk, is_active=True
    )
    back = _next_url(request, reverse("clinical:patient_detail", args=[course.patient_id]))
    if course.stop_date is not None and course.follow_up_end is None:
        messages.warning(request, _("This course was stopped: its follow-up ended with the stop."))
        return redirect(back)
    if request.method == "POST" and request.POST.get("action") == "reopen":
        return _follow_up_reopen(request, course, back)
    form = FollowUpEndForm(request.POST or None, course=course)
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = save_form(
            form,
            lambda: services.course_follow_up_end(
                course=course,
                user=request.user,
                end_date=data["follow_up_end"],
                reason=data["follow_up_end_reason"],
                note=data["follow_up_end_note"],
                expected_version=data.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(
                request,
                _("End of follow-up recorded for %(code)s.") % {"code": course.patient.code},
            )
            return redirect(back)
        stale = outcome.conflict
    return _follow_up_page(request, course, form, back, stale)


def _follow_up_reopen(request: HttpRequest, course: Course, back: str) -> HttpResponse:
    form = FollowUpReopenForm(request.POST)
    form.is_valid()
    outcome = save_form(
        form,
        lambda: services.course_follow_up_reopen(
            course=course, user=request.user, expected_version=form.cleaned_data.get("version")
        ),
    )
    if outcome.saved:
        messages.success(
            request, _("Follow-up of %(code)s reopened.") % {"code": course.patient.code}
        )
        return redirect(back)
    course.refresh_from_db()
    if outcome.conflict is not None:
        messages.error(
            request, _("This course was changed by someone else meanwhile: nothing was cleared.")
        )
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return _follow_up_page(request, course, FollowUpEndForm(course=course), back, None)


def _follow_up_page(
    request: HttpRequest,
    course: Course,
    form: FollowUpEndForm,
    back: str,
    stale: dict[str, object] | None,
) -> HttpResponse:
    return render(
        request,
        "patients/follow_up_end_form.html",
        {"form": form, "course": course, "patient": course.patient, "back": back, "stale": stale},
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
