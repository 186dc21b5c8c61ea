from django.urls import path

from belimumab.cohort_io import views

app_name = "cohort_io"
urlpatterns: list = [
    # Cohort import (administrators): /reports/import/, beside the dashboard it feeds.
    path("import/", views.import_cohort, name="import"),
    # One import job (its owner and administrators): its page, its state polled, its confirmation.
    path("import/<uuid:job_id>/", views.import_job, name="job"),
    path("import/<uuid:job_id>/status.json", views.import_job_status, name="job_status"),
    path("import/<uuid:job_id>/confirm/", views.import_job_confirm_view, name="job_confirm"),
]
