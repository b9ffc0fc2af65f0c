"""Django settings. Every value comes from an environment variable; see docs/settings.md."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import dj_database_url

from kesu.env import SettingError, env_bool, env_choice, env_int, env_list, env_path, env_str, secret_key_from

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("KESU_DATA_DIR", BASE_DIR / "data")

DEBUG = env_bool("KESU_DEBUG", False)
SECRET_KEY = secret_key_from("KESU_SECRET_KEY", DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("KESU_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("KESU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "kesu.audit",
    "kesu.org",
    "kesu.policies",
    "kesu.complaints",
    "kesu.clocks",
    "kesu.workflow",
    "kesu.notifications",
    "kesu.tasks",
    "kesu.ops",
    "kesu.web",
    "kesu.portal",
    "kesu.mailin",
    "kesu.intake",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kesu.api",
    "kesu.reports",
    "kesu.privacy",  # issue 14: retention, a customer's own data, login protection
    "kesu.intelligence",  # issue 17: suggestions, repeated complaints, the case library
    "kesu.access",  # issue 14: who sees which personal data, reveals with a reason, the phone lookup's limit
    "captcha",  # django-simple-captcha: the portal's image check, one-time challenges in the database
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kesu.api.auth.TokenAuthentication",  # integrations: "Authorization: Token <key>"
        "rest_framework.authentication.SessionAuthentication",  # the browsable docs, signed in
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kesu.api.errors.handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "客诉 Kesu API",
    "DESCRIPTION": "Complaints: create, read, list, workflow steps. Errors: {error: {code, message, fields}}.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # Swagger UI served by Kesu from the PyPI package: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

MIDDLEWARE = [
    "kesu.ops.health.ProbeMiddleware",  # /healthz, /readyz, /metrics: before the host check (docs/deploy.md)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the language from the cookie or Accept-Language, never the session
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kesu.web.security.SecurityHeadersMiddleware",  # CSP on every page, no-store on every dynamic response
    "kesu.api.middleware.BrowserLayers",  # the five below, for every request but the API's with a token
]
# The layers a browser needs (kesu/api/middleware.py), in this order, innermost last.
BROWSER_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# Django's checks for sessions, the signed-in user, messages (the admin's) and CSRF (the deploy
# warning) look in MIDDLEWARE itself; the layers are inside BrowserLayers, for every request a
# browser makes, and kesu.E003 (kesu/api/middleware.py) checks them there.
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "security.W003"]

ROOT_URLCONF = "kesu.urls"
WSGI_APPLICATION = "kesu.wsgi.application"
AUTH_USER_MODEL = "org.Staff"
# ModelBackend that refuses while an account's or an address's failed sign-ins are spent (kesu/privacy/login.py)
AUTHENTICATION_BACKENDS = ["kesu.privacy.login.ThrottledBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:queue"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database ------------------------------------------------------------------------------
# Embedded default: one SQLite file in WAL mode. Writers take the lock at BEGIN (IMMEDIATE) so
# two registrations never deadlock upgrading a read lock; readers are never blocked.
_default_db = f"sqlite:///{DATA_DIR / 'kesu.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_db)
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("KESU_DB_CONN_MAX_AGE", 60, minimum=0))
except ValueError as exc:
    raise SettingError(f"DATABASE_URL={DATABASE_URL!r}: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["ENGINE"] = "kesu.db.sqlite"  # Django's, with a finer wait for the write lock (see there)
    _db["CONN_MAX_AGE"] = 0 if _db["NAME"] == ":memory:" else _db["CONN_MAX_AGE"]
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("KESU_SQLITE_TIMEOUT", 30, minimum=1),
        # temp_store: statement journals in memory — on disk, a registration's INSERT that touches more
        # than 16 pages spilled its journal to a new file in /var/tmp every other time (bench/README.md).
        # No mmap_size: it saved a web worker a third of its page reads after the other worker's commits
        # but remapped the file as it grew — domain registrations 164/s → 104/s (bench/README.md)
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                        "PRAGMA temp_store=MEMORY;",
    }
    _db["TEST"] = {"NAME": str(DATA_DIR / "test-kesu.sqlite3")}  # a file, so worker processes can share it
if _db["ENGINE"] not in ("kesu.db.sqlite", "django.db.backends.postgresql"):
    raise SettingError(f"DATABASE_URL: unsupported database {_db['ENGINE']!r} (use sqlite:// or postgres://)")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- language and time ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kesu" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # shown in Beijing time; stored in UTC
USE_TZ = True

# --- files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even before collectstatic
MEDIA_ROOT = env_path("KESU_MEDIA_ROOT", DATA_DIR / "media")
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True  # serve straight from the apps when collectstatic has not run
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

PASSWORD_HASHERS = env_list(
    "KESU_PASSWORD_HASHERS",
    ["django.contrib.auth.hashers.PBKDF2PasswordHasher", "django.contrib.auth.hashers.ScryptPasswordHasher"],
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("KESU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- production, transport security, the client's address ---------------------------------------
# Production is said (KESU_ENV=production) or seen: a server other machines may reach (a host name
# beyond the loopback ones) without debug pages. There, demo accounts and the public demo password
# stop start-up (kesu/ops/checks.py) unless KESU_DEMO=1 says this server is a demo.
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
_reachable = any(h not in _LOOPBACK_HOSTS for h in ALLOWED_HOSTS)
KESU_ENV = env_choice("KESU_ENV", "production" if _reachable and not DEBUG else "local", ("production", "local"))
KESU_DEMO = env_bool("KESU_DEMO", False)
SECURE_HSTS_SECONDS = env_int("KESU_HSTS_SECONDS", 0, minimum=0)  # set it once HTTPS works (31536000: a year)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KESU_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("KESU_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("KESU_SSL_REDIRECT", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("KESU_PROXY_HTTPS", False):  # the proxy in front ends TLS and says so in X-Forwarded-Proto
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The customer's address for the portal's limits: REMOTE_ADDR, unless a proxy is configured. Then
# the header is read only on requests from those proxies, right to left past the proxies' own
# entries (kesu/portal/limits.py); an unconfigured header is never trusted.
KESU_TRUSTED_PROXY_HEADER = env_str("KESU_TRUSTED_PROXY_HEADER", "").strip()
KESU_TRUSTED_PROXIES = env_list("KESU_TRUSTED_PROXIES", [])
if KESU_TRUSTED_PROXY_HEADER and not KESU_TRUSTED_PROXIES:
    raise SettingError("KESU_TRUSTED_PROXY_HEADER is set but KESU_TRUSTED_PROXIES is empty: name the proxies' "
                       "addresses (e.g. 127.0.0.1 or 10.0.0.0/24) whose header may be believed")
try:
    for _proxy in KESU_TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as exc:
    raise SettingError(f"KESU_TRUSTED_PROXIES: {exc}") from None

# --- the shared cache: the portal's abuse limits hold across every worker process ----------------
# Redis when KESU_REDIS_URL is set; otherwise a table of the database itself (kesu_cache, created by
# migrate). Never a per-process memory cache: two workers would each allow the limit.
KESU_REDIS_URL = env_str("KESU_REDIS_URL", "")
if KESU_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": KESU_REDIS_URL,
                          "KEY_PREFIX": "kesu"}}
else:
    # culling evicts entries once MAX_ENTRIES is passed: high enough that a flood cannot evict counters
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kesu_cache",
                          "OPTIONS": {"MAX_ENTRIES": 1_000_000}}}

# --- the portal's image check (django-simple-captcha) --------------------------------------------
CAPTCHA_TIMEOUT = 30  # minutes a challenge lives: long enough to write a complaint
CAPTCHA_LENGTH = 4
CAPTCHA_IMAGE_SIZE = (120, 44)
CAPTCHA_FONT_SIZE = 30
CAPTCHA_2X_IMAGE = False
CAPTCHA_TEST_MODE = False  # never: it would accept "passed" as the answer to every challenge

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KESU_LOG_LEVEL", "INFO")},
}

# --- background work and mail ----------------------------------------------------------------
# "inprocess": the embedded default — tasks run in the web process (kesu.tasks.scheduler).
# "celery": tasks go to Celery workers through the broker; beat drives the periodic ones.
KESU_TASK_BACKEND = env_choice("KESU_TASK_BACKEND", "inprocess", ("inprocess", "celery"))
KESU_CELERY_BROKER_URL = env_str("KESU_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
KESU_SWEEP_SECONDS = env_int("KESU_SWEEP_SECONDS", 20, minimum=1)  # how often clocks are swept
# Redis hands an unacknowledged task (its worker died) to another worker after this many seconds; the
# tasks' hard time limit stays below it, so no live task is handed out twice (kesu/tasks/celery_app.py).
KESU_CELERY_VISIBILITY_TIMEOUT = env_int("KESU_CELERY_VISIBILITY_TIMEOUT", 1800, minimum=5)
# The beat leader lock's life: a standby beat takes over within it (kesu/tasks/beat.py).
KESU_BEAT_LOCK_SECONDS = env_int("KESU_BEAT_LOCK_SECONDS", 30, minimum=3)
KESU_PORTAL_SUBMISSIONS_PER_HOUR = env_int("KESU_PORTAL_SUBMISSIONS_PER_HOUR", 5, minimum=1)
KESU_PORTAL_TRACK_FAILURES_PER_HOUR = env_int("KESU_PORTAL_TRACK_FAILURES_PER_HOUR", 10, minimum=1)
KESU_MAIL_POLL_SECONDS = env_int("KESU_MAIL_POLL_SECONDS", 60, minimum=5)  # how often mailboxes are read
KESU_INTEL_VECTOR_SECONDS = env_int("KESU_INTEL_VECTOR_SECONDS", 20, minimum=1)  # meaning vectors, in batches
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("KESU_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("KESU_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("KESU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("KESU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KESU_EMAIL_TLS", False)
EMAIL_TIMEOUT = env_int("KESU_EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("KESU_EMAIL_FROM", "客诉 Kesu <kesu@localhost>")

# --- notifications beyond the inbox (issue 16, docs/notifications.md) ------------------------------
# Links in messages to customers (rating, tracking) start with this address of the site.
KESU_NOTIFY_SECONDS = env_int("KESU_NOTIFY_SECONDS", 30, minimum=1)  # how often routes are expanded and sent
KESU_SITE_URL = env_str("KESU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# SMS: "" (off), "console" (the log), "file" (KESU_SMS_FILE, one JSON line a message), "aliyun", "tencent".
KESU_SMS_BACKEND = env_choice("KESU_SMS_BACKEND", "", ("", "console", "file", "aliyun", "tencent"))
KESU_SMS_FILE = env_path("KESU_SMS_FILE", DATA_DIR / "sms.jsonl")
KESU_SMS_SIGN_NAME = env_str("KESU_SMS_SIGN_NAME", "")  # the approved signature (短信签名)
KESU_SMS_ENDPOINT = env_str("KESU_SMS_ENDPOINT", "")  # the provider's API address (its public one by default)
KESU_SMS_KEY_ID = env_str("KESU_SMS_KEY_ID", "")  # Aliyun AccessKeyId / Tencent SecretId
KESU_SMS_KEY_SECRET = env_str("KESU_SMS_KEY_SECRET", "")  # Aliyun AccessKeySecret / Tencent SecretKey
KESU_SMS_APP_ID = env_str("KESU_SMS_APP_ID", "")  # Tencent SmsSdkAppId
KESU_SMS_REGION = env_str("KESU_SMS_REGION", "")  # Tencent ap-guangzhou / Aliyun cn-hangzhou by default

# --- health and metrics (kesu/ops/health.py, docs/deploy.md) -----------------------------------------
# /metrics answers a request bearing "Authorization: Bearer <KESU_METRICS_TOKEN>", or one from an address
# in KESU_METRICS_ALLOWED (addresses or networks, REMOTE_ADDR: the scraper, never the proxy's header).
# Neither set: /metrics answers nobody (404).
KESU_METRICS_TOKEN = env_str("KESU_METRICS_TOKEN", "")
KESU_METRICS_ALLOWED = env_list("KESU_METRICS_ALLOWED", [])
try:
    for _net in KESU_METRICS_ALLOWED:
        ipaddress.ip_network(_net, strict=False)
except ValueError as exc:
    raise SettingError(f"KESU_METRICS_ALLOWED: {exc}") from None
if KESU_METRICS_TOKEN and len(KESU_METRICS_TOKEN) < 16:
    raise SettingError("KESU_METRICS_TOKEN is too short: use at least 16 random characters")
# /readyz: the oldest pending e-mail may wait this long past its send time before the server is "not ready".
KESU_READY_OUTBOX_LAG_SECONDS = env_int("KESU_READY_OUTBOX_LAG_SECONDS", 900, minimum=1)

# Issue 14, stored protected (docs/privacy.md): the personal fields' Fernet keys, newest first ("default":
# the key derived from the secret key), and the blind index's key (else derived from the secret key).
KESU_FIELD_KEYS = env_list("KESU_FIELD_KEYS", ["default"])
KESU_BLIND_INDEX_KEY = env_str("KESU_BLIND_INDEX_KEY", "")
