"""The patient page: identity, inclusion data, infusions and clinical panel. It shows three
apps, so it lives in the highest one it needs (clinical reads patients and pharmacy)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.db.models import TextChoices
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from belimumab.clinical.selectors import patient_clinical_panel
from belimumab.patients import selectors as patient_selectors
from belimumab.patients.models import InitiationReason, Manifestation, Patient, PreviousTreatment
from belimumab.pharmacy.selectors import patient_infusion_panel


def _labels(choices: type[TextChoices], codes: list[str]) -> list[str]:
    return [str(choices(code).label) for code in codes if code in choices.values]


@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        patient = patient_selectors.patient_detail(pk=pk)
    except Patient.DoesNotExist as exc:
        raise Http404 from exc
    today = timezone.localdate()
    return render(
        request,
        "clinical/patient_detail.html",
        {
            "patient": patient,
            "identity": request.user.has_perm("patients.view_identity"),
            "manifestations": _labels(Manifestation, patient.manifestations),
            "previous_treatments": _labels(PreviousTreatment, patient.previous_treatments),
            "initiation_reasons": _labels(InitiationReason, patient.initiation_reasons),
            "infusion_panel": patient_infusion_panel(patient=patient, today=today),
            "clinical_panel": patient_clinical_panel(patient=patient, today=today),
        },
    )
