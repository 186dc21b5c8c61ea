from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import formats
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from belimumab.core.observability import request_id
from belimumab.core.services import StaleRecord


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its daily page."""
    user = request.user
    if user.has_perm("pharmacy.add_infusion"):
        return redirect("pharmacy:worklist")
    if user.has_perm("patients.view_cohort_report"):
        return redirect("reports:dashboard")
    return redirect("patients:list")


def server_error(request: HttpRequest) -> HttpResponse:
    """templates/500.html with the request id only (what the user tells the administrator, and
    the key to the log lines): no request context, which may be what failed, and no detail."""
    page = loader.get_template("500.html").render({"request_id": request_id.get()})
    return HttpResponseServerError(page)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (CSRF) in the site's layout and language; Django's page is bare English
    and names the mechanism. The reason is logged by Django (django.security.csrf), not shown."""
    return render(request, "403.html", {"csrf_failure": True}, status=403)


def form_errors_from(form: Any, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: beside the field when it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


def refresh_version(form: Any, current: Any) -> None:
    """After a lost race the form starts from the stored version: saving again is deliberate."""
    form.data = form.data.copy()
    form.data["version"] = current.version


@dataclass
class Outcome:
    """What `save_form` did: `saved` with the service's `value`, or not, with the `conflict`
    to show (a lost edit race) or the errors already on the form."""

    saved: bool
    value: Any = None
    conflict: dict[str, Any] | None = None


def save_form(
    form: Any,
    save: Callable[[], Any],
    conflict: Callable[[Any, Any], dict[str, Any]] | None = None,
) -> Outcome:
    """Run a service's `save()` for a valid bound form, the same way on every entry page.

    A lost edit race (`StaleRecord`) gives `conflict(form, current)` (by default both versions
    field by field) and the form restarts from the stored version, so saving again is
    deliberate; any other `ValidationError` goes beside its field. Nothing is saved then."""
    try:
        value = save()
    except StaleRecord as exc:
        shown = (conflict or both_versions)(form, exc.current)
        refresh_version(form, exc.current)
        return Outcome(saved=False, conflict=shown)
    except ValidationError as exc:
        form_errors_from(form, exc)
        return Outcome(saved=False)
    return Outcome(saved=True, value=value)


def both_versions(form: Any, current: Any) -> dict[str, Any]:
    """The saved record beside the user's entries, field by field (both shown, none lost);
    rendered by core/_conflict.html."""
    rows = []
    for name, field in form.fields.items():
        if name in ("version", "confirmed"):  # bookkeeping, not the record's values
            continue
        saved = getattr(current, name, None)
        yours = form.cleaned_data.get(name)
        choices = dict(getattr(field, "flatchoices", None) or getattr(field, "choices", ()) or ())
        rows.append(
            ((field.label, display(saved, choices)), (field.label, display(yours, choices)))
        )
    return {"current": current, "rows": rows}


def display(value: Any, choices: dict[Any, Any] | None = None) -> str:
    """A value as the user reads it: choice label, yes/no, local date or number."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, list):
        return ", ".join(display(item, choices) for item in value) or "—"
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        plain = (
            number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()
        )
        return formats.number_format(plain)
    return str(value)
