from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
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
