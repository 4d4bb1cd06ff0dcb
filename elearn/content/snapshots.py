"""Published courses kept in memory between requests, checked against the database on each one.

A lesson page is read far more often than a course changes, and loading a course with every lesson
through the ORM cost more than the rest of the page together. So each process keeps an immutable
snapshot of a published course (titles, lesson bodies), keyed by the course's *stamp*: its
published revision, content hash and last update. Every request still asks the database for the
stamp (one small query, no ORM objects), so an edit published through any app server is seen by
every server on its very next request; a stale snapshot can never be served. Plain values in, no
Flask.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from collections.abc import Callable, Hashable

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload

from elearn.models import Course


@dataclass(frozen=True)
class LessonSnapshot:
    id: int
    slug: str
    title: str
    body_html: str


@dataclass(frozen=True)
class CourseSnapshot:
    id: int
    slug: str
    title: str
    stamp: tuple
    lessons: tuple[LessonSnapshot, ...]
    summary: str = ""  # the course's one-line summary: the lesson pages' meta description

    def find(self, lesson_slug: str) -> int | None:
        """The lesson's index among the active lessons, or None."""
        return next((i for i, lesson in enumerate(self.lessons) if lesson.slug == lesson_slug), None)


class Memo:
    """A small thread-safe LRU map: gunicorn's threads share one per process."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Built once: making the statement each time cost more than running it.
STAMP_COLUMNS = (Course.id, Course.published_revision, Course.content_hash, Course.version, Course.updated_at)
_STAMP = select(*STAMP_COLUMNS).where(Course.slug == bindparam("slug"), Course.is_published)


def published_stamp(connection: Connection, slug: str) -> tuple | None:
    """(id, revision, hash, version, updated) of the published course `slug`: a plain row, no ORM."""
    row = connection.execute(_STAMP, {"slug": slug}).first()
    return tuple(row) if row is not None else None


def published_snapshot(connection: Connection, slug: str, memo: Memo,
                       session: Callable[[], Session]) -> CourseSnapshot | None:
    """The published course `slug`, from `memo` while its stamp has not changed; `session` gives
    the ORM session to load it when it has (called only then)."""
    stamp = published_stamp(connection, slug)
    if stamp is None:
        return None
    snapshot = memo.get(stamp)
    if snapshot is None:
        course = session().scalar(select(Course).where(Course.id == stamp[0]).options(joinedload(Course.lessons)))
        if course is None:  # removed since the stamp was read
            return None
        # Keyed by what was loaded, should a publish have come in between the two reads.
        loaded = (course.id, course.published_revision, course.content_hash, course.version, course.updated_at)
        snapshot = CourseSnapshot(course.id, course.slug, course.title, loaded, tuple(
            LessonSnapshot(lesson.id, lesson.slug, lesson.title, lesson.body_html) for lesson in course.active_lessons),
            course.summary)
        memo.put(loaded, snapshot)
    return snapshot
