"""followup: placeholder routes, to be built."""
from __future__ import annotations

from flask import render_template

from elearn import access
from elearn.author.views import bp


@bp.get("/follow-up")
@access.role_required("trainer")
def follow_up():
    return render_template("author/index.html", villages=[])
