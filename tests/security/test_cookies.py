"""Cookies: the session and the language cookie are HttpOnly and SameSite=Lax everywhere, and
Secure in production."""

from __future__ import annotations

from tests.factories import PASSWORD, create_user


def _cookies(response) -> dict[str, dict[str, str | bool]]:
    """Parse the Set-Cookie headers: name → attributes (lower-case names)."""
    out = {}
    for header in response.headers.getlist("Set-Cookie"):
        parts = [p.strip() for p in header.split(";")]
        name = parts[0].split("=", 1)[0]
        attrs: dict[str, str | bool] = {}
        for part in parts[1:]:
            key, _eq, value = part.partition("=")
            attrs[key.lower()] = value or True
        out[name] = attrs
    return out


def _sign_in_and_switch_language(client, email):
    signed_in = _cookies(client.post("/login", data={"email": email, "password": PASSWORD}))
    switched = _cookies(client.post("/language", data={"lang": "en", "next": "/me"}))
    return signed_in, switched


def test_cookies_are_httponly_and_samesite_lax(app, client):
    user = create_user("learner")
    signed_in, switched = _sign_in_and_switch_language(client, user.email)
    session = signed_in["session"]
    assert session["httponly"] is True and session["samesite"] == "Lax"
    assert "secure" not in session  # plain HTTP in development
    language = switched["lang"]
    assert language["httponly"] is True and language["samesite"] == "Lax"


def test_cookies_are_secure_in_production(production_app):
    from portal.config import Config

    # the default configuration turns Secure on from PORTAL_ENV alone
    assert Config.SESSION_COOKIE_SECURE == (Config.PORTAL_ENV == "production")
    with production_app.app_context():
        user = create_user("learner")
        email = user.email
    client = production_app.test_client()
    signed_in, switched = _sign_in_and_switch_language(client, email)
    assert signed_in["session"]["secure"] is True
    assert signed_in["session"]["httponly"] is True
    for name, attrs in switched.items():
        assert attrs.get("secure") is True, name
        assert attrs.get("httponly") is True and attrs.get("samesite") == "Lax", name
