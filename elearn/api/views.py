"""Machine-facing endpoints. /healthz is a stable public contract."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from elearn.db import db_session

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
