"""Django settings for Kesu, read from environment variables (see README, "配置")."""

from __future__ import annotations

from pathlib import Path

from kesu.env import (
    env_bool,
    env_choice,
    env_hours,
    env_int,
    env_list,
    env_networks,
    env_str,
    parse_database_url,
    sqlite_database,
)

PROJECT_DIR = Path(__file__).resolve().parent
BASE_DIR = PROJECT_DIR.parent.parent
DATA_DIR = Path(env_str("KESU_DATA_DIR", str(BASE_DIR / "var")))
NODE_MODULES = Path(env_str("KESU_NODE_MODULES", str(BASE_DIR / "node_modules")))

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "kesu-insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG or not env_bool("KESU_PRODUCTION", False) else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "kesu.core",  # before django_tasks: its db_worker command (jobs that recover) replaces theirs
    "django_tasks",
    "django_tasks.backends.database",
    "kesu.regions",
    "kesu.accounts",
    "kesu.messaging",
    "kesu.plans",
    "kesu.reporting",
    "kesu.indicators",
    "kesu.survey",
    "kesu.venues",
    "kesu.experts",
    "kesu.volunteers",
    "kesu.activities",
    "kesu.funding",
    "kesu.kepustats",
    "kesu.contests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kesu.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kesu.core.middleware.AuditOriginMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kesu.core.querytext.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "kesu.accounts.sessions.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "kesu.core.middleware.SessionKeepAliveMiddleware",
    "kesu.accounts.middleware.RememberedAccessMiddleware",
    "kesu.accounts.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "kesu.urls"
WSGI_APPLICATION = "kesu.wsgi.application"

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
                "kesu.core.context_processors.navigation",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL", "")
DATABASES = {
    "default": (
        parse_database_url(_database_url, BASE_DIR)
        if _database_url
        else sqlite_database(DATA_DIR / "kesu.sqlite3")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kesu.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout: this many failed logins for one account from one client address within the window lock
# the account for that address (so nobody elsewhere can lock a colleague out) for the window; and this
# many failures from one address, whatever the accounts, stop that address trying for the window.
KESU_LOCKOUT_FAILURES = env_int("KESU_LOCKOUT_FAILURES", 5)
KESU_LOCKOUT_MINUTES = env_int("KESU_LOCKOUT_MINUTES", 15)
KESU_LOGIN_FAILURES_PER_ADDRESS = env_int("KESU_LOGIN_FAILURES_PER_ADDRESS", 30)
# Growing delays: after KESU_LOCKOUT_FAILURES failures of one account from one address, each further
# failure makes that address wait twice as long as the last (starting at this many seconds, at most
# KESU_LOCKOUT_MINUTES) before it may try that account again. The office can unlock at once.
KESU_LOGIN_DELAY_SECONDS = env_int("KESU_LOGIN_DELAY_SECONDS", 15)
# API tokens expire this many days after they are created.
KESU_TOKEN_DAYS = env_int("KESU_TOKEN_DAYS", 180)

# The client's address behind a reverse proxy (kesu.core.http.client_ip): the proxies' networks, or
# how many proxies stand in front. Neither set: X-Forwarded-For is ignored.
KESU_TRUSTED_PROXIES = env_networks("KESU_TRUSTED_PROXIES")
KESU_TRUSTED_PROXY_COUNT = env_int("KESU_TRUSTED_PROXY_COUNT", 0)
# New responses through a survey's public link per client address per hour.
KESU_SURVEY_STARTS_PER_IP_PER_HOUR = env_int("KESU_SURVEY_STARTS_PER_IP_PER_HOUR", 20)
# An own contest's public API (kesu.contests.engine): registrations and slider checks per client address
# per 10 minutes (a carrier NAT puts many phones behind one address), attempt starts per address per 10
# minutes, and repeated or refused answer posts per attempt per 30 seconds.
KESU_CONTEST_REGISTER_PER_IP = env_int("KESU_CONTEST_REGISTER_PER_IP", 120)
KESU_CONTEST_STARTS_PER_IP = env_int("KESU_CONTEST_STARTS_PER_IP", 600)
KESU_CONTEST_ANSWERS_PER_30S = env_int("KESU_CONTEST_ANSWERS_PER_30S", 30)

# Database sessions with the user beside them: see kesu.accounts.sessions.
SESSION_ENGINE = "kesu.accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle expiry: SessionKeepAliveMiddleware restarts the clock at most every few minutes, rather than
# writing the session on every request (which costs every page a database write).
SESSION_KEEPALIVE_SECONDS = env_int("SESSION_KEEPALIVE_SECONDS", 300)

# Chinese for everyone: no LocaleMiddleware, so a browser set to English does not get Django's own
# messages ("This field is required.") in English among Chinese pages.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end libraries come from npm at set-up time (package.json); nothing third-party is committed.
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / name / sub)
    for name, sub in (("bootstrap", "dist"), ("bootstrap-icons", "font"), ("echarts", "dist"))
    if (NODE_MODULES / name / sub).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("KESU_MANIFEST_STATIC", not DEBUG and env_bool("KESU_PRODUCTION", False))
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# The rate limiter's counters (kesu.core.ratelimit) must be shared by every web worker: files in the
# data directory do that without another service.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("KESU_CACHE_DIR", str(DATA_DIR / "cache")),
    }
}
# With REDIS_URL set (the contest benchmark, a province's deployment), the cache — rate-limit counters,
# contest attempt state and leaderboards — lives in Redis and is shared by every app server.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
KESU_MAX_UPLOAD_MB = env_int("KESU_MAX_UPLOAD_MB", 50)
KESU_DEMO = env_bool("KESU_DEMO", False)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "kesu.accounts.api.auth.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kesu.core.api.permissions.ReadOnlyUnlessAllowed"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "kesu.core.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "科素 Kesu API",
    "DESCRIPTION": "全民科学素质行动工作平台的接口。会话或令牌认证；每个用户只能看到其权限范围内的数据。",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a "status" or "role" field with different choices: name each set once.
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "kesu.plans.models.PlanStatus",
        "ResponsibilityRoleEnum": "kesu.plans.models.Role",
        "MembershipRoleEnum": "kesu.accounts.models.Role",
        "ReportStatusEnum": "kesu.reporting.models.ReportStatus",
        "ProgressStatusEnum": "kesu.reporting.models.ProgressStatus",
        "NoticeStatusEnum": "kesu.reporting.models.NoticeStatus",
        "JobStatusEnum": "kesu.core.models.JobStatus",
        "WaveStatusEnum": "kesu.survey.models.WaveStatus",
        "RespondentStatusEnum": "kesu.survey.models.RespondentStatus",
        "RunStatusEnum": "kesu.survey.models.RunStatus",
        "StatisticsFigureSourceEnum": "kesu.kepustats.models.Source",
        "ContestFigureSourceEnum": "kesu.contests.models.FigureSource",
        # 国家/省/市/县 of a base's designation and of a certification batch (one choice set, one name)
        "DesignationLevelEnum": "kesu.venues.models.DesignationLevel",
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("KESU_TASK_BACKEND", "django_tasks.backends.database.DatabaseBackend"),
    }
}
# A running job whose worker has not stamped its heartbeat for this long lost its worker (core.jobs).
KESU_JOB_STALE_SECONDS = env_int("KESU_JOB_STALE_SECONDS", 120)

# Messages (kesu.messaging; docs/messaging.md says what each does)
KESU_SITE_URL = env_str(
    "KESU_SITE_URL", ""
)  # e.g. https://kesu.example.gov.cn: links in SMS and group messages
KESU_MESSAGE_CHANNELS = env_list("KESU_MESSAGE_CHANNELS", ["inapp", "email", "sms", "wecom", "dingtalk"])
KESU_MESSAGE_QUIET_HOURS = env_hours("KESU_MESSAGE_QUIET_HOURS", "22:00-07:00")
KESU_WEBHOOK_HOSTS = env_list("KESU_WEBHOOK_HOSTS", ["qyapi.weixin.qq.com", "oapi.dingtalk.com"])
KESU_WECOM_PER_MINUTE = env_int("KESU_WECOM_PER_MINUTE", 20)
KESU_DINGTALK_PER_MINUTE = env_int("KESU_DINGTALK_PER_MINUTE", 20)
KESU_MESSAGE_HTTP_TIMEOUT = env_int("KESU_MESSAGE_HTTP_TIMEOUT", 10)
KESU_MESSAGE_LEASE_SECONDS = env_int("KESU_MESSAGE_LEASE_SECONDS", 120)
KESU_MESSAGE_MAX_ATTEMPTS = env_int("KESU_MESSAGE_MAX_ATTEMPTS", 6)
KESU_MESSAGE_BACKOFF_SECONDS = env_int("KESU_MESSAGE_BACKOFF_SECONDS", 60)
KESU_MESSAGE_BATCH = env_int("KESU_MESSAGE_BATCH", 20)
KESU_MESSAGE_PASS_SECONDS = env_int("KESU_MESSAGE_PASS_SECONDS", 50)
KESU_SMS_PROVIDER = env_choice("KESU_SMS_PROVIDER", "log", ("log", "tencent"))
KESU_SMS_SECRET_ID = env_str("KESU_SMS_SECRET_ID", "")
KESU_SMS_SECRET_KEY = env_str("KESU_SMS_SECRET_KEY", "")
KESU_SMS_APP_ID = env_str("KESU_SMS_APP_ID", "")
KESU_SMS_SIGN_NAME = env_str("KESU_SMS_SIGN_NAME", "")
KESU_SMS_TEMPLATE_ID = env_str("KESU_SMS_TEMPLATE_ID", "")
KESU_SMS_REGION = env_str("KESU_SMS_REGION", "ap-guangzhou")
KESU_SMS_ENDPOINT = env_str("KESU_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/")
KESU_SMS_PARAM_MAX = env_int("KESU_SMS_PARAM_MAX", 20)
KESU_SMS_SECONDS_PER_NUMBER = env_int("KESU_SMS_SECONDS_PER_NUMBER", 30)
# Key for personal data (ID numbers: keyed hash and encryption; robot secrets). Defaults to SECRET_KEY;
# set it separately so that rotating SECRET_KEY (sessions) does not make stored numbers unreadable.
KESU_PERSONAL_DATA_KEY = env_str("KESU_PERSONAL_DATA_KEY", "")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kesu@localhost")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A refused form (expired page, cookies off) explains itself in Chinese, never with DEBUG advice.
CSRF_FAILURE_VIEW = "kesu.core.views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
