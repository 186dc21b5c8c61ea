"""Cohort import in the browser, for administrators: upload, dry run, then confirm.

The same service and the same report as `manage.py import_cohort`, run as background tasks
(`jobs`): the upload is stored in the database as an `ImportJob`, so that "Import" imports
exactly the files that were checked, on whichever server and worker. The job's page shows its
progress: `static/js/job_status.js` polls the small JSON endpoint and reloads the page when the
job ends (no inline script: CSP); without JavaScript a "Refresh" link does the same.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from belimumab.cohort_io.jobs import can_confirm, import_job_confirm, import_job_create, job_result
from belimumab.cohort_io.limits import import_limits
from belimumab.cohort_io.models import ImportJob
from belimumab.core.worker import uses_worker

logger = logging.getLogger(__name__)

PERMISSION = "patients.import_cohort"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field accepting several files (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.xlsx,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]  # nothing uploaded: "This field is required."


def _name(upload: UploadedFile) -> str:
    """The name of a cleaned upload (FileField.clean refuses a file without one)."""
    if not upload.name:
        raise ValueError("an uploaded file without a name passed the form's cleaning")
    return upload.name


def _size(upload: UploadedFile) -> int:
    """The size of a cleaned upload (FileField.clean refuses an empty file)."""
    if upload.size is None:
        raise ValueError(f"the upload {upload.name} has no size after the form's cleaning")
    return upload.size


class ImportForm(forms.Form):
    # The posted name the page, its tests and the e2e tests use. Django's form metaclass moves
    # declared fields into `base_fields`, so the form's own `files` (the uploads of the request)
    # is not shadowed at run time; the stubs cannot see that, and read an override of it.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=_(
            "One .xlsx workbook (one sheet per file), one .zip of CSV files, or several CSV "
            "files: patients.csv and, if you have them, treatments.csv, infusions.csv, "
            "visits.csv, labs.csv, adverse_events.csv."
        ),
    )

    def clean_files(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["files"]
        names = [_name(f).lower() for f in files]
        if len(files) > 1 and any(n.endswith((".xlsx", ".zip")) for n in names):
            raise forms.ValidationError(
                _("Upload one .xlsx workbook, one .zip file or CSV files, not a mix.")
            )
        if any(not n.endswith((".csv", ".xlsx", ".zip")) for n in names):
            raise forms.ValidationError(_("Only .csv, .xlsx and .zip files are accepted."))
        # An upload holds at most what an archive may hold unpacked; the import checks each
        # file against the limits of docs/data-format.md.
        limit = import_limits().unpacked_bytes
        if sum(_size(f) for f in files) > limit:
            raise forms.ValidationError(
                _("The files are too large (%(max)s at most).") % {"max": filesizeformat(limit)}
            )
        return files


PHASES = {
    "read": _("Reading the files"),
    "validate": _("Checking every row"),
    "compare": _("Comparing with the database"),
    "write": _("Writing"),
}


def _job(request: HttpRequest, job_id: str) -> ImportJob:
    """The job, for its owner and for administrators (who see every import); else 404, so
    that the existence of another user's job is not revealed."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not (
        job.owner_id == request.user.pk or request.user.has_perm("cohort_io.view_importjob")
    ):
        raise Http404
    return job


@permission_required(PERMISSION, raise_exception=True)
def import_cohort(request: HttpRequest) -> HttpResponse:
    """The upload form; a valid upload becomes a job (a dry run) and its page."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(
            owner=request.user, files=form.cleaned_data["files"], language=get_language()
        )
        return redirect("cohort_io:job", job_id=job.pk)
    return render(request, "cohort_io/import.html", {"form": form})


@require_safe
@never_cache
@permission_required(PERMISSION, raise_exception=True)
def import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's page: its progress while it waits or runs, then its report."""
    job = _job(request, job_id)
    context = {
        "job": job,
        "phase": PHASES.get(job.phase, ""),
        "result": job_result(job) if job.finished else None,
        "confirm": can_confirm(job),
        "needs_worker": uses_worker(),
    }
    return render(request, "cohort_io/import_job.html", context)


@require_safe
@never_cache
@permission_required(PERMISSION, raise_exception=True)
def import_job_status(request: HttpRequest, job_id: str) -> JsonResponse:
    """What the page's script polls: state, phase and percentage (no problem text)."""
    job = _job(request, job_id)
    return JsonResponse(
        {
            "state": job.state,
            "finished": job.finished,
            "phase": str(PHASES.get(job.phase, "")),
            "percent": job.percent,
        }
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def import_job_confirm_view(request: HttpRequest, job_id: str) -> HttpResponse:
    """Import the checked files (a second task); refused once imported or never checked."""
    job = _job(request, job_id)
    if not import_job_confirm(job=job):
        expired = _("These files were already imported or have expired: upload them again.")
        return render(request, "cohort_io/import.html", {"form": ImportForm(), "error": expired})
    return redirect("cohort_io:job", job_id=job.pk)
