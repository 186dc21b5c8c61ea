from django.urls import path

from belimumab.reports import views_import

app_name = "reports"
urlpatterns: list = [
    # Cohort import (administrators).
    path("import/", views_import.import_cohort, name="import"),
]
