"""Settings for Samen Veilig, read from the environment.

Every variable is listed in the README's configuration table. The demo (SAMENVEILIG_DEMO=1) turns
on DEBUG, the console e-mail backend and generates its secrets into ``var/``; production must set
them explicitly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SAMENVEILIG_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEMO_MODE = env_bool("SAMENVEILIG_DEMO")
# Under pytest the settings switch to fast hashing and immediate tasks, whoever starts it.
TESTING = env_bool("SAMENVEILIG_TESTING") or "pytest" in sys.modules
DEBUG = env_bool("DEBUG", default=DEMO_MODE)


def _secret_from_var(filename: str, make: callable) -> str:  # type: ignore[valid-type]
    """Read a generated secret from var/, creating it on first use (demo and development only)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / filename
    if not path.exists():
        # Written aside and linked into place: two processes starting at once (CI runs two test
        # suites side by side) both read the one secret that won, never a half-written file.
        tmp = VAR_DIR / f".{filename}.{os.getpid()}.tmp"
        tmp.write_text(make())
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def _generated_allowed() -> bool:
    return DEMO_MODE or DEBUG or TESTING


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not _generated_allowed():
        raise ImproperlyConfigured("SECRET_KEY must be set when not in demo or DEBUG mode.")
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = _secret_from_var("secret_key", get_random_secret_key)

# Fernet keys for encryption at rest, newest first (MultiFernet): rotate by prepending a new key.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not _generated_allowed():
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when not in demo or DEBUG mode."
        )
    FIELD_ENCRYPTION_KEYS = [
        _secret_from_var("field_encryption_key", lambda: Fernet.generate_key().decode())
    ]

# The public address of this deployment, for links in e-mails (no trailing slash).
SITE_URL = os.environ.get(
    "SITE_URL", "http://127.0.0.1:8000" if (DEBUG or DEMO_MODE or TESTING) else ""
).rstrip("/")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or DEMO_MODE) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "samenveilig.core",
    "samenveilig.accounts",
    "samenveilig.areas",
    "samenveilig.communities",
    "samenveilig.analysis",
    "samenveilig.reports",
    "samenveilig.alerts",
    "samenveilig.questionnaires",
    "samenveilig.inquiries",
    "samenveilig.monitor",
    "samenveilig.training",
    "samenveilig.flags",
    "samenveilig.investigations",
    "samenveilig.funds",
    "samenveilig.programme",
    "samenveilig.activities",
    "samenveilig.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "samenveilig.core.middleware.RejectNullCharactersMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "samenveilig.accounts.middleware.UserLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "samenveilig.accounts.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "samenveilig.urls"
WSGI_APPLICATION = "samenveilig.wsgi.application"

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
                "samenveilig.core.context_processors.site",
            ],
        },
    }
]

# --- Database: SQLite (WAL) by default, PostgreSQL through DATABASE_URL -------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'samenveilig.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Connections are kept (as for PostgreSQL): opening one and running the PRAGMAs below cost
    # more than the whole of a simple request (bench/bench_reports_intake.py, the floor).
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when configured (shared rate limits across processes), else local memory ------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work: django-tasks with the database backend (no extra service needed) ----------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
if TESTING and "TASKS_BACKEND" not in os.environ:
    # Tests run tasks inline; a test that needs real workers sets TASKS_BACKEND for them.
    TASKS["default"]["BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    # Scale-out (PLT-4): the same tasks on Redis queues. Workers run
    # `manage.py rqworker default --job-class django_tasks_rq.Job`, at least one of them with
    # `--with-scheduler` (deferred tasks: retries, quiet hours); see docs/operations.md.
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}

# --- Reports (REP) --------------------------------------------------------------------------------
# REP-10: reports per hour per user and per IP address; Open311 requests per hour per API key.
REPORTS_RATE_LIMIT_PER_USER = int(os.environ.get("REPORTS_RATE_LIMIT_PER_USER", "10"))
REPORTS_RATE_LIMIT_PER_IP = int(os.environ.get("REPORTS_RATE_LIMIT_PER_IP", "30"))
OPEN311_RATE_LIMIT_PER_KEY = int(os.environ.get("OPEN311_RATE_LIMIT_PER_KEY", "1000"))
# REP-10: a reporter with this many reports marked as misuse within the window has every new
# report checked by a coordinator first (0 = never).
REPORT_ABUSE_MODERATION_THRESHOLD = int(os.environ.get("REPORT_ABUSE_MODERATION_THRESHOLD", "2"))
REPORT_ABUSE_WINDOW_DAYS = int(os.environ.get("REPORT_ABUSE_WINDOW_DAYS", "365"))
# How often (seconds) a process checks whether buurt boundaries changed in another process.
AREAS_SPATIAL_RECHECK_SECONDS = float(os.environ.get("AREAS_SPATIAL_RECHECK_SECONDS", "1"))

# --- Alerts (ALR) ---------------------------------------------------------------------------------
# Web Push (VAPID) keys: from the environment, or var/vapid.json written by `manage.py vapid_keys`.
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:beheer@samenveilig.local")
# Days an expired alert's description is kept (for questions afterwards) before the purge job
# removes it (ALR-6).
ALERT_RETENTION_DAYS = int(os.environ.get("ALERT_RETENTION_DAYS", "30"))
# Drains per channel that one alert's fan-out starts in parallel (ALR-3); more workers than this
# do not speed up one alert, they serve several alerts at once.
ALERT_FANOUT_PARALLELISM = int(os.environ.get("ALERT_FANOUT_PARALLELISM", "2"))
# How long a drain's claim on a batch of deliveries lasts before another drain may take it over
# (a worker that died). Renewed while sending; keep it well above one SMTP/HTTP timeout.
ALERT_DELIVERY_LEASE_SECONDS = int(os.environ.get("ALERT_DELIVERY_LEASE_SECONDS", "120"))

# --- Training (TRN) -------------------------------------------------------------------------------
# How long a certificate is valid after passing a module's quiz, and how many days before expiry
# the renewal reminder goes out (``manage.py training_reminders``, daily).
TRAINING_CERTIFICATE_VALIDITY_DAYS = int(
    os.environ.get("TRAINING_CERTIFICATE_VALIDITY_DAYS", "730")
)
TRAINING_REMINDER_DAYS = int(os.environ.get("TRAINING_REMINDER_DAYS", "30"))

# --- Partner flags (FLG) --------------------------------------------------------------------------
# Secrets of the keyed hash that flags are matched by, newest first: rotate by prepending a new
# key, running `manage.py flags_rekey`, then dropping the old one. Required to use flags outside
# demo/DEBUG (`manage.py check --deploy` says so); generated into var/ in demo and development.
FLAG_HMAC_KEYS = env_list("FLAG_HMAC_KEYS")
if not FLAG_HMAC_KEYS and _generated_allowed():
    FLAG_HMAC_KEYS = [_secret_from_var("flag_hmac_key", lambda: Fernet.generate_key().decode())]
# Partner types whose users may set flags; reminder before expiry; retention after it (days).
FLAG_SETTER_ROLES = env_list("FLAG_SETTER_ROLES", "police,municipality")
FLAG_REMINDER_DAYS = int(os.environ.get("FLAG_REMINDER_DAYS", "14"))
FLAG_RETENTION_DAYS = int(os.environ.get("FLAG_RETENTION_DAYS", "90"))
FLAG_LOOKUP_RETENTION_DAYS = int(os.environ.get("FLAG_LOOKUP_RETENTION_DAYS", "365"))
FLAG_LOOKUPS_PER_HOUR = int(os.environ.get("FLAG_LOOKUPS_PER_HOUR", "60"))
FLAG_RETROACTIVE_DAYS = int(os.environ.get("FLAG_RETROACTIVE_DAYS", "30"))

# --- Privacy (PLT-6) ------------------------------------------------------------------------------
# Retention periods in days; samenveilig.privacy.retention (rendered in docs/privacy.md) says what
# each covers, from when it counts and which purge function removes it (`manage.py purge`, daily).
REPORTER_IDENTITY_RETENTION_DAYS = int(os.environ.get("REPORTER_IDENTITY_RETENTION_DAYS", "90"))
REPORT_RETENTION_DAYS = int(os.environ.get("REPORT_RETENTION_DAYS", "365"))
INQUIRY_CONTACT_RETENTION_DAYS = int(os.environ.get("INQUIRY_CONTACT_RETENTION_DAYS", "90"))
SURVEY_FREE_TEXT_RETENTION_DAYS = int(os.environ.get("SURVEY_FREE_TEXT_RETENTION_DAYS", "180"))
DELIVERY_LOG_RETENTION_DAYS = int(os.environ.get("DELIVERY_LOG_RETENTION_DAYS", "90"))
TASK_RESULT_RETENTION_DAYS = int(os.environ.get("TASK_RESULT_RETENTION_DAYS", "30"))
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "1825"))
PRIVACY_REQUEST_RETENTION_DAYS = int(os.environ.get("PRIVACY_REQUEST_RETENTION_DAYS", "730"))
# A photo uploaded for a questionnaire answer that no saved answer uses.
ANSWER_IMAGE_UNUSED_RETENTION_DAYS = int(os.environ.get("ANSWER_IMAGE_UNUSED_RETENTION_DAYS", "2"))
# Paid expense claims keep their receipt seven years (fiscal duty, art. 52 AWR);
# rejected ones a year.
FUNDS_CLAIM_RETENTION_DAYS = int(os.environ.get("FUNDS_CLAIM_RETENTION_DAYS", "2557"))
FUNDS_REJECTED_CLAIM_RETENTION_DAYS = int(
    os.environ.get("FUNDS_REJECTED_CLAIM_RETENTION_DAYS", "365")
)

# --- Accounts -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "samenveilig.accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "samenveilig.accounts.forms.SignupExtraForm"
ACCOUNT_RATE_LIMITS = {
    # Login throttling (PLT-3): failed logins per IP and per account, and overall login attempts.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Samen Veilig"
MFA_ADAPTER = "samenveilig.accounts.adapters.MFAAdapter"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not (DEBUG or DEMO_MODE or TESTING))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS: SecurityMiddleware sends it on HTTPS answers only, so a plain-HTTP demo never gets it.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
# Behind the TLS-terminating proxy (docs/operations.md) a request is HTTPS when the proxy says so;
# without this Django would see every request as plain HTTP and never send HSTS.
if env_bool("TRUST_X_FORWARDED_PROTO", default=SECURE_COOKIES):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Anonymous survey answers per hour from one address (the monitor's public link, issue 12).
SURVEY_ANSWERS_PER_HOUR_PER_IP = int(os.environ.get("SURVEY_ANSWERS_PER_HOUR_PER_IP", "60"))

# --- E-mail: console in the demo, SMTP configured by the environment ------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Samen Veilig <noreply@samenveilig.local>"
)

# --- Internationalisation: Dutch by default, English complete ------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Without collectstatic (demo, development, tests) whitenoise serves straight from the apps.
WHITENOISE_USE_FINDERS = DEBUG or DEMO_MODE or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# --- Maps: tile URL configurable; every map action has a non-map fallback -------------------------
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")

# --- Content Security Policy: no inline scripts; tiles from the configured host only --------------
_tile_origin = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_tile_origin] if _tile_origin else [])],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- Logging: structured, JSON in production, never personal data --------------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console" if (DEBUG or DEMO_MODE) else "json")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
from samenveilig.core.logging import configure_logging  # noqa: E402

LOGGING = configure_logging(LOG_FORMAT, LOG_LEVEL)
