"""The trainers' studio: author, review and publish courses and quizzes in the browser."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.security import roles_required

bp = Blueprint("authoring", __name__, url_prefix="/studio")


@bp.route("")
@roles_required("trainer", "admin")
def index():
    """The studio's start page."""
    return render_template("authoring/index.html")
