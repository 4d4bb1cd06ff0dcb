"""The manifest, the service worker (served from the site's root, so its scope is the whole site)
and the offline page. None of them holds anything personal: the same for everyone."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import gettext as _

from elearn.offline.worker import service_worker_source

bp = Blueprint("offline", __name__, template_folder="templates")

THEME_COLOUR = "#0b5d3b"  # as base.html's theme-color


@bp.get("/sw.js")
def service_worker():
    response = Response(service_worker_source(current_app), mimetype="application/javascript")
    # Checked again on each visit, so a new release reaches phones at once.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("learn.home")
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    asset_url: Callable[[str], str] = current_app.jinja_env.globals["asset_url"]  # type: ignore[assignment] # elearn.assets
    icons = [{"src": asset_url("icon.svg"), "sizes": "any", "type": "image/svg+xml"}]
    icons += [{"src": asset_url(f"icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
              for size in (192, 512)]
    response = current_app.json.response({
        "name": "Học số", "short_name": "Học số", "lang": "vi", "dir": "ltr",
        "description": _("Học kỹ năng số trên điện thoại, cả khi không có mạng."),
        "id": url_for("learn.home"), "start_url": url_for("learn.home"), "scope": url_for("learn.home"),
        "display": "standalone", "theme_color": THEME_COLOUR, "background_color": "#ffffff", "icons": icons,
    })
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def page():
    """What the service worker shows for a page that is not on the phone when there is no network."""
    response = Response(render_template("offline/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response
