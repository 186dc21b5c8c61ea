from django.urls import path

from belimumab.department import views

app_name = "department"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("general/", views.department_edit, name="edit"),
    path("prices/new/", views.price_add, name="price_add"),
    path("prices/<int:pk>/deactivate/", views.price_deactivate, name="price_deactivate"),
    path("labs/<str:test>/", views.lab_edit, name="lab_edit"),
]
