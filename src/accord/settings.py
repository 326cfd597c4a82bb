"""Accord's one settings module: every value that differs between machines comes from the environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("ACCORD_HOME", SRC_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("ACCORD_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


ACCORD_ENV = os.environ.get("ACCORD_ENV", "development")
PRODUCTION = ACCORD_ENV == "production"
# The test suite swaps in a per-process cache and unhashed static names; it is detected, not configured,
# so that `pytest` needs no environment of its own.
TESTING = env_bool("ACCORD_TESTING") or "pytest" in sys.modules

DEBUG = env_bool("DEBUG", default=False) and not PRODUCTION

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when ACCORD_ENV=production.")
    # A development-only key: sessions signed with it are worthless anywhere else.
    SECRET_KEY = "accord-development-only-key-never-use-in-production-5f2c9a1e7d3b"


def audit_keys_from_env() -> list[tuple[str, str]]:
    """The audit chain's HMAC keys as (id, key), the signing key first.

    `ACCORD_AUDIT_KEYS="2026b:…,2026a:…"` lists every key still trusted for verifying; the first signs new
    entries. `ACCORD_AUDIT_KEY` alone is one key with the id "main". With neither, development and tests
    get a key derived from SECRET_KEY; production gets none and the deploy check fails.
    """
    listed = os.environ.get("ACCORD_AUDIT_KEYS", "").strip()
    if listed:
        keys = []
        for part in listed.split(","):
            key_id, sep, key = part.strip().partition(":")
            if not sep or not key_id.strip() or not key.strip():
                raise ImproperlyConfigured("ACCORD_AUDIT_KEYS must look like 'id:key,id:key'.")
            keys.append((key_id.strip(), key.strip()))
        return keys
    single = os.environ.get("ACCORD_AUDIT_KEY", "").strip()
    if single:
        return [("main", single)]
    if PRODUCTION:
        return []
    import hashlib
    import hmac

    return [("dev", hmac.new(SECRET_KEY.encode(), b"accord-audit-chain", hashlib.sha256).hexdigest())]


ACCORD_AUDIT_KEYS = audit_keys_from_env()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "pgtrigger",  # database-level triggers (the append-only audit table on PostgreSQL)
    "django_tasks",
    "django_tasks_db",
    # Accord's own apps; core first, domain apps after the ones they build on.
    "accord.core",
    "accord.accounts",
    "accord.programs",
    "accord.notifications",
    "accord.benefits",
    "accord.alignment",
    "accord.governance",
    "accord.meetings",
    "accord.sla",
    "accord.transition",
    "accord.change_control",
    "accord.transparency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accord.accounts.middleware.IdleSessionTimeoutMiddleware",
    "accord.accounts.middleware.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "accord.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at the start of
        # every atomic block, so two writers queue instead of failing half-way with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "programs:program_list"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# A person changes their own e-mail address only by confirming a link sent to the new address, after
# entering their password again; the old address stays in force until then.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# The old address is told when the address or the password changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_ADAPTER = "accord.accounts.adapter.AccordAccountAdapter"
# Throttling, not lock-out: five failures per account and per address in fifteen minutes, then wait.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/15m/ip,5/15m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    # Re-entering the password in a signed-in session (before an e-mail or 2FA change) is a guess too.
    "reauthenticate": "5/15m/user",
}
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
# Behind the TLS proxy every request arrives from the proxy; the sign-in throttle (and the audit trail)
# must count the client, which is the entry our proxy appended to X-Forwarded-For: the Nth from the right
# for N trusted proxies. Entries further left are whatever the client sent and are never trusted.
BEHIND_TLS_PROXY = PRODUCTION and env_bool("BEHIND_TLS_PROXY", default=True)
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("ACCORD_TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0))
# Or a header the proxy sets to the client's address (e.g. X-Real-IP), when it sets one.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("ACCORD_TRUSTED_CLIENT_IP_HEADER") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Accord"
# Vendor, outsourcer and consultancy staff and platform administrators must use TOTP (accounts/mfa.py).
MFA_ADAPTER = "accord.accounts.adapter.AccordMFAAdapter"
# Single sign-on through the hospital's OpenID Connect provider, when configured: it signs in people
# Accord already has (by the e-mail address the provider verified) and never creates or changes one.
SOCIALACCOUNT_ADAPTER = "accord.accounts.adapter.AccordSocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter does the matching, and only on verified addresses
SOCIALACCOUNT_PROVIDERS: dict = {}
ACCORD_OIDC_SERVER_URL = os.environ.get("ACCORD_OIDC_SERVER_URL", "").strip()
if ACCORD_OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "hospital",
                "name": os.environ.get("ACCORD_OIDC_NAME", "").strip() or "hospital single sign-on",
                "client_id": os.environ.get("ACCORD_OIDC_CLIENT_ID", ""),
                "secret": os.environ.get("ACCORD_OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": ACCORD_OIDC_SERVER_URL},
            }
        ],
    }

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
ACCORD_IDLE_TIMEOUT_SECONDS = int(os.environ.get("ACCORD_IDLE_TIMEOUT_SECONDS", 30 * 60))
SESSION_COOKIE_AGE = 12 * 60 * 60  # an absolute ceiling; the idle timeout ends sessions far sooner

# The rate limits above need a cache shared by every worker process; the database is the one thing
# all workers already share.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "accord_cache",
    }
}
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-accord-session"
    CSRF_COOKIE_NAME = "__Host-accord-csrf"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Background tasks and uploads ----------------------------------------------------------------
# Imports run in `accord db_worker` (django-tasks-db: the queue is a table, no broker). The test suite
# runs each task at once, on the same path, when the request's transaction commits.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
    }
}
# Upload ceilings, checked by the forms before anything is read. An XLSX is also refused before parsing
# when its sheets would unpack past the cell or size budget (a small zip can hold millions of cells).
ACCORD_MEASUREMENT_UPLOAD_MAX_MB = float(os.environ.get("ACCORD_MEASUREMENT_UPLOAD_MAX_MB", 5))
ACCORD_TICKET_UPLOAD_MAX_MB = float(os.environ.get("ACCORD_TICKET_UPLOAD_MAX_MB", 50))
ACCORD_XLSX_MAX_CELLS = int(os.environ.get("ACCORD_XLSX_MAX_CELLS", 45_000))
ACCORD_XLSX_MAX_UNPACKED_MB = float(os.environ.get("ACCORD_XLSX_MAX_UNPACKED_MB", 5))

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries come from npm (package-lock.json); nothing third-party is committed.
STATICFILES_DIRS = [SRC_DIR / "static"] + [
    (prefix, NODE_MODULES / path)
    for prefix, path in [
        ("vendor/htmx", "htmx.org/dist"),
        ("vendor/chartjs", "chart.js/dist"),
        ("vendor/swagger-ui", "swagger-ui-dist"),
    ]
    if (NODE_MODULES / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Accord <accord@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails are made absolute with this (e.g. https://accord.example.org); bare paths without it.
ACCORD_BASE_URL = os.environ.get("ACCORD_BASE_URL", "").rstrip("/")

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accord.accounts.authentication.MfaAwareTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "accord.core.throttling.AccordPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "accord.core.filters.AccordFilterBackend",  # ids and integers past the column's range are a 400
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "accord.core.parsers.DepthLimitedJSONParser",  # deeply nested JSON is a 400, not a RecursionError
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["accord.core.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("ACCORD_API_RATE", "1200/hour")},
    "EXCEPTION_HANDLER": "accord.core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord API",
    "DESCRIPTION": "Benefits, alignment, governance and SLA records of hospital IT programs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "accord/favicon.svg",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClockStatusEnum": "accord.sla.choices.ClockStatus",
        # A dispute's clock may also be "overall"; the report's clock is response or resolution.
        "DisputedClockEnum": "accord.sla.choices.DisputedClock",
        "ClockEnum": "accord.sla.choices.Clock",
        # A red flag's and a change's state (and the `to` of their transitions) are different machines.
        "FlagStateEnum": "accord.governance.choices.FlagState",
        "ChangeStateEnum": "accord.change_control.choices.ChangeState",
        "HandoverStageEnum": "accord.transition.choices.HandoverStage",
        "ReviewResultEnum": "accord.change_control.choices.ReviewResult",
        # A program's kind and its templates' kind are one choice set.
        "ProgramKindEnum": "accord.programs.models.ProgramKind",
    },
}

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SILENCED_SYSTEM_CHECKS: list[str] = []
