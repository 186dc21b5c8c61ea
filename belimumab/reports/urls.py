from django.urls import path

from belimumab.reports import views, views_import

app_name = "reports"
urlpatterns: list = [
    # Cohort import (administrators).
    path("import/", views_import.import_cohort, name="import"),
    # Cohort dashboard and its exports (patients.view_cohort_report).
    path("", views.dashboard, name="dashboard"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
]
