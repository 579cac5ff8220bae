"""Digital Health Academy: the application factory."""

from __future__ import annotations

from flask import Flask


def create_app(config=None) -> Flask:
    """Create and configure the portal.

    :param config: a config class or object, or a mapping of overrides; default
        :class:`portal.config.Config`
    :return: the configured Flask app (no database work is done here)
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    register_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_hooks(app)
    register_signals(app)
    register_commands(app)
    from portal.accounts.passwords import return_large_blocks

    return_large_blocks()  # once per process: Argon2's memory goes back after each sign-in
    return app


def register_config(app: Flask, config) -> None:
    """Load the configuration class and apply *config* overrides."""
    from portal.config import Config

    base = config if isinstance(config, type) else Config
    app.config.from_object(base)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None and not isinstance(config, type):
        app.config.from_object(config)
    if app.config.get("INSTANCE_PATH"):  # keys and generated secrets live here
        app.instance_path = str(app.config["INSTANCE_PATH"])
    base.finalise(app)


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in :mod:`portal.extensions`."""
    import portal.models  # noqa: F401 - every table on the metadata
    from portal import i18n
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_root() / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    i18n.init_app(app)
    from portal import labels

    labels.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")

    from portal.accounts import loader  # noqa: F401 - registers the user loader

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


_SQLITE_HOOKED = False


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, a busy timeout, WAL, and savepoints inside real transactions on SQLite.

    Python's sqlite3 module opens a transaction itself, lazily, just before a data change;
    reads run outside one, which keeps concurrent requests from deadlocking on SQLite's lock
    upgrade. A SAVEPOINT is not a data change, so one issued first ran outside any
    transaction and was committed on release even if the request later rolled back; the
    ``savepoint`` hook opens the transaction first. The hooks are global (on
    :class:`Engine`), so they are installed once per process.
    """
    global _SQLITE_HOOKED
    if _SQLITE_HOOKED:
        return
    _SQLITE_HOOKED = True
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        module = type(dbapi_connection).__module__
        if not module.startswith("sqlite3"):
            return
        cursor = dbapi_connection.cursor()
        files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"]
        if files and files[0]:
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(Engine, "savepoint")
    def _on_savepoint(connection, name):
        if connection.dialect.name != "sqlite":
            return
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")


def register_blueprints(app: Flask) -> None:
    """Register every domain's blueprint explicitly."""
    from portal.accounts.views import bp as accounts_bp
    from portal.admin.views import bp as admin_bp
    from portal.api.views import bp as api_bp
    from portal.authoring.views import bp as authoring_bp
    from portal.catalog.views import bp as catalog_bp
    from portal.certification.views import bp as certification_bp
    from portal.facilities.views import bp as facilities_bp
    from portal.main import bp as main_bp
    from portal.progress.views import bp as progress_bp
    from portal.quizzes.views import bp as quizzes_bp
    from portal.reports.views import bp as reports_bp

    for bp in (main_bp, accounts_bp, facilities_bp, admin_bp, catalog_bp, quizzes_bp,
               progress_bp, certification_bp, api_bp, authoring_bp, reports_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    """Render errors as pages (or JSON under /api/)."""
    from portal import errors

    errors.register(app)


def register_signals(app: Flask) -> None:
    """Connect the domains that react to another's events (completion → certificates)."""
    from portal.certification.services import on_course_completed
    from portal.progress.services import course_completed

    course_completed.connect(on_course_completed, sender=app, weak=False)


def register_hooks(app: Flask) -> None:
    """Security headers and session expiry on every request."""
    from flask import g, session
    from flask_babel import get_locale, refresh

    from portal.security import set_security_headers
    from portal.sessions import ThrottledSessionInterface

    @app.before_request
    def _start_request():
        # An app context may outlive one request (the test client reuses it): never
        # let one request's signed-in user or language leak into the next.
        g.pop("_login_user", None)
        refresh()
        # Settle the language now: asked for the first time after a commit (a flash message
        # after saving), it would load the signed-in user again just to read their locale.
        get_locale()
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request
        # (portal.sessions re-signs it as time goes by). Set only when it is not: setting it
        # marks the session changed, which would sign and send the cookie on every response.
        if not session.permanent:
            session.permanent = True

    app.after_request(set_security_headers)
    app.session_interface = ThrottledSessionInterface()


def register_commands(app: Flask) -> None:
    """Add the `flask` commands."""
    from portal.cli import register

    register(app)
