"""The officials' pages: progress toward the targets, population figures, reports, API tokens."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


@bp.get("/")
def index():  # placeholder until the dashboard lands in this next commits
    from flask import abort

    abort(404)
