"""Configuration. The only module that reads environment variables."""

from __future__ import annotations

import os
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # None means: a SQLite file in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("STARRATING_DATABASE_URL") or None
    # No pool_pre_ping: it sends a `SELECT 1` before every checkout, a statement on every
    # request. Connections are renewed after 30 minutes instead (below the idle timeouts of
    # servers and firewalls), and a connection found dropped on the first statement of a
    # transaction is replaced and the statement sent again (extensions.Session).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800}
    SQLALCHEMY_RECORD_QUERIES = False

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("STARRATING_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # Login throttling: failures counted in the database so every worker sees them.
    LOGIN_MAX_FAILURES_PER_USER = int(os.environ.get("STARRATING_LOGIN_MAX_FAILURES", "5"))
    LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("STARRATING_LOGIN_MAX_FAILURES_PER_IP", "30"))
    LOGIN_LOCKOUT = timedelta(minutes=15)
    # How many proxies (nginx) stand in front and set X-Forwarded-For/-Proto; 0 = none, the
    # address gunicorn sees is the client's. Behind nginx set 1, or every user shares the
    # proxy's address and the per-address login limits lock everyone at once.
    TRUSTED_PROXIES = int(os.environ.get("STARRATING_TRUSTED_PROXIES", "0"))

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    EVIDENCE_MAX_BYTES = 8 * 1024 * 1024
    # Evidence files and exports live outside static/; None means <instance>/files.
    STARRATING_FILES_DIR = os.environ.get("STARRATING_FILES_DIR") or None
    STARRATING_SCHOOL_NAME = os.environ.get("STARRATING_SCHOOL_NAME", "")
    NOTICE_DAYS_DEFAULT = 5
    STUDENTS_SEE_STARS_BEFORE_PUBLICATION = False
    HUEY_IMMEDIATE = False
    # The job queue's SQLite file when REDIS_URL is unset; None means <instance>/huey.sqlite3.
    HUEY_SQLITE_PATH: str | None = None
    REDIS_URL = os.environ.get("STARRATING_REDIS_URL") or None
    # The reports page says no job worker seems to run once a job has waited this long
    # unpicked; a running job with no progress for EXPORT_STALLED_AFTER is taken for dead
    # (shown as stalled, marked failed by the worker's periodic sweep, retryable).
    EXPORT_PICKUP_NOTICE_AFTER = timedelta(seconds=30)
    EXPORT_STALLED_AFTER = timedelta(
        minutes=int(os.environ.get("STARRATING_EXPORT_STALLED_MINUTES", "10")))
    # LOGIN_MAX_FAILURES_PER_USER counts per user *and address*; across all addresses a
    # user is locked only after this many (a stranger cannot lock anyone out with 5).
    LOGIN_MAX_FAILURES_PER_USER_ALL_ADDRESSES = int(
        os.environ.get("STARRATING_LOGIN_MAX_FAILURES_ALL_ADDRESSES", "50"))


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    # A throwaway database: tests pass their own URL; this is the fallback.
    SQLALCHEMY_DATABASE_URI = os.environ.get("STARRATING_TEST_DATABASE_URL") or "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_ENABLED = True
    LOGIN_MAX_FAILURES_PER_USER = 5
    HUEY_IMMEDIATE = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEFAULT_SECRET_KEY or len(cls.SECRET_KEY) < 16:
            raise RuntimeError(
                "SECRET_KEY is missing or the default: set a long random SECRET_KEY "
                "in the environment before starting in production."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by STARRATING_ENV (default: development)."""
    return CONFIGS[os.environ.get("STARRATING_ENV", "development").lower()]
