"""ErrorHub settings: one module, every value from the environment.

With no variable set, ErrorHub runs on its embedded default: SQLite and the SQL
event store in ``ERRORHUB_DATA_DIR``, a Celery broker on the filesystem (no
server), email to the console. Every variable is documented in
``docker/.env.example`` and the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kombu import Exchange, Queue

from errorhub.env import (
    env_bool,
    env_choice,
    env_db,
    env_float,
    env_int,
    env_list,
    env_str,
    persistent_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("ERRORHUB_DATA_DIR", str(BASE_DIR / "data"))).resolve()

# --- core -------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or persistent_secret(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
BASE_URL = env_str("ERRORHUB_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "errorhub",  # wiring; keeps the migration history of the models now in accounts and issues
    "errorhub.accounts",
    "errorhub.issues",
    "errorhub.events",
    "errorhub.monitors",
    "errorhub.artifacts",
    "errorhub.dashboard",  # templates tags (templatetags/ui.py); no models
    "ingest",
    "alerts",
]

MIDDLEWARE = [
    "errorhub.middleware.ServerErrorCounterMiddleware",
    "errorhub.logging.CorrelationIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "errorhub.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "errorhub.urls"
WSGI_APPLICATION = "errorhub.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- database ---------------------------------------------------------------
DATABASES = {"default": env_db("DATABASE_URL", f"sqlite:///{DATA_DIR / 'errorhub.sqlite3'}")}
EMBEDDED_DATABASE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
if EMBEDDED_DATABASE:
    # Without PostgreSQL its Django contrib is unusable, yet DRF imports it (and with
    # it psycopg: ~10 MiB in every web process, bench/storm) whenever psycopg is
    # installed, to map array/hstore serializer fields. Marked absent, DRF skips that.
    sys.modules.setdefault("django.contrib.postgres.fields", None)  # type: ignore[arg-type]
    # WAL lets the web process read while the worker writes; a generous timeout
    # turns lock contention into waiting instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# "transaction": PostgreSQL is reached through a pooler in transaction mode (PgBouncer
# pool_mode=transaction), which hands each transaction a possibly different server
# connection. Nothing may outlive a transaction there: no server-side cursors (Django's
# .iterator() declares WITH HOLD ones: "portal ... does not exist", tests/services/
# test_pgbouncer_transaction_mode.py) and no prepared statements (psycopg 3 prepares a query
# run five times when OPTIONS server_side_binding is on). docs/scaling.md lists the rest.
DATABASE_POOL_MODE = env_choice("DATABASE_POOL_MODE", "session", ("session", "transaction"))
if DATABASE_POOL_MODE == "transaction" and not EMBEDDED_DATABASE:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth, sessions, security ----------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["errorhub.accounts.throttle.ThrottledModelBackend"]  # 5 failures / 15 min per user or IP
# Proxies in front of gunicorn that append to X-Forwarded-For: the login throttle takes the
# client's address from that header, this many entries from the right (0 = REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("ERRORHUB_TRUSTED_PROXY_COUNT", 0, minimum=0)
# Days an e-mailed invitation link stays usable (single use; resending issues a new link).
INVITATION_DAYS = env_int("ERRORHUB_INVITATION_DAYS", 7, minimum=1)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"
SECURE_PRODUCTION = env_bool("ERRORHUB_SECURE", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE_PRODUCTION
CSRF_COOKIE_SECURE = SECURE_PRODUCTION
SECURE_SSL_REDIRECT = SECURE_PRODUCTION and env_bool("ERRORHUB_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if SECURE_PRODUCTION else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- i18n / static ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("ERRORHUB_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "errorhub" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = None  # ingest views bound their bodies themselves

# --- email ------------------------------------------------------------------
EMAIL_ENABLED = bool(env_str("EMAIL_HOST"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_ENABLED else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "errorhub@localhost")

# --- Celery -----------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # atomic writes; a killed worker's messages come back (see errorhub/broker.py)
    CELERY_BROKER_TRANSPORT = "errorhub.brokers.filesystem:Transport"
    for sub in ("out", "processed", "control", "inflight"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "inflight_folder": str(BROKER_DIR / "inflight"),  # messages taken, not yet acknowledged
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
        "polling_interval": 0.02,  # an idle worker looks for new files 50 times a second
    }
else:
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        # pops and records a message in one step: a killed worker loses nothing (see errorhub/redis_broker.py)
        CELERY_BROKER_TRANSPORT = "errorhub.brokers.redis:Transport"
    # A message a lost worker held goes back on the queue after this long; it must
    # exceed the longest retry countdown (240 s) or retries run twice (harmless,
    # processing is idempotent, but wasted work).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("ERRORHUB_BROKER_VISIBILITY_TIMEOUT", 300, minimum=30),
        # look for such messages every 10 s (kombu's default is every ~100 s)
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("ERRORHUB_TASKS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
INGEST_BATCH_SIZE = env_int("ERRORHUB_BATCH_SIZE", 200, minimum=1)
# Under load a batch waits up to this long to fill (at idle a payload goes at once,
# ingest/batching.py): 0.05 s cut a storm into batches of ~16, each paying its
# transaction and lock waits; 0.2 s gave ~50 and ~1.4x the processed rate (bench/storm).
INGEST_BATCH_INTERVAL = env_float("ERRORHUB_BATCH_INTERVAL", 0.2)
# The batch task needs INGEST_BATCH_SIZE messages in hand to fill a batch; they
# stay unacknowledged until their batch is done, so a lost worker loses nothing.
CELERY_WORKER_PREFETCH_MULTIPLIER = INGEST_BATCH_SIZE
# Without an event loop (the filesystem broker) Celery's timer thread sleeps this
# long between ticks, and the batch flush timer rides on it: keep it short.
CELERY_WORKER_TIMER_PRECISION = 0.01
# what a task prints (the console e-mail backend's mail, when no EMAIL_HOST is set) is output, not
# a warning: Celery logs redirected stdout at WARNING unless told otherwise
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
# SQLite has one writer: a second worker process would only queue on its write
# lock (and cost another ~90 MiB), so the embedded default runs one process.
# With the solo pool Celery cannot kill a task at its hard time limit; every
# outside call a task makes (database, search engine, Slack, SMTP) has its own
# timeout instead.
CELERY_WORKER_POOL = env_str("ERRORHUB_WORKER_POOL", "solo" if EMBEDDED_DATABASE else "prefork")
CELERY_WORKER_CONCURRENCY = env_int("ERRORHUB_WORKER_CONCURRENCY", 1 if EMBEDDED_DATABASE else 2, minimum=1)
# Niceness added to the worker at start (see errorhub/celery.py): web first in a storm.
WORKER_NICE = env_int("ERRORHUB_WORKER_NICE", 5, minimum=0)
CELERY_TASK_TIME_LIMIT = 240  # below the visibility timeout: a running task is never redelivered
CELERY_TASK_SOFT_TIME_LIMIT = 200
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "ingest"
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name)
    for name in ("ingest", "ingest-retry", "index", "alerts", "housekeeping")
)
CELERY_TASK_ROUTES = {
    "ingest.tasks.process_batch": {"queue": "ingest"},
    "ingest.tasks.process_payload": {"queue": "ingest"},
    "ingest.tasks.index_pending": {"queue": "index"},
    "ingest.tasks.*": {"queue": "housekeeping"},
    "alerts.tasks.*": {"queue": "alerts"},
    "errorhub.tasks.*": {"queue": "housekeeping"},
    "errorhub.monitors.tasks.*": {"queue": "housekeeping"},
    "errorhub.artifacts.tasks.*": {"queue": "housekeeping"},
}
# How often beat ends due snoozes / marks quiet issues fixed, and checks system
# rules and the inbox SLA. Each runs as a task on the worker; a minute is plenty.
LIFECYCLE_TICK_SECONDS = env_int("ERRORHUB_LIFECYCLE_TICK_SECONDS", 60, minimum=1)
SYSTEM_CHECK_SECONDS = env_int("ERRORHUB_SYSTEM_CHECK_SECONDS", 60, minimum=1)
# How often beat looks for missed and timed-out cron monitor runs.
MONITOR_CHECK_SECONDS = env_int("ERRORHUB_MONITOR_CHECK_SECONDS", 30, minimum=1)
# Celery's persistent scheduler, recording beat's heartbeat for the health page (errorhub/heartbeats.py)
CELERY_BEAT_SCHEDULER = "errorhub.heartbeats:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "index-pending": {"task": "ingest.tasks.index_pending", "schedule": 5.0},
    "apply-retention": {"task": "ingest.tasks.apply_retention", "schedule": 3600.0},
    "lifecycle-tick": {"task": "errorhub.tasks.lifecycle_tick", "schedule": float(LIFECYCLE_TICK_SECONDS)},
    "alerts-digests": {"task": "alerts.tasks.send_due_digests", "schedule": 900.0},
    "alerts-system-checks": {"task": "alerts.tasks.check_system_rules", "schedule": float(SYSTEM_CHECK_SECONDS)},
    "monitors-check": {"task": "errorhub.monitors.tasks.check_monitors", "schedule": float(MONITOR_CHECK_SECONDS)},
    "artifacts-stale-chunks": {"task": "errorhub.artifacts.tasks.delete_stale_chunks", "schedule": 3600.0},
}

# --- cache (quotas, key lookups): Redis when configured, shared by all processes
CACHE_URL = env_str("ERRORHUB_CACHE_URL") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "errorhub"}
}

# --- event store ------------------------------------------------------------
EVENT_STORE = env_choice("ERRORHUB_EVENT_STORE", "sql", ("sql", "elasticsearch", "opensearch"))
EVENT_STORE_URL = env_str("ERRORHUB_EVENT_STORE_URL", "http://127.0.0.1:9200")
EVENT_STORE_INDEX_PREFIX = env_str("ERRORHUB_EVENT_STORE_INDEX_PREFIX", "errorhub-events")
EVENT_STORE_REPLICAS = env_int("ERRORHUB_EVENT_STORE_REPLICAS", 0, minimum=0)
EVENT_STORE_SHARDS = env_int("ERRORHUB_EVENT_STORE_SHARDS", 1, minimum=1)
# ILM/ISM deletes a daily index this many days after its creation (0 = no policy): a backstop
# behind the hourly retention, lengthened automatically past the longest project retention.
EVENT_STORE_DELETE_AFTER_DAYS = env_int("ERRORHUB_EVENT_STORE_DELETE_AFTER_DAYS", 91, minimum=0)

# --- ingest limits (Sentry's defaults) --------------------------------------
INGEST_MAX_EVENT_BYTES = env_int("ERRORHUB_MAX_EVENT_BYTES", 1024 * 1024, minimum=1024)
INGEST_MAX_ENVELOPE_COMPRESSED = env_int("ERRORHUB_MAX_ENVELOPE_BYTES", 20 * 1024 * 1024, minimum=1024)
INGEST_MAX_ENVELOPE_DECOMPRESSED = env_int("ERRORHUB_MAX_ENVELOPE_DECOMPRESSED_BYTES", 100 * 1024 * 1024, minimum=1024)
INGEST_MAX_ATTACHMENT_BYTES = env_int("ERRORHUB_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024, minimum=0)
#: Largest uploaded artifact (a source map, a minified file, an assembled bundle).
ARTIFACT_MAX_FILE_BYTES = env_int("ERRORHUB_ARTIFACT_MAX_FILE_BYTES", 100 * 1024 * 1024, minimum=1)
INGEST_MAX_LOG_BYTES = env_int("ERRORHUB_MAX_LOG_BYTES", 10 * 1024 * 1024, minimum=1024)
INGEST_BACKLOG_LIMIT = env_int("ERRORHUB_BACKLOG_LIMIT", 50_000, minimum=1)
INGEST_DEFAULT_RATE_LIMIT = env_int("ERRORHUB_DEFAULT_RATE_LIMIT", 0, minimum=0)  # per minute, 0 = none
INGEST_TASK_MAX_RETRIES = env_int("ERRORHUB_TASK_MAX_RETRIES", 8, minimum=0)

# --- issue lifecycle --------------------------------------------------------
# A resolved issue with no event for its project's quiet period (``quiet_period_days``)
# becomes fixed. Set, this many seconds replaces every project's period (demos, tests).
QUIET_PERIOD_SECONDS = env_int("ERRORHUB_QUIET_PERIOD_SECONDS", 0, minimum=0) or None

# --- Slack, alerts ----------------------------------------------------------
SLACK_BOT_TOKEN = env_str("SLACK_BOT_TOKEN")
SLACK_SIGNING_SECRET = env_str("SLACK_SIGNING_SECRET")
SLACK_API_BASE_URL = env_str("SLACK_API_BASE_URL", "https://slack.com/api/")
SLACK_ENABLED = bool(SLACK_BOT_TOKEN)
OUTBOUND_ALLOW_PRIVATE = env_bool("ERRORHUB_OUTBOUND_ALLOW_PRIVATE", False)
OUTBOUND_TIMEOUT = env_float("ERRORHUB_OUTBOUND_TIMEOUT", 5.0)
# wall clock for a whole outbound call (connect, request, answer, retries): a server that
# trickles its answer cannot hold a worker longer than this
OUTBOUND_DEADLINE = env_float("ERRORHUB_OUTBOUND_DEADLINE", 15.0)
# CA bundle (PEM file) that webhook servers' certificates are checked against; empty = certifi's.
OUTBOUND_CA_BUNDLE = env_str("ERRORHUB_OUTBOUND_CA_BUNDLE", "")
# Users' regexes (alert rule filters) run on RE2 over at most this many characters of event text.
USER_REGEX_MAX_TEXT = env_int("ERRORHUB_USER_REGEX_MAX_TEXT", 65536, minimum=1)

# --- self-monitoring --------------------------------------------------------
SELF_DSN = env_str("ERRORHUB_SELF_DSN")
METRICS_TOKEN = env_str("ERRORHUB_METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("ERRORHUB_METRICS_ALLOWED_IPS", [])

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "errorhub.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "user": "6000/min", "anon": "600/min"},
    "EXCEPTION_HANDLER": "errorhub.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [  # DRF's defaults, with JSON nesting bounded
        "errorhub.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ErrorHub API",
    "DESCRIPTION": "Issues, events, projects and keys. Paths follow Sentry's web API where one exists.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- logging ----------------------------------------------------------------
LOG_LEVEL = env_choice("ERRORHUB_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOG_FORMAT = env_choice("ERRORHUB_LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "errorhub.logging.JsonFormatter"},
    },
    "filters": {"correlation": {"()": "errorhub.logging.ContextFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["correlation"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

from errorhub.selfmonitor import init_self_monitoring  # noqa: E402  (needs the values above)

init_self_monitoring(SELF_DSN)
