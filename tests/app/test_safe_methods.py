"""No GET changes data. A lesson holding `<img src="/some/route">` makes every reader's browser
send that GET; if a GET could mark a lesson read, issue something or write the audit log, any
author could make readers change data without a click. This walks every GET route of the route
matrix (tests/app/test_access.py) as every actor and compares every row of every table."""
from __future__ import annotations

import hashlib

from flask import url_for
from sqlalchemy import select

from elearn.db import Base
from tests.app.test_access import ACCESS, ACTORS, _browser, world  # noqa: F401 (the fixture)


def table_fingerprints(db) -> dict[str, tuple[int, str]]:
    """Every table: (row count, SHA-256 of all its rows in primary-key order)."""
    db.rollback()  # a fresh snapshot: nothing read earlier is reused
    result = {}
    for table in Base.metadata.sorted_tables:
        rows = db.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        result[table.name] = (len(rows), digest)
    return result


def _get_paths(app, world):
    for endpoint, (_who, arguments) in sorted(ACCESS.items()):
        rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
        if "GET" not in rule.methods:
            continue
        values = {name: getattr(world, value) if isinstance(value, str) and hasattr(world, value) else value
                  for name, value in arguments.items()}
        with app.test_request_context():
            yield endpoint, url_for(endpoint, **values)


def test_no_get_route_changes_any_row_for_any_actor(app, db, world):
    browsers = {actor: _browser(app, actor) for actor in ACTORS}  # signing in writes; done before
    paths = list(_get_paths(app, world))
    assert len(paths) > 40  # the matrix really is walked
    before = table_fingerprints(db)
    writers = {}
    for endpoint, path in paths:
        for browser in browsers.values():
            browser.get(path).close()
        after = table_fingerprints(db)
        changed = sorted(name for name in after if after[name] != before[name])
        if changed:
            writers[f"GET {path} ({endpoint})"] = changed
        before = after
    assert writers == {}, "these GETs changed rows (make them POST with CSRF)"
