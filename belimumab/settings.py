"""Settings of the belimumab project: one file, every deploy-specific value from the environment.

Nothing set: a development instance on SQLite. Production sets at least `DJANGO_SECRET_KEY`,
`DJANGO_DEBUG=false`, `DJANGO_ALLOWED_HOSTS` and `DATABASE_URL=postgres://...`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from belimumab.domain import defaults

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value in ("true", "1", "yes")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", "true")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is false")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "belimumab.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "csp",
    "bootstrap",
    "django_tasks",
    "django_tasks_db",
    "belimumab.core",
    "belimumab.department",
    "belimumab.accounts",
    "belimumab.patients",
    "belimumab.stock",
    "belimumab.pharmacy",
    "belimumab.clinical",
    "belimumab.labfeed",
    "belimumab.reports",
    "belimumab.cohort_io",
    "belimumab.benchmarks",
]

MIDDLEWARE = [
    # first: its id and its timing cover everything below
    "belimumab.core.observability.request_id_middleware",
    # the department's settings are read once per request: forgotten at its start and end
    "belimumab.department.selectors.department_settings_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # after the sessions: pushes the idle expiry forward, at most once a minute
    "belimumab.accounts.sessions.session_refresh_middleware",
    "django.middleware.locale.LocaleMiddleware",
    # after the language is chosen (its 400 page is in the user's language), before the login:
    # 405 for PUT/DELETE/PATCH..., 400 for a NUL character in the address (core/middleware.py)
    "belimumab.core.middleware.request_guard_middleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # a temporary password is changed before anything else (reads the session only)
    "belimumab.accounts.passwords.password_change_required",
    # who opened which patient's record: one INSERT after the page
    "belimumab.accounts.middleware.record_reads",
    # last: it turns a locked-out login into the lockout response
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # first: refuses logins after repeated failures (django-axes)
    "axes.backends.AxesStandaloneBackend",
    # local username and password: refused to all but superusers when DJANGO_LOCAL_LOGIN=false
    "belimumab.accounts.oidc.LocalBackend",
    # single sign-on (OpenID Connect): answers only the callback of a provider below
    "belimumab.accounts.oidc.ProviderBackend",
]
# Login throttling: 5 failures for one username from one address lock it for 15 minutes, and
# 10 failures from one address whatever the usernames lock the address (password spraying);
# accounts/lockout.py holds the two limits, a password reset clears a username's lock.
AXES_HANDLER = "belimumab.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_ADDRESS_FAILURE_LIMIT = envint("AXES_ADDRESS_FAILURE_LIMIT", "10")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", "15") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = envint("AXES_PROXY_COUNT", "0")

# Content-Security-Policy: scripts only from our own static files (no inline script anywhere:
# figures travel as JSON data blocks, behaviour lives in static/js). Inline styles stay allowed
# because plotly.js sets element styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "belimumab.urls"
WSGI_APPLICATION = "belimumab.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=envint("DB_CONN_MAX_AGE", "0")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction starts (no upgrade deadlock between two
    # requests) and wait for each other rather than fail; the test database is a file too, so
    # that parallel requests in tests meet the same locking as production (an in-memory shared
    # cache fails at once instead of waiting).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(Path(tempfile.gettempdir()) / f"belimumab-test-{os.getpid()}.sqlite3")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password reset links go by email: the console (the server's log) unless the deployment
# names a backend and its server (docs/deploy.md).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("DJANGO_EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("DJANGO_EMAIL_USE_TLS", "false")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "belimumab@localhost")
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_HOURS", "24") * 3600
LOGIN_URL = "login"
# Local accounts (username and password). false: the login page shows only the providers and
# refuses local logins, except a superuser's through /admin/ (the way in when the provider is
# down).
LOCAL_LOGIN = envbool("DJANGO_LOCAL_LOGIN", "true")


def oidc_provider(prefix: str, default_name: Any) -> dict[str, Any] | None:
    """One OpenID Connect provider from the variables `OIDC_<PREFIX>_*` (docs/deploy.md), or
    None when its client id is not set. A provider set half-way fails loudly at start."""

    def env(key: str, default: str | None = None) -> str:
        value = os.environ.get(f"OIDC_{prefix}_{key}", default)
        if value is None:
            raise ImproperlyConfigured(
                f"OIDC_{prefix}_{key} is required with OIDC_{prefix}_CLIENT_ID"
            )
        return value

    if not os.environ.get(f"OIDC_{prefix}_CLIENT_ID"):
        return None
    roles: dict[str, str] = {}
    for pair in envlist(f"OIDC_{prefix}_ROLE_MAP", ""):
        group, _sep, role = pair.rpartition("=")
        if not group or role not in ("pharmacist", "clinician", "department_head", "administrator"):
            raise ImproperlyConfigured(f"OIDC_{prefix}_ROLE_MAP: {pair!r} is not group=role")
        roles[group.strip()] = role.strip()
    return {
        "name": os.environ.get(f"OIDC_{prefix}_NAME") or default_name,
        "issuer": env("ISSUER", ""),
        "client_id": env("CLIENT_ID"),
        "client_secret": env("CLIENT_SECRET"),
        "authorization_endpoint": env("AUTHORIZATION_ENDPOINT"),
        "token_endpoint": env("TOKEN_ENDPOINT"),
        "userinfo_endpoint": env("USERINFO_ENDPOINT"),
        "jwks_endpoint": env("JWKS_ENDPOINT"),
        "end_session_endpoint": env("END_SESSION_ENDPOINT", ""),
        "sign_algo": env("SIGN_ALGO", "RS256"),
        "scopes": env("SCOPES", "openid profile email"),
        "acr_values": env("ACR_VALUES", ""),
        "pkce": envbool(f"OIDC_{prefix}_PKCE", "true"),
        # the client's secret in an Authorization: Basic header (client_secret_basic), else in
        # the token request's body (client_secret_post)
        "token_basic_auth": envbool(f"OIDC_{prefix}_TOKEN_BASIC_AUTH", "false"),
        "username_claim": env("USERNAME_CLAIM", "sub"),
        "groups_claim": env("GROUPS_CLAIM", "groups"),
        "roles": roles,
        "create_users": envbool(f"OIDC_{prefix}_CREATE_USERS", "true"),
    }


# At most two providers: the hospital's identity provider and Pro Sante Connect, each shown as
# "Sign in with <name>" on the login page; the key is the provider's slug in URLs and usernames.
OIDC_PROVIDERS: dict[str, dict[str, Any]] = {
    slug: provider
    for slug, provider in (
        ("hospital", oidc_provider("HOSPITAL", _("the hospital's identity provider"))),
        ("psc", oidc_provider("PSC", "Pro Santé Connect")),
    )
    if provider is not None
}


def with_logout_origins(policy: dict[str, Any], providers: dict[str, dict[str, Any]]) -> None:
    """The logout form's redirect to a provider's end-session endpoint is part of the form's
    navigation: browsers refuse it unless `form-action` names the provider's origin."""
    form_action = policy["DIRECTIVES"]["form-action"]
    for provider in providers.values():
        url = urlsplit(provider["end_session_endpoint"])
        origin = f"{url.scheme}://{url.netloc}"
        if url.netloc and origin not in form_action:
            form_action.append(origin)


with_logout_origins(CONTENT_SECURITY_POLICY, OIDC_PROVIDERS)
# mozilla-django-oidc's own switches (the per-provider values are read from OIDC_PROVIDERS)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
OIDC_STORE_ID_TOKEN = True  # the end-session request names the session it ends
OIDC_TIMEOUT = envint("OIDC_TIMEOUT_SECONDS", "10")
OIDC_VERIFY_SSL = envbool("OIDC_VERIFY_SSL", "true")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# French hospital first; English switchable per user (session / cookie). The English is British:
# day-first dates in display and input (a cookie or header saying "en" gets "en-gb").
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Paris")
# Dates and numbers of each language (belimumab/formats/<language>/formats.py): 10 408,50 in
# French (narrow no-break space), 10,408.50 in English. Numbers printed into attributes and
# URLs (ids, versions, counts, page numbers) go through |unlocalize in the templates.
FORMAT_MODULE_PATH = ["belimumab.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "belimumab.core.finders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", "30") * 60
# Idle expiry: a request pushes the expiry forward, saving the session at most once a minute
# (accounts/sessions.py) rather than at every page (SESSION_SAVE_EVERY_REQUEST).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", "false" if DEBUG else "true")
SECURE_HSTS_SECONDS = 0 if DEBUG else envint("DJANGO_HSTS_SECONDS", "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# `X-Forwarded-Proto: https` makes a request count as secure. Only a proxy in front of the
# application may say so: trusted from anyone, a client on plain HTTP passes for HTTPS (no
# redirect, CSRF's HTTPS checks relaxed). Set DJANGO_TRUST_PROXY=true only when a TLS proxy sets
# (and overwrites) the header and nothing else reaches the application.
TRUST_PROXY = envbool("DJANGO_TRUST_PROXY", "false")
if TRUST_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The proxy's X-Request-ID is reused only when the deployment says a proxy sets it.
TRUST_REQUEST_ID_HEADER = envbool("DJANGO_TRUST_REQUEST_ID", "false")
# One line per record on stderr: JSON for the log collector (DJANGO_LOG_FORMAT=json, the
# production choice) or plain text; every line carries the request id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "belimumab.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if os.environ.get("DJANGO_LOG_FORMAT") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        # the access log: one line per request (DJANGO_ACCESS_LOG=WARNING silences it)
        "belimumab.request": {"level": os.environ.get("DJANGO_ACCESS_LOG", "INFO")},
    },
}

# Every clinical number a department may change: one place (DOMAIN.md). Defaults come from
# belimumab.domain.defaults; a deployment overrides keys here or through the environment.
# Prices, currency, rounding, activity bands, windows, worklist horizons and lab ranges only
# seed the department's settings at installation (belimumab.department): after that the
# administrators' screens own them, and `department.selectors.belimumab()` reads them over this.
# Values of many types (numbers, tuples, mappings): each reader knows the type of its key.
BELIMUMAB: dict[str, Any] = {
    "IV_DOSE_MG_PER_KG": defaults.IV_DOSE_MG_PER_KG,
    "VIAL_SIZES_MG": defaults.VIAL_SIZES_MG,
    "CONCENTRATION_MG_PER_ML": defaults.CONCENTRATION_MG_PER_ML,
    "BAG_VOLUME_ML": defaults.BAG_VOLUME_ML,
    "MAX_HOURS_RECONSTITUTION_TO_END": defaults.MAX_HOURS_RECONSTITUTION_TO_END,
    "VIAL_PRICES": {
        120: float(os.environ.get("BELIMUMAB_PRICE_120", defaults.VIAL_PRICES[120])),
        400: float(os.environ.get("BELIMUMAB_PRICE_400", defaults.VIAL_PRICES[400])),
    },
    "CURRENCY": os.environ.get("BELIMUMAB_CURRENCY", defaults.CURRENCY),
    "SHEET_HEADER": os.environ.get("BELIMUMAB_SHEET_HEADER", defaults.SHEET_HEADER).replace(
        "\\n", "\n"
    ),
    "ROUNDING_TOLERANCE_PCT": float(
        os.environ.get("BELIMUMAB_ROUNDING_TOLERANCE_PCT", defaults.ROUNDING_TOLERANCE_PCT)
    ),
    "MAX_WEIGHT_KG": defaults.MAX_WEIGHT_KG,
    "WEIGHT_CHANGE_CONFIRM_PCT": defaults.WEIGHT_CHANGE_CONFIRM_PCT,
    "MAX_INTERRUPTION_DAYS": defaults.MAX_INTERRUPTION_DAYS,
    "FIRST_YEAR_DAYS": defaults.FIRST_YEAR_DAYS,
    "TIMEPOINT_DAYS": defaults.TIMEPOINT_DAYS,
    "BASELINE_WINDOW": defaults.BASELINE_WINDOW,
    "TIMEPOINT_WINDOW": defaults.TIMEPOINT_WINDOW,
    "ACTIVITY_BANDS": defaults.ACTIVITY_BANDS,
    "THROMBOCYTOPENIA_BELOW": defaults.THROMBOCYTOPENIA_BELOW,
    "LEUKOPENIA_BELOW": defaults.LEUKOPENIA_BELOW,
    "RESPONSE_SLEDAI_DROP": defaults.RESPONSE_SLEDAI_DROP,
    "CONTINUATION_REVIEW_DAYS": defaults.CONTINUATION_REVIEW_DAYS,
    "WORKLIST_DAYS_AHEAD": envint(
        "BELIMUMAB_WORKLIST_DAYS_AHEAD", str(defaults.WORKLIST_DAYS_AHEAD)
    ),
    "WORKLIST_PAGE_SIZE": envint("BELIMUMAB_WORKLIST_PAGE_SIZE", str(defaults.WORKLIST_PAGE_SIZE)),
    "EARLIEST_DATE": defaults.EARLIEST_DATE,
    "DATE_YEARS_AHEAD": defaults.DATE_YEARS_AHEAD,
    "SC_PENS_PER_DISPENSATION": defaults.SC_PENS_PER_DISPENSATION,
    "MAX_PENS_PER_DISPENSATION": defaults.MAX_PENS_PER_DISPENSATION,
    # stock (issue 14): seeds of the department's settings, owned by its screen afterwards
    "STOCK_EXPIRY_HORIZON_DAYS": defaults.STOCK_EXPIRY_HORIZON_DAYS,
    "ORDER_SAFETY_MARGIN_DAYS": defaults.ORDER_SAFETY_MARGIN_DAYS,
    "STOCK_GTINS": defaults.DEMO_GTINS,
}

# Background work (django-tasks): browser imports and cohort reports are tasks. Production uses
# the database backend (tasks are rows: any application server enqueues, `manage.py run_worker`
# runs them, a restart loses nothing); in DEBUG, unless BELIMUMAB_TASKS=database, the immediate
# backend runs each task inside the request, so `make run` needs no worker (docs/deploy.md).
TASKS_BACKEND = os.environ.get("BELIMUMAB_TASKS", "immediate" if DEBUG else "database")
if TASKS_BACKEND not in ("immediate", "database"):
    raise ImproperlyConfigured("BELIMUMAB_TASKS is 'immediate' or 'database'")
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TASKS_BACKEND == "immediate"
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A worker writes its heartbeat every WORKER_HEARTBEAT_SECONDS; one silent for
# WORKER_STALE_SECONDS is taken for dead (health check "task_worker", its running tasks failed).
WORKER_HEARTBEAT_SECONDS = envint("BELIMUMAB_WORKER_HEARTBEAT_SECONDS", "10")
WORKER_STALE_SECONDS = envint("BELIMUMAB_WORKER_STALE_SECONDS", "60")
# The health endpoint's checks beyond the database and migrations: name -> dotted path of a
# function returning True when healthy (core imports no app, so apps are named here).
HEALTH_CHECKS = {
    "task_worker": "belimumab.core.worker.worker_seen_recently",
}

# How large a cohort import may be (docs/data-format.md "Limits"), checked before reading.
COHORT_IMPORT_LIMITS = {
    "FILE_MB": envint("BELIMUMAB_IMPORT_FILE_MB", str(defaults.IMPORT_FILE_MB)),
    "UNPACKED_MB": envint("BELIMUMAB_IMPORT_UNPACKED_MB", str(defaults.IMPORT_UNPACKED_MB)),
    "COMPRESSION_RATIO": envint(
        "BELIMUMAB_IMPORT_COMPRESSION_RATIO", str(defaults.IMPORT_COMPRESSION_RATIO)
    ),
    "ROWS": envint("BELIMUMAB_IMPORT_ROWS", str(defaults.IMPORT_ROWS)),
    "CELLS": envint("BELIMUMAB_IMPORT_CELLS", str(defaults.IMPORT_CELLS)),
}

# JSON serialisation keeping microseconds, so backups restore audit timestamps exactly.
SERIALIZATION_MODULES = {"json": "belimumab.core.serializers_json"}

# The laboratory's results feed (docs/lab-feed.md): the drop folder `manage.py labfeed_import`
# reads when given no path, the sender its files count under, the largest file it reads.
LABFEED: dict[str, Any] = {
    "DROP_FOLDER": os.environ.get("BELIMUMAB_LABFEED_DROP", str(BASE_DIR / "var" / "labfeed")),
    "FILE_SENDER": os.environ.get("BELIMUMAB_LABFEED_FILE_SENDER", "lab-files"),
    "FILE_MB": envint("BELIMUMAB_LABFEED_FILE_MB", "5"),
}
