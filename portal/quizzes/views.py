"""Quiz pages: the rules and past attempts, taking an attempt, the review."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quizzes", __name__, url_prefix="/courses")
