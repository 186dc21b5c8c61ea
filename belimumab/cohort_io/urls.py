from django.urls import path

from belimumab.cohort_io import views

app_name = "cohort_io"
urlpatterns: list = [
    # Cohort import (administrators): /reports/import/, beside the dashboard it feeds.
    path("import/", views.import_cohort, name="import"),
]
