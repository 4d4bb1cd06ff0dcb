"""Static files with a content hash in their URL: phones cache them for a week, and a changed
file gets a new URL at once."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, url_for

BUFFER_LIMIT = 1024 * 1024


def init_app(app: Flask) -> None:
    static_folder = Path(app.static_folder)  # type: ignore[arg-type] # the app keeps its static folder

    @cache
    def version(filename: str) -> str:
        return hashlib.sha256((static_folder / filename).read_bytes()).hexdigest()[:10]

    def asset_url(filename: str) -> str:
        return url_for("static", filename=filename, v=version(filename))

    app.jinja_env.globals["asset_url"] = asset_url
    # Registered after Flask-Compress, so it runs before it (after_request runs in reverse).
    app.after_request(_buffer_small_files)


def _buffer_small_files(response):
    """Read small files into memory so they are gzipped whole and their file is closed properly."""
    if response.direct_passthrough and response.status_code == 200 and (
            response.content_length or 0) <= BUFFER_LIMIT:
        response.direct_passthrough = False
        response.make_sequence()
    return response
