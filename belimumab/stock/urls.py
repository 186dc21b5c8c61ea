from django.urls import path

from belimumab.stock import views

app_name = "stock"

urlpatterns = [
    path("", views.stock_page, name="stock"),
    path("receive/", views.receive, name="receive"),
    path("lots/<int:pk>/", views.lot_page, name="lot"),
    path("lots/<int:pk>/remove/", views.lot_remove, name="lot_remove"),
    path("lots/<int:pk>/count/", views.lot_count, name="lot_count"),
]
