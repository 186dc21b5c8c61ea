from django.urls import path

from belimumab.reports import views

app_name = "reports"
urlpatterns: list = [
    # Cohort dashboard and its exports (patients.view_cohort_report).
    path("", views.dashboard, name="dashboard"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
]
