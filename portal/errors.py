"""Error pages in the user's language, and JSON errors under /api/."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)

_PAGES = {400, 401, 403, 404, 405, 413, 429, 500, 503}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, description: str | None = None):
    from portal.extensions import db

    if code >= 500:
        db.session.rollback()
    if _wants_json():
        return jsonify({"error": code, "message": description or ""}), code
    template = f"errors/{code}.html" if code in _PAGES else "errors/generic.html"
    return render_template(template, code=code), code


def register(app) -> None:
    """Attach the handlers to *app*."""

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _render(400, "csrf")

    @app.errorhandler(HTTPException)
    def _http(error):
        return _render(error.code or 500, error.description)

    @app.errorhandler(Exception)
    def _unexpected(error):
        logger.exception("Unhandled error on %s", request.path)
        return _render(500)
