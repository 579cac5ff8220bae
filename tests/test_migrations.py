"""The Alembic migrations: one head, they build the schema, and they match the models."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import close_all_sessions

from portal import create_app
from portal.extensions import db
from tests.conftest import ROOT, need


def _app(url: str):
    return create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url})


def test_single_head():
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def _check(url: str) -> None:
    app = _app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            tables = set(inspect(connection).get_table_names())
        assert {"users", "facilities", "audit_events", "invitations"} <= tables
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        close_all_sessions()
        db.engine.dispose()


def test_migrations_build_the_schema_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/migrated.db")


@pytest.mark.postgres
def test_migrations_build_the_schema_on_postgresql():
    url = os.environ.get("PORTAL_TEST_PG_MIGRATIONS_URL")
    need(bool(url), "PostgreSQL not available: set PORTAL_TEST_PG_MIGRATIONS_URL")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    _check(url)
