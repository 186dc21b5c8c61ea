from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator


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


def form_errors_from(form: Any, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: beside the field when it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)
