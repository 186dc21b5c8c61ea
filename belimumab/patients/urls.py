from django.urls import path

from belimumab.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:pk>/edit/", views.patient_update, name="update"),
    path("<int:pk>/history/", views.patient_history, name="history"),
    path("<int:pk>/courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/edit/", views.course_update, name="course_update"),
    path(
        "courses/<int:pk>/follow-up-end/",
        views.course_follow_up_end,
        name="course_follow_up_end",
    ),
]
