"""The project's URLs plus one view that fails, for the 500 page (tests/core/test_hardening.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from belimumab.urls import handler500
from belimumab.urls import urlpatterns as project_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail: patients_patient.last_name = 'Martin'")


urlpatterns = [*project_urlpatterns, path("boom/", boom, name="boom")]
