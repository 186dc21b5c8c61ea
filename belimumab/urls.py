from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from belimumab.accounts import oidc_views
from belimumab.core import views as core_views
from belimumab.core.observability import health

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", oidc_views.LoginView.as_view(), name="login"),
    path("logout/", oidc_views.LogoutView.as_view(), name="logout"),
    # single sign-on: to the provider (its slug), and back (the provider waits in the session)
    path(
        "oidc/<slug:provider>/login/", login_not_required(oidc_views.oidc_login), name="oidc_login"
    ),
    path(
        "oidc/callback/",
        login_not_required(oidc_views.CallbackView.as_view()),
        name="oidc_callback",
    ),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("patients/", include("belimumab.patients.urls")),
    path("", include("belimumab.clinical.urls")),  # its paths start with clinical/ or patients/
    path("pharmacy/", include("belimumab.pharmacy.urls")),
    path("stock/", include("belimumab.stock.urls")),
    path("reports/", include("belimumab.cohort_io.urls")),
    path("reports/", include("belimumab.reports.urls")),
    path("accounts/", include("belimumab.accounts.urls")),
    path("accounts/", include("belimumab.accounts.password_urls")),
    path("settings/", include("belimumab.department.urls")),
    path("labfeed/", include("belimumab.labfeed.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]

# 400, 403 and 404 are Django's views with templates/400.html, 403.html and 404.html; the 500 page
# is rendered without a request context (core.views.server_error).
handler500 = "belimumab.core.views.server_error"
