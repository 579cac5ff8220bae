"""The factory, configuration, health check and security headers."""

import pytest

from portal import create_app
from portal.config import ConfigError, TestConfig


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_database_unreachable(tmp_path, make_app):
    app = make_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 32,
            # a directory that does not exist: SQLite cannot open the file
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/portal.db",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)

    class Production(TestConfig):
        PORTAL_ENV = "production"
        SECRET_KEY = None

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(Production)


def test_production_without_signing_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SIGNING_KEY", raising=False)

    class Production(TestConfig):
        PORTAL_ENV = "production"
        SECRET_KEY = "a-long-random-production-secret"  # noqa: S105 - test value
        PORTAL_SIGNING_KEY = None
        INSTANCE_PATH = str(tmp_path)

    with pytest.raises(ConfigError, match="PORTAL_SIGNING_KEY"):
        create_app(Production)


def test_development_generates_a_secret_once(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)

    class Dev(TestConfig):
        PORTAL_ENV = "development"
        SECRET_KEY = None

    first = create_app(Dev)
    second = create_app(Dev)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 40


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_missing_page_is_a_translated_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
    response = client.get("/no-such-page?lang=en")
    assert "Page not found" in response.get_data(as_text=True)


def test_sqlite_file_rolls_back_a_savepoint_that_was_the_first_write(make_app, tmp_path):
    """A savepoint must not commit on its own when the outer transaction rolls back."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.facilities.models import Facility
    from tests.conftest import SuiteConfig

    class FileDb(SuiteConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'file.db'}"

    app = make_app(FileDb)
    with app.app_context():
        db.create_all()
        with db.session.begin_nested():
            db.session.add(Facility(name="Phòng khám", type="clinic", licence_number="X-1",
                                    province_code="01"))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Facility)) == 0
