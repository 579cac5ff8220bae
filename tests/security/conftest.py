"""Fixtures shared by the security tests."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from portal.extensions import db
from tests.conftest import SuiteConfig


@pytest.fixture
def production_app(make_app, tmp_path, monkeypatch):
    """The portal configured as production: PORTAL_ENV=production, a real secret from the
    environment, a signing key, Secure cookies; with its own database."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-for-this-test")

    class Production(SuiteConfig):
        PORTAL_ENV = "production"
        SECRET_KEY = None
        PORTAL_SIGNING_KEY = pem
        INSTANCE_PATH = str(tmp_path)
        SESSION_COOKIE_SECURE = True  # what Config derives from PORTAL_ENV=production

    app = make_app(Production)
    with app.app_context():
        db.create_all()
    return app
