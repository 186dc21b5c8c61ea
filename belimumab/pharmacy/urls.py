from django.urls import path

from belimumab.pharmacy import planning_views, traceability_views, views

app_name = "pharmacy"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("patients/<int:patient_id>/infusions/new/", views.infusion_record, name="infusion_record"),
    path("infusions/<int:pk>/edit/", views.infusion_edit, name="infusion_edit"),
    path("infusions/<int:pk>/deactivate/", views.infusion_deactivate, name="infusion_deactivate"),
    path("infusions/<int:pk>/sheet/", views.infusion_sheet, name="infusion_sheet"),
    path("dose-plan/", views.dose_plan, name="dose_plan"),
    path("lots/<int:pk>/patients/", traceability_views.lot_traceability, name="lot_traceability"),
    path("patients/<int:pk>/lots/", traceability_views.patient_lots, name="patient_lots"),
    path("planning/", planning_views.planning_page, name="planning"),
]
