from django.urls import path

from belimumab.accounts import users, views

app_name = "accounts"
urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:pk>/", users.user_update, name="user_update"),
    path(
        "users/<int:pk>/temporary-password/",
        users.user_password_issue,
        name="user_password_issue",
    ),
    path("users/<int:pk>/reset-link/", users.user_reset_link, name="user_reset_link"),
]
