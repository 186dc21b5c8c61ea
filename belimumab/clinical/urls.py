from django.urls import path

from belimumab.clinical import patient_page, views

app_name = "clinical"
# Mounted at the site root: the patient page keeps its address, /patients/<pk>/.
urlpatterns = [
    path("patients/<int:pk>/", patient_page.patient_detail, name="patient_detail"),
    path("clinical/patients/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("clinical/patients/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path(
        "clinical/patients/<int:pk>/visits/suggestions/",
        views.visit_suggestions,
        name="visit_suggestions",
    ),
    path("clinical/visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("clinical/visits/<int:pk>/edit/", views.visit_update, name="visit_update"),
    path("clinical/patients/<int:pk>/labs/new/", views.lab_create, name="lab_create"),
    path("clinical/labs/<int:pk>/edit/", views.lab_update, name="lab_update"),
    path(
        "clinical/patients/<int:pk>/treatments/new/",
        views.treatment_create,
        name="treatment_create",
    ),
    path("clinical/treatments/<int:pk>/edit/", views.treatment_update, name="treatment_update"),
    path(
        "clinical/patients/<int:pk>/adverse-events/new/",
        views.adverse_event_create,
        name="adverse_event_create",
    ),
    path(
        "clinical/adverse-events/<int:pk>/edit/",
        views.adverse_event_update,
        name="adverse_event_update",
    ),
    path(
        "clinical/patients/<int:pk>/adjudicate/<str:timepoint>/",
        views.adjudicate,
        name="adjudicate",
    ),
    path("clinical/history/<str:kind>/<int:pk>/", views.history, name="history"),
    path(
        "clinical/deactivate/<str:kind>/<int:pk>/",
        views.record_deactivate,
        name="record_deactivate",
    ),
]
