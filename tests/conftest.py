"""Shared fixtures: the app on a real database, a clean slate per test, sign-in helpers.

The database is in-memory SQLite by default; set TEST_DATABASE_URL (or DATABASE_URL) to a
PostgreSQL URL whose database name contains "test" to run the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import make_url
from sqlalchemy.orm import close_all_sessions

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_ALL = os.environ.get("PORTAL_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip the test when *condition* is false, or fail when PORTAL_REQUIRE_ALL=1."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required but unavailable (PORTAL_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)


def database_url() -> str:
    """Return the database URL the suite runs against."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or "sqlite://"
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" and "test" not in (parsed.database or ""):
        raise pytest.UsageError(
            f"refusing to run tests against {parsed.database!r}: the database name must "
            "contain 'test', because the suite deletes every row"
        )
    return url


def _compile_translations() -> None:
    catalogue = ROOT / "portal" / "translations" / "vi" / "LC_MESSAGES"
    mo, po = catalogue / "messages.mo", catalogue / "messages.po"
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "compile",
                "-d",
                str(ROOT / "portal" / "translations"),
            ],
            check=True,
            capture_output=True,
        )


class SuiteConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = database_url()
    #: Keys and secrets the tests generate stay out of the real instance folder.
    INSTANCE_PATH = tempfile.mkdtemp(prefix="portal-test-instance-")
    PASSWORD_HASH_FAST = True


@pytest.fixture(scope="session")
def app():
    """The portal configured for tests, with every table created once."""
    _compile_translations()
    application = create_app(SuiteConfig)
    with application.app_context():
        db.drop_all()
        db.create_all()
    yield application
    close_all_sessions()
    with application.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(app):
    """Give each test empty tables (faster than re-creating them)."""
    yield
    # Every session of the test (several app contexts may have been pushed) must end
    # its transaction first, or PostgreSQL would make the DELETEs wait on its locks.
    close_all_sessions()
    with app.app_context():
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def make_app(app):
    """Build extra apps with other settings; their connection pools are closed afterwards."""
    made = []

    def _make(config):
        extra = create_app(config)
        made.append(extra)
        return extra

    yield _make
    for extra in made:
        with extra.app_context():
            close_all_sessions()
            db.engine.dispose()
    # ``limiter`` is one object for every app and init_app overwrites its ``enabled``: an
    # app built with limits on must not leave them on for the rest of the session.
    from portal.extensions import limiter

    limiter.enabled = app.config["RATELIMIT_ENABLED"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def login(client, email: str, password: str = "correct-horse-battery"):
    """Sign *email* in through the real form; returns the response."""
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def as_user(client):
    """Return a function that signs a user in on the test client."""

    def _as(user, password: str = "correct-horse-battery"):
        response = login(client, user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _as


class QueryCounter:
    """Counts the SQL statements the app's engine runs while it is active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        """Return how many statements ran (savepoints and transaction control excluded)."""
        return sum(1 for s in self.statements if not s.lstrip().upper().startswith(
            ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")))


@pytest.fixture
def count_queries(app):
    """Return a factory of :class:`QueryCounter` contexts on the app's engine."""

    def _counter():
        with app.app_context():
            return QueryCounter(db.engine)

    return _counter
