"""The trainers' workspace (Tổ Công nghệ số cộng đồng): courses, residents met in person, training
sessions and the follow-up list. The routes live in one module per task; this one holds the
blueprint and the start page. Every page is scoped through elearn.access."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from elearn import access
from elearn.db import db_session

bp = Blueprint("author", __name__, template_folder="templates", url_prefix="/trainer")


@bp.get("/")
@access.role_required("trainer")
def index():
    villages = access.visible_units(db_session(), current_user, "trainer", kinds=("village",))
    return render_template("author/index.html", villages=villages)


# The task modules add their routes to `bp` when imported.
from elearn.author import courses, external, followup, residents, sessions  # noqa: E402,F401
