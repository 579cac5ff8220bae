"""Signed-cookie sessions that are re-signed at most once a minute when nothing changed.

Sessions end after ``PERMANENT_SESSION_LIFETIME`` without a request: the cookie's signature
carries the time it was signed, and Flask refuses a cookie older than that. Flask keeps the
deadline moving by signing the cookie again on every response, which costs a signature and
a ``Set-Cookie`` header on every page. This interface does it only when the session changed
or its signature is older than ``SESSION_REFRESH_SECONDS`` (at most a tenth of the
lifetime), so an idle session still ends on time, give or take that interval.
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

__all__ = ["ThrottledSessionInterface"]


class _Session(SecureCookieSession):
    #: When the cookie this session came from was signed (seconds since the epoch).
    signed_at: float | None = None


class ThrottledSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, refreshed at most every ``SESSION_REFRESH_SECONDS``."""

    session_class = _Session

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed.timestamp()
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        if session.signed_at is None:
            return True
        lifetime = app.permanent_session_lifetime.total_seconds()
        interval = min(app.config.get("SESSION_REFRESH_SECONDS", 60), lifetime / 10)
        return time.time() - session.signed_at >= interval
