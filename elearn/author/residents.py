"""residents: placeholder routes, to be built."""
from __future__ import annotations

from flask import render_template

from elearn import access
from elearn.author.views import bp


@bp.get("/residents")
@access.role_required("trainer")
def residents():
    return render_template("author/index.html", villages=[])


@bp.get("/residents/new")
@access.role_required("trainer")
def new_resident():
    return render_template("author/index.html", villages=[])
