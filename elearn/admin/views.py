"""The admin's pages: administrative units and staff accounts."""
from __future__ import annotations

from flask import Blueprint, render_template

from elearn.access import role_required

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


@bp.get("/")
@role_required("admin")
def index():
    return render_template("admin/index.html")
