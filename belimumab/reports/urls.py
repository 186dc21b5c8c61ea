from django.urls import path

from belimumab.reports import views

app_name = "reports"
urlpatterns: list = [
    # Cohort dashboard and its exports (patients.view_cohort_report).
    path("", views.dashboard, name="dashboard"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
    # An export built by the task worker (its owner): its page, its state, its file.
    path("export/<uuid:job_id>/", views.export_job, name="export_job"),
    path("export/<uuid:job_id>/status.json", views.export_job_status, name="export_job_status"),
    path("export/<uuid:job_id>/file", views.export_download, name="export_download"),
]
