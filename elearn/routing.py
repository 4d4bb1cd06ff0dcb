"""URL converters."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer: a bigger number in a URL would overflow the query


class IdConverter(IntegerConverter):
    """A database id in a URL: ASCII digits only, from 1 to MAX_ID; anything else is a 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)
