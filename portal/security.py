"""Access rules for views, safe redirects and the security headers.

Every view declares who may reach it with exactly one of :func:`public`,
:func:`login_required` or :func:`roles_required`. The decorator enforces the rule on
the server and records it on the view as ``access_rule``, so that a test can walk the
url_map and fail for any route that declares nothing.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

ROLES = ("learner", "manager", "trainer", "admin")

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def _mark(view, rule):
    view.access_rule = rule
    return view


def public(view):
    """Declare *view* open to everyone, signed in or not."""
    return _mark(view, PUBLIC)


def is_allowed(rule, user) -> bool:
    """Return whether *user* (possibly anonymous) satisfies the access *rule*.

    :param rule: ``PUBLIC``, ``AUTHENTICATED`` or a frozenset of role names
    :param user: the current user or an anonymous user
    """
    if rule == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if rule == AUTHENTICATED:
        return True
    return user.role in rule


def _guard(view, rule):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            if request.blueprint == "api" or request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if not is_allowed(rule, current_user):
            abort(403)
        return view(*args, **kwargs)

    return _mark(wrapped, rule)


def login_required(view):
    """Declare *view* open to any signed-in user; others are sent to the sign-in page."""
    return _guard(view, AUTHENTICATED)


def roles_required(*roles: str):
    """Declare *view* open only to users holding one of *roles*; others get 403."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    rule = frozenset(roles)

    def decorator(view):
        return _guard(view, rule)

    return decorator


def safe_next_url(target: str | None, default: str) -> str:
    """Return *target* if it is a relative URL on this site, else *default*.

    Refuses absolute URLs, scheme-relative ``//host`` URLs and backslash tricks, so a
    crafted ``?next=`` cannot send a user to another site after signing in.
    """
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    return target


def content_security_policy() -> str:
    """Return the Content-Security-Policy sent with every response."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def set_security_headers(response):
    """Add the security headers to *response* (registered as an after_request hook)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure or current_app.config.get("PORTAL_ENV") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "_user_id" in session:
        # Pages for a signed-in person must not be kept by shared caches. (Flask-Login's
        # key in the session, not current_user: after a commit, asking the user object
        # would load it again just for this.)
        headers.setdefault("Cache-Control", "private, no-store")
    return response
