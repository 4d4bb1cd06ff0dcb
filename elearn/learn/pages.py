"""Lesson pages rendered once per process and served again with this visitor's form token.

Everything on a lesson page comes from the published course, the language and which staff links
the menu shows; the only per-session value is the CSRF token of its two forms. So the page is
rendered once with a placeholder where the token goes, kept (keyed by the course's stamp, the
address, the language and the menu), and each request only puts its own token in. A page with a
message waiting for the visitor (a flash) is rendered in full, as any other page.

Compression was the largest cost left, so the kept page also holds its deflate blocks up to the
first token (flushed to a byte boundary, not final): each request compresses only the short rest of
the page (both forms are at the end) into blocks of its own, with a small window, and appends them.
A gzip stream may hold any number of deflate blocks, so every browser reads it as one page.
"""
from __future__ import annotations

import secrets
import struct
import zlib
from dataclasses import dataclass

from flask import Response, abort, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from elearn.access import may_act_as
from elearn.content.snapshots import CourseSnapshot, Memo, published_snapshot
from elearn.db import db_connection, db_session

# Random per process, so no lesson text can contain it by chance or by design.
_TOKEN_MARK = f"csrf-{secrets.token_hex(16)}"
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS


@dataclass(frozen=True)
class KeptPage:
    head: str  # the page up to the first token
    tail: str  # the rest, with the placeholder where each token goes
    gzip_head: bytes  # gzip header and the deflate blocks of `head`
    level: int
    head_crc: int
    head_size: int

    @classmethod
    def of(cls, page: str, level: int) -> KeptPage:
        head, _, rest = page.partition(_TOKEN_MARK)
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        head_bytes = head.encode()
        blocks = compressor.compress(head_bytes) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return cls(head, _TOKEN_MARK + rest, _GZIP_HEADER + blocks, level, zlib.crc32(head_bytes), len(head_bytes))

    def text(self, token: str) -> str:
        return self.head + self.tail.replace(_TOKEN_MARK, token)

    def gzipped(self, token: str) -> bytes:
        tail = self.tail.replace(_TOKEN_MARK, token).encode()
        # A small window and state: copying the head's compressor cost more than compressing it all.
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, -9, 1)
        return b"".join((self.gzip_head, compressor.compress(tail), compressor.flush(), struct.pack(
            "<II", zlib.crc32(tail, self.head_crc), (self.head_size + len(tail)) & 0xFFFFFFFF)))


def memos(app) -> tuple[Memo, Memo]:
    """This app's course snapshots and rendered pages (each process has its own, on the app)."""
    return app.extensions.setdefault("elearn_lesson_pages", (Memo(64), Memo(512)))


RESIDENT_MENU = (False, False, False)  # no trainer, official or admin link


def course_snapshot(slug: str) -> CourseSnapshot | None:
    """The published course `slug`; one plain query while it is in memory, no ORM session."""
    return published_snapshot(db_connection(), slug, memos(current_app)[0], db_session)


def snapshot_lesson_or_404(slug: str, lesson_slug: str) -> tuple[CourseSnapshot, int]:
    """The published course `slug` and the place of its lesson `lesson_slug` (404 for either missing)."""
    course = course_snapshot(slug) or abort(404)
    index = course.find(lesson_slug)
    if index is None:
        abort(404)
    return course, index


def _menu() -> tuple[bool, ...]:
    return tuple(may_act_as(current_user, role) for role in ("trainer", "official", "admin"))


def render_cached(stamp: tuple, template: str, **context) -> str | Response:
    """`render_template(template, **context)`, from the cache when the same page was made before."""
    if session.get("_flashes"):
        return render_template(template, **context)
    key = (stamp, request.full_path, str(get_locale()), _menu())
    pages = memos(current_app)[1]
    page = pages.get(key)
    if page is None:
        page = KeptPage.of(render_template(template, csrf_token=lambda: _TOKEN_MARK, **context),
                           current_app.config["COMPRESS_LEVEL"])
        pages.put(key, page)
    token = generate_csrf()
    if request.accept_encodings["gzip"] <= 0:
        return page.text(token)
    response = Response(page.gzipped(token), mimetype="text/html")
    response.headers["Content-Encoding"] = "gzip"  # Flask-Compress leaves it as it is
    response.vary.add("Accept-Encoding")
    return response
