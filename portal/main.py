"""Site-wide pages: home, health check, language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import db
from portal.forms import LanguageForm
from portal.i18n import COOKIE
from portal.security import public, safe_next_url

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "learner": "progress.me",
    "manager": "facilities.dashboard",
    "trainer": "progress.me",
    "admin": "admin.index",
}


@bp.route("/")
@public
def index():
    """Landing page; signed-in people go to their own start page."""
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return render_template("main/index.html")


@bp.route("/healthz")
@public
def healthz():
    """Report whether the app and its database answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        current_app.logger.exception("health check failed")
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language; remembered on the account and in a cookie."""
    form = LanguageForm()
    target = safe_next_url(request.form.get("next"), url_for("main.index"))
    if not form.validate_on_submit():
        return redirect(target)
    lang = form.lang.data
    if current_user.is_authenticated:
        from portal.accounts.services import set_locale

        set_locale(current_user, lang)
        db.session.commit()
    response = redirect(target)
    response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
