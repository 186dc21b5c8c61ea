"""Cohort import in the browser, for administrators: upload, dry run, then confirm.

The same service and the same report as `manage.py import_cohort`. The uploaded files are kept
in a private temporary folder named by a random token bound to the session, so that "Import"
imports exactly the files that were checked. The page is streamed: progress steps arrive while the
server reads, checks, compares and writes (a CSS rule shows only the latest one, so no script is
needed under the Content-Security-Policy), then the report follows.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from belimumab.cohort_io.limits import import_limits
from belimumab.cohort_io.results import ImportResult, Problem, Progress
from belimumab.cohort_io.services import cohort_import_steps

logger = logging.getLogger(__name__)

UPLOAD_ROOT = Path(tempfile.gettempdir()) / "belimumab-import"
SESSION_KEY = "cohort_import_token"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STALE_SECONDS = 24 * 3600
MARKERS = ("<!--import-steps-->", "<!--import-report-->")


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


def _remove_stale() -> None:
    if not UPLOAD_ROOT.is_dir():
        return
    limit = time.time() - STALE_SECONDS
    for folder in UPLOAD_ROOT.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _store(files: list[UploadedFile]) -> tuple[str, Path]:
    """Keep the upload as one upload.xlsx or upload.zip (CSV files are zipped); its token and
    path."""
    _remove_stale()
    token = secrets.token_urlsafe(24)
    folder = UPLOAD_ROOT / token
    folder.mkdir(parents=True, mode=0o700)
    try:
        return token, _write_upload(files, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a full disk leaves no half upload behind
        raise


def _write_upload(files: list[UploadedFile], folder: Path) -> Path:
    """Write the uploads chunk by chunk (never whole in memory) as one file; its path."""
    name = _name(files[0]).lower()
    if len(files) == 1 and name.endswith((".xlsx", ".zip")):
        target = folder / ("upload.xlsx" if name.endswith(".xlsx") else "upload.zip")
        with target.open("wb") as out:
            for chunk in files[0].chunks():
                out.write(chunk)
        return target
    target = folder / "upload.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for upload in files:
            with archive.open(Path(_name(upload)).name, "w", force_zip64=True) as member:
                for chunk in upload.chunks():
                    member.write(chunk)
    return target


def _stored(token: str | None) -> Path | None:
    if not token or not TOKEN_RE.match(token):
        return None
    folder = UPLOAD_ROOT / token
    for name in ("upload.xlsx", "upload.zip"):
        if (folder / name).is_file():
            return folder / name
    return None


def _discard(token: str) -> None:
    if TOKEN_RE.match(token):
        shutil.rmtree(UPLOAD_ROOT / token, ignore_errors=True)


PHASES = {
    "read": _("Reading the files"),
    "validate": _("Checking every row"),
    "compare": _("Comparing with the database"),
    "write": _("Writing"),
}


def _step_html(phase: str, percent: int) -> str:
    """One progress step; the page's CSS shows only the latest (no script: CSP)."""
    return format_html(
        '<div class="import-step"><div class="small">{}</div><div class="progress" '
        'role="progressbar" aria-valuenow="{}" aria-valuemin="0" aria-valuemax="100">'
        '<div class="progress-bar" style="width: {}%">{}%</div></div></div>\n',
        PHASES.get(phase, phase),
        percent,
        percent,
        percent,
    )


def _run(request: HttpRequest, token: str, source: Path, dry_run: bool) -> StreamingHttpResponse:
    """Stream the page: progress while the import runs, then its report."""
    get_token(request)  # the confirm form's CSRF token, before the headers leave
    steps = cohort_import_steps(source=source, user=request.user, dry_run=dry_run)
    page = render_to_string(
        "cohort_io/import_run.html", {"dry_run": dry_run, "markers": MARKERS}, request=request
    )
    head, rest = page.split(MARKERS[0])
    middle, tail = rest.split(MARKERS[1])

    def content() -> Iterator[str]:
        confirm = False
        try:
            yield head
            result = yield from _progress(steps, dry_run)
            yield middle
            confirm = dry_run and result.ok and result.changes > 0
            yield render_to_string(
                "cohort_io/_import_report.html",
                {"result": result, "token": token if confirm else None},
                request=request,
            )
            yield tail
        finally:
            # Whatever happened (a crash, the browser gone mid-way), only files waiting for
            # their confirmation stay in the temporary folder.
            if not confirm:
                _discard(token)

    response = StreamingHttpResponse(content())
    response["X-Accel-Buffering"] = "no"  # nginx: pass the progress steps on as they come
    return response


def _progress(
    steps: Iterator[Progress | ImportResult], dry_run: bool
) -> Generator[str, None, ImportResult]:
    """Yield the progress steps' HTML; return the import's result. A crash of the import is
    logged and reported as a problem (nothing was written: its transaction rolled back), as the
    page's head has already left."""
    result: ImportResult | None = None
    last: tuple[str, int] | None = None
    try:
        for step in steps:
            if isinstance(step, ImportResult):
                result = step
            elif isinstance(step, Progress):
                percent = 100 * step.done // step.total if step.total else 100
                if (step.phase, percent) != last:
                    last = (step.phase, percent)
                    yield _step_html(step.phase, percent)
        if result is None:
            raise RuntimeError("cohort_import_steps ended without its result")
    except Exception:
        logger.exception("cohort import failed")
        message = _("the import failed unexpectedly; nothing was written (the log has the error)")
        result = ImportResult(dry_run=dry_run, problems=[Problem("-", 1, "-", str(message))])
    return result


@permission_required("patients.import_cohort", raise_exception=True)
def import_cohort(request: HttpRequest) -> HttpResponseBase:
    """Upload and dry run (POST with files), import after confirmation (POST with the token)."""
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        source = _stored(token) if token == request.session.get(SESSION_KEY) else None
        if source is not None:
            del request.session[SESSION_KEY]
            return _run(request, token, source, dry_run=False)
        expired = _("These files were already imported or have expired: upload them again.")
        return render(request, "cohort_io/import.html", {"form": ImportForm(), "error": expired})
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token, source = _store(form.cleaned_data["files"])
        request.session[SESSION_KEY] = token
        return _run(request, token, source, dry_run=True)
    return render(request, "cohort_io/import.html", {"form": form})
