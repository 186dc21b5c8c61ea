from django.urls import path

from belimumab.pharmacy import planning_views, sheets, traceability_views, views

app_name = "pharmacy"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("patients/<int:patient_id>/infusions/new/", views.infusion_record, name="infusion_record"),
    path("infusions/<int:pk>/edit/", views.infusion_edit, name="infusion_edit"),
    path("infusions/<int:pk>/deactivate/", views.infusion_deactivate, name="infusion_deactivate"),
    path("infusions/<int:pk>/sheet/", sheets.infusion_sheet, name="infusion_sheet"),
    path("infusions/<int:pk>/sheet.pdf", sheets.infusion_sheet_pdf, name="infusion_sheet_pdf"),
    path(
        "infusions/<int:pk>/sheet/reprint/",
        sheets.infusion_sheet_reprint,
        name="infusion_sheet_reprint",
    ),
    path("sheets/", sheets.day_sheets, name="day_sheets"),
    path("sheets/day.pdf", sheets.day_sheets_pdf, name="day_sheets_pdf"),
    path("sheets/reprint/", sheets.day_sheets_reprint, name="day_sheets_reprint"),
    path("sheets/printed/<int:pk>.pdf", sheets.printed_sheet, name="printed_sheet"),
    path("dose-plan/", views.dose_plan, name="dose_plan"),
    path("lots/<int:pk>/patients/", traceability_views.lot_traceability, name="lot_traceability"),
    path("patients/<int:pk>/lots/", traceability_views.patient_lots, name="patient_lots"),
    path("planning/", planning_views.planning_page, name="planning"),
]
