"""Reports: exports and charts for managers, administrators and trainers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
