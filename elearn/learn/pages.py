"""Lesson pages rendered once per process and served again with this visitor's form token.

Everything on a lesson page comes from the published course, the language and which staff links
the menu shows; the only per-session value is the CSRF token of its two forms. So the page is
rendered once with a placeholder where the token goes, kept (keyed by the course's stamp, the
address, the language and the menu), and each request only puts its own token in. A page with a
message waiting for the visitor (a flash) is rendered in full, as any other page.
"""
from __future__ import annotations

import secrets

from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from elearn.access import may_act_as
from elearn.content.snapshots import CourseSnapshot, Memo, published_snapshot

# Random per process, so no lesson text can contain it by chance or by design.
_TOKEN_MARK = f"csrf-{secrets.token_hex(16)}"


def _memos() -> tuple[Memo, Memo]:
    """This app's course snapshots and rendered pages (each process has its own, on the app)."""
    return current_app.extensions.setdefault("elearn_lesson_pages", (Memo(64), Memo(512)))


def course_snapshot(db, slug: str) -> CourseSnapshot | None:
    return published_snapshot(db, slug, _memos()[0])


def _menu() -> tuple[bool, ...]:
    return tuple(may_act_as(current_user, role) for role in ("trainer", "official", "admin"))


def render_cached(stamp: tuple, template: str, **context) -> str:
    """`render_template(template, **context)`, from the cache when the same page was made before."""
    if session.get("_flashes"):
        return render_template(template, **context)
    key = (stamp, request.full_path, str(get_locale()), _menu())
    pages = _memos()[1]
    page = pages.get(key)
    if page is None:
        page = render_template(template, csrf_token=lambda: _TOKEN_MARK, **context)
        pages.put(key, page)
    return page.replace(_TOKEN_MARK, generate_csrf())
