"""Machine-facing endpoints: /healthz, open data, and the token-authenticated reporting API.

Every route here is exempt from CSRF because none of them reads a cookie: open data is public and
the reporting API takes a bearer token. A cookie-authenticated route must never be added here."""
from __future__ import annotations

import hashlib
from datetime import date

from flask import Blueprint, Response, abort, g, jsonify, request
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from elearn import access
from elearn.api.openapi import document as openapi_document
from elearn.api.serialize import report_json
from elearn.db import db_session
from elearn.extensions import limiter
from elearn.i18n import local_today
from elearn.models import Unit
from elearn.reports import open_data
from elearn.reports.figures import build_report, open_data_counts
from elearn.reports.forms import EARLIEST_DAY

bp = Blueprint("api", __name__)

API_LIMIT = "120 per minute"
OPEN_DATA_MAX_AGE = 3600


@bp.get("/healthz")
def healthz():
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.get("/open-data/completion.<any(json, csv):kind>")
@limiter.limit("60 per minute")
def open_completion(kind):
    day = _day_argument("as_of", local_today())
    document = open_data.publish(open_data_counts(db_session(), day), day)
    if kind == "json":
        response = jsonify(document)
    else:
        response = Response(open_data.to_csv(document), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": "attachment; filename=hoc-so-ty-le-dao-tao.csv"})
    response.headers["Cache-Control"] = f"public, max-age={OPEN_DATA_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _token_key() -> str:
    """Limits count per token (a hash of the header: the token itself is never kept)."""
    return "api:" + hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()[:24]


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/api/v1/units")
@limiter.limit(API_LIMIT, key_func=_token_key)
@access.token_required
def api_units():
    root = g.api_token.unit
    units = db_session().scalars(select(Unit).where(access.in_subtree([root]), Unit.merged_into_id.is_(None))
                                 .order_by(Unit.path)).all()
    return jsonify({"units": [{"id": u.id, "kind": u.kind, "name": u.name, "code": u.code,
                               "parent_id": u.parent_id, "demo": u.is_demo} for u in units]})


@bp.get("/api/v1/units/<id:unit_id>/completion")
@limiter.limit(API_LIMIT, key_func=_token_key)
@access.token_required
def api_completion(unit_id):
    unit = _report_unit(unit_id)
    day = _day_argument("as_of", local_today())
    return jsonify(report_json(build_report(db_session(), unit, day), full=False))


@bp.get("/api/v1/units/<id:unit_id>/report")
@limiter.limit(API_LIMIT, key_func=_token_key)
@access.token_required
def api_report(unit_id):
    unit = _report_unit(unit_id)
    end = _day_argument("to", local_today())
    start = _day_argument("from", date(end.year, 1, 1))
    if start > end:
        abort(400, description="'from' must not be after 'to'.")
    return jsonify(report_json(build_report(db_session(), unit, end, since=start, activity_since=start), full=True))


def _report_unit(unit_id: int) -> Unit:
    unit = access.unit_in_token_scope(db_session(), g.api_token, unit_id)
    if unit is None or unit.kind not in ("province", "commune") or not unit.is_active:
        abort(404)
    return unit


def _day_argument(name: str, default: date) -> date:
    """An ISO date (YYYY-MM-DD), from 2015 up to today."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 and raw.isascii() else None
    except ValueError:
        day = None
    if day is None:
        abort(400, description=f"'{name}' must be a date written YYYY-MM-DD.")
    if not EARLIEST_DAY <= day <= local_today():
        abort(400, description=f"'{name}' must be between {EARLIEST_DAY.isoformat()} and today.")
    return day
