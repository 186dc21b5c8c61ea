"""Password pages under Django's own URL names (its templates and views reverse them)."""

from django.urls import path

from belimumab.accounts import passwords

urlpatterns = [
    path("password/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
