"""Security headers on every kind of response the portal sends: HTML pages, redirects,
errors, JSON, the API's errors, the signed credential, the certificate PDF, lesson images,
static CSS and JavaScript, the JWKS; HSTS over HTTPS and in production."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.catalog.models import MediaBlob
from portal.catalog.views import media_url
from portal.certification.models import Certificate
from portal.extensions import db
from tests.factories import create_user, import_courses
from tests.reports.helpers import WIFI, complete


@pytest.fixture
def kinds(app):
    """One URL of each kind of response, with what it must be."""
    with app.app_context():
        import_courses()
        learner = create_user("learner", job_role="it")
        complete(learner, WIFI)
        code = db.session.scalar(select(Certificate.code).where(Certificate.kind == "course"))
        blob = db.session.scalars(select(MediaBlob).limit(1)).one()
        with app.test_request_context():
            image = media_url(blob.sha256, blob.content_type)
    return {
        "html": ("/login", "text/html"),
        "redirect": ("/me", None),
        "not found page": ("/no-such-page", "text/html"),
        "json": ("/healthz", "application/json"),
        "openapi": ("/api/v1/openapi.json", "application/json"),
        "api error": ("/api/v1/certificates/nope", "application/json"),
        "api data": (f"/api/v1/certificates/{code}", "application/json"),
        "credential": (f"/verify/{code}.jwt", "application/vc+jwt"),
        "pdf": (f"/verify/{code}.pdf", "application/pdf"),
        "verification page": (f"/verify/{code}", "text/html"),
        "jwks": ("/.well-known/jwks.json", "application/"),
        "lesson image": (image, "image/"),
        "css": ("/static/css/portal.css", "text/css"),
        "javascript": ("/static/js/quiz.js", "text/javascript"),
    }


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_secure_headers(response, label: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = _directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, (label, "no script-src nor default-src", csp)
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (label, csp)
    assert "*" not in scripts and "data:" not in scripts, (label, csp)
    assert directives.get("frame-ancestors") == ["'none'"], (label, csp)
    assert directives.get("object-src") == ["'none'"], (label, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", label
    assert headers.get("Referrer-Policy") in (
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"), label
    assert headers.get("X-Frame-Options") == "DENY", label


def test_every_kind_of_response_carries_the_security_headers(client, kinds):
    for label, (url, mimetype) in kinds.items():
        response = client.get(url)
        assert response.status_code < 500, (label, url, response.status_code)
        if mimetype:
            assert response.mimetype.startswith(mimetype), (label, response.mimetype)
        assert_secure_headers(response, label)
        # plain HTTP in development: no HSTS (a browser would pin a host that has no HTTPS)
        assert "Strict-Transport-Security" not in response.headers, label
        response.close()  # static files are streamed from an open file


def test_signed_in_pages_carry_them_too_and_are_not_cached(client, as_user):
    as_user(create_user("admin"))
    for url in ("/me", "/admin", "/admin/audit", "/studio", "/reports/courses"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response, url)
        assert "no-store" in response.headers.get("Cache-Control", ""), url


def test_hsts_over_https(client, kinds):
    for label, (url, _mimetype) in kinds.items():
        response = client.get(url, base_url="https://portal.example.vn")
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert "max-age=" in hsts, label
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 180 * 24 * 3600, label
        response.close()


def test_hsts_in_production_even_behind_a_proxy(production_app):
    response = production_app.test_client().get("/login")
    assert "max-age=" in response.headers.get("Strict-Transport-Security", "")
    assert_secure_headers(response, "production /login")
