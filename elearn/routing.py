"""URL converters: ids are bounded ASCII numbers, and no part of an address (a slug, a file name, a
certificate code) carries a control character. Values in a query string are read by the strict
parsers of elearn.inputs or by a form (elearn.forms.Form), never straight into a query."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from elearn.inputs import MAX_ID

__all__ = ["MAX_ID", "IdConverter", "TextConverter", "init_app"]

_NO_CONTROL = r"[^/\x00-\x1f\x7f-\x9f]"


class IdConverter(IntegerConverter):
    """A database id in a URL: ASCII digits only, from 1 to MAX_ID; anything else is a 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


class TextConverter(UnicodeConverter):
    """`<slug>`, `<name>`, `<code>`: a NUL byte or another control character is a 404."""

    def __init__(self, url_map, minlength=1, maxlength=None, length=None):
        super().__init__(url_map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", _NO_CONTROL)


class SafePathConverter(PathConverter):
    regex = _NO_CONTROL + r"[^\x00-\x1f\x7f-\x9f]*?"


def init_app(app: Flask) -> None:
    app.url_map.converters.update(id=IdConverter, default=TextConverter, string=TextConverter,
                                  path=SafePathConverter)
