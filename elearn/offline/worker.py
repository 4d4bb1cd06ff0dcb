"""The service worker's text: sw.js with this release's files and addresses filled in.

Its caches are named after a hash of every static file (each file's content hash is in its URL) and
of the worker and offline page, so a release that changes any of them installs a new worker, which
deletes the old caches. It fetches ahead only what the offline page needs: the files a page uses are
kept as that page loads them (from the browser's own cache, at no cost on the network)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, url_for

TEMPLATES = Path(__file__).parent / "templates" / "offline"  # in the wheel with every template
SOURCE = TEMPLATES / "sw.js"  # with __NAMES__ to fill in, not Jinja
OFFLINE_TEMPLATE = TEMPLATES / "offline.html"
OFFLINE_PAGE_FILES = ("site.css", "icon.svg", "offline.js")  # what templates/offline/offline.html loads


def static_files(app: Flask) -> list[str]:
    folder = Path(app.static_folder)  # type: ignore[arg-type] # the app keeps its static folder
    return sorted(path.name for path in folder.iterdir() if path.is_file())


def service_worker_source(app: Flask) -> str:
    """Made once per process (static files do not change while it runs), in a request."""
    kept = app.extensions.get("elearn_service_worker")
    if kept is None:
        asset_url = app.jinja_env.globals["asset_url"]
        release = [asset_url(name) for name in static_files(app)]  # type: ignore[operator]
        source = SOURCE.read_text(encoding="utf-8")
        version = hashlib.sha256("\n".join([*release, source, OFFLINE_TEMPLATE.read_text(encoding="utf-8")])
                                 .encode()).hexdigest()[:10]
        shell = [asset_url(name) for name in OFFLINE_PAGE_FILES]  # type: ignore[operator]
        values = {
            "VERSION": version, "SHELL": shell, "OFFLINE": url_for("offline.page"),
            # Where someone signs in or out: the lessons kept for the one before are dropped there.
            "SIGN": [url_for(endpoint) for endpoint in ("auth.sign_in", "auth.sign_out", "auth.register",
                                                         "auth.use_code")],
        }
        for name, value in values.items():
            source = source.replace(f"__{name}__", json.dumps(value))
        kept = app.extensions["elearn_service_worker"] = source
    return kept
