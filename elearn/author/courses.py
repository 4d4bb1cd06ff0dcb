"""courses: placeholder routes, to be built."""
from __future__ import annotations

from flask import render_template

from elearn import access
from elearn.author.views import bp


@bp.get("/courses")
@access.role_required("trainer")
def courses():
    return render_template("author/index.html", villages=[])
