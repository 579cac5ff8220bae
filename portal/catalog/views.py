"""The course library: catalogue, course page, lesson reader, media."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__)
