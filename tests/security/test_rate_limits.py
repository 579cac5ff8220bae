"""Rate limits with the portal's real settings: repeated wrong sign-ins and repeated
certificate lookups (page, PDF, credential, API) are answered 429.

The same behaviour is also tested with small limits in tests/accounts/test_views.py
(test_repeated_failed_sign_ins_are_rate_limited) and tests/certification/test_views.py
(test_verification_is_rate_limited), and checked against gunicorn on loopback by
scripts/scan_dynamic.py (its "rate limits" step) in CI.
"""

from __future__ import annotations

import pytest

from portal.config import Config
from portal.extensions import db
from tests.conftest import SuiteConfig


@pytest.fixture
def limited(make_app):
    class Limited(SuiteConfig):
        RATELIMIT_ENABLED = True
        LOGIN_RATE_LIMIT = Config.LOGIN_RATE_LIMIT  # the default, not a test's own

    app = make_app(Limited)
    with app.app_context():
        db.create_all()  # a separate in-memory database on SQLite
    return app


def _limit(text: str) -> int:
    return int(text.split()[0])


def test_wrong_sign_ins_meet_a_429_at_the_default_limit(limited):
    client = limited.test_client()
    allowed = _limit(Config.LOGIN_RATE_LIMIT)
    codes = [client.post("/login", data={"email": "x@example.vn", "password": "wrong"}
                         ).status_code for _ in range(allowed + 2)]
    assert codes[:allowed] == [401] * allowed
    assert codes[allowed:] == [429, 429]
    # the limit page says so in the portal's words, and tells when to come back
    refused = client.post("/login", data={"email": "x@example.vn", "password": "wrong"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers


@pytest.mark.parametrize("url", ["/verify/{code}", "/verify/{code}.pdf", "/verify/{code}.jwt",
                                 "/api/v1/certificates/{code}"])
def test_guessing_certificate_codes_meets_a_429(limited, url):
    from portal.api.views import API_LIMIT
    from portal.certification.views import VERIFY_LIMIT

    allowed = _limit(API_LIMIT if url.startswith("/api/") else VERIFY_LIMIT)
    client = limited.test_client()
    codes = [client.get(url.format(code=f"guess{n:04d}")).status_code
             for n in range(allowed + 1)]
    assert set(codes[:allowed]) == {404}
    assert codes[allowed] == 429
