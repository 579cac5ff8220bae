"""Browser tests: the portal on a loopback server, driven by Playwright in Debian's Chromium.

No browser is downloaded: Playwright launches /usr/bin/chromium. On failure the page's
screenshot and HTML are kept in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import close_all_sessions
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import ROOT, SuiteConfig, need

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    """Ignore resource warnings raised in the live server's thread during teardown.

    When a test ends, the browser may still have a request in flight (a preview, a static
    file) that the closing database session cuts short; werkzeug's thread then leaves a file
    unclosed. That is the harness stopping, not the behaviour under test.
    """
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::pytest.PytestUnraisableExceptionWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


_BROWSER_STAGE = {"tests": 0, "seconds": 0.0}


def pytest_runtest_logreport(report):
    """Add up the time the browser tests take (setup, call and teardown)."""
    if report.nodeid.startswith("tests/e2e/"):
        _BROWSER_STAGE["seconds"] += report.duration
        if report.when == "call":
            _BROWSER_STAGE["tests"] += 1


def pytest_terminal_summary(terminalreporter):
    """Say how long the browser stage took (CI prints it for each database)."""
    if _BROWSER_STAGE["tests"]:
        terminalreporter.write_line(
            f"browser stage (tests/e2e, Chromium): {_BROWSER_STAGE['tests']} tests in "
            f"{_BROWSER_STAGE['seconds']:.1f} s")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """A separate app on a file database (shared safely with the server thread)."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e')}/e2e.db"

    class LiveConfig(SuiteConfig):
        SQLALCHEMY_DATABASE_URI = url
        #: The browser posts every form as a person would, CSRF token included.
        WTF_CSRF_ENABLED = True

    app = create_app(LiveConfig)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        close_all_sessions()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_url(live_app):
    """Serve *live_app* on 127.0.0.1 in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    need(
        Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is not None,
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page; screenshot and HTML kept when the test fails."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / request.node.name.replace("/", "_")
        page.screenshot(path=f"{stem}.png", full_page=True)
        Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
    context.close()


@pytest.fixture
def live_db(live_app):
    """Run a block against the live app's database; rows are removed afterwards."""
    with live_app.app_context():
        yield db
        close_all_sessions()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
