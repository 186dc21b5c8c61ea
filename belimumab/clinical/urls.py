from django.urls import path

from belimumab.clinical import views

app_name = "clinical"
urlpatterns = [
    path("patients/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("patients/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path(
        "patients/<int:pk>/visits/suggestions/",
        views.visit_suggestions,
        name="visit_suggestions",
    ),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_update, name="visit_update"),
    path("patients/<int:pk>/labs/new/", views.lab_create, name="lab_create"),
    path("labs/<int:pk>/edit/", views.lab_update, name="lab_update"),
    path("patients/<int:pk>/treatments/new/", views.treatment_create, name="treatment_create"),
    path("treatments/<int:pk>/edit/", views.treatment_update, name="treatment_update"),
    path(
        "patients/<int:pk>/adverse-events/new/",
        views.adverse_event_create,
        name="adverse_event_create",
    ),
    path("adverse-events/<int:pk>/edit/", views.adverse_event_update, name="adverse_event_update"),
    path("patients/<int:pk>/adjudicate/<str:timepoint>/", views.adjudicate, name="adjudicate"),
    path("history/<str:kind>/<int:pk>/", views.history, name="history"),
    path("deactivate/<str:kind>/<int:pk>/", views.record_deactivate, name="record_deactivate"),
]
