"""Settings read from the environment, with safe defaults for development.

In development a secret key is generated once into the instance folder, so sessions
survive restarts without anyone choosing a secret. In production
(``PORTAL_ENV=production``) a missing ``SECRET_KEY`` is a start-up error.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """Raised when the portal cannot start with the configuration it was given."""


def _instance_secret(instance_path: str, name: str) -> str:
    """Return the secret stored in *instance_path*/*name*, creating it on first use."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # Create with 0600 so other local users cannot read the secret.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


class Config:
    """Default configuration; values come from the environment where set."""

    PORTAL_ENV = os.environ.get("PORTAL_ENV", "development")
    #: Where generated secrets and signing keys live; default: ./instance.
    INSTANCE_PATH = os.environ.get("PORTAL_INSTANCE_PATH") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///portal.db")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    REDIS_URL = os.environ.get("REDIS_URL", "")

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PORTAL_ENV == "production"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Signed-in sessions end after this long without a request.
    PERMANENT_SESSION_LIFETIME = timedelta(
        minutes=int(os.environ.get("PORTAL_SESSION_MINUTES", "60"))
    )
    #: An unchanged session's cookie is signed again (moving its deadline) at most this
    #: often; at most a tenth of the lifetime (portal.sessions).
    SESSION_REFRESH_SECONDS = 60
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    INVITATION_DAYS = int(os.environ.get("PORTAL_INVITATION_DAYS", "7"))
    PAGE_SIZE = 25
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    #: The RSA private key that signs certificates (PEM text or a file path); required in
    #: production, generated into the instance folder in development.
    PORTAL_SIGNING_KEY = os.environ.get("PORTAL_SIGNING_KEY") or None

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("PORTAL_LOGIN_RATE_LIMIT", "10 per minute")

    @classmethod
    def finalise(cls, app) -> None:
        """Fill in the settings that depend on the instance folder or the environment.

        :param app: the Flask app being configured
        :raises ConfigError: in production when ``SECRET_KEY`` is missing
        """
        secret = os.environ.get("SECRET_KEY") or app.config.get("SECRET_KEY")
        if not secret:
            if app.config["PORTAL_ENV"] == "production":
                raise ConfigError(
                    "SECRET_KEY is not set. In production (PORTAL_ENV=production) the portal "
                    "needs a long random SECRET_KEY in its environment; refusing to start."
                )
            secret = _instance_secret(app.instance_path, "secret_key")
        app.config["SECRET_KEY"] = secret
        from portal.certification.keys import check_config

        check_config(app)  # reads no key: a missing production key is a start-up error
        storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config["REDIS_URL"] or "memory://"
        app.config["RATELIMIT_STORAGE_URI"] = storage


class TestConfig(Config):
    """Configuration for the test suite: in-memory SQLite unless DATABASE_URL says otherwise."""

    TESTING = True
    PORTAL_ENV = "testing"
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SESSION_COOKIE_SECURE = False
    SERVER_NAME = None
