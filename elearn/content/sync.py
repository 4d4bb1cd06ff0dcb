"""`courses sync`: the bundled courses folder into the database, all or nothing.

The database is the source of truth; the folder is one way courses arrive. The sync touches only
courses whose origin is "bundled":
- a course new in the folder is created and published (revision 1, kind "sync");
- a course whose folder changed gets a "sync" revision and is published again;
- a course changed on the web since its last sync (its newest revision is not a sync one) is left
  as it is and reported, so a trainer's work is never overwritten by a restart;
- a course gone from the folder is archived (residents keep their progress, the course is hidden);
- courses made on the web or imported from a .zip are never touched, even under the same name.
A database from before revisions (latest_revision = 0) gets revision 1 from the folder, with its
images stored in course_media, even when nothing changed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.content.parse import CourseErrors, CourseSource, parse_source, read_collection, rename_media
from elearn.content.publish import SYNC_KINDS, add_revision, content_hash, latest, publish, store_media
from elearn.content.render import RENDERER_VERSION
from elearn.models import Course


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_quiz_versions: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    # A bundled course edited on the web since its last sync: the folder's version was not loaded.
    kept_web_changes: list[str] = field(default_factory=list)
    # A course of the same name made on the web or imported from a .zip: not touched.
    not_bundled: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = (f"created: {len(self.created)}, updated: {len(self.updated)}, unchanged: {len(self.unchanged)}, "
                f"new quiz versions: {len(self.new_quiz_versions)}, archived: {len(self.archived)}")
        if self.kept_web_changes:
            line += (f"\nnot loaded, changed on the web since the last sync (publish or restore them there): "
                     f"{', '.join(self.kept_web_changes)}")
        if self.not_bundled:
            line += ("\nnot loaded, a course of this name was made on the web or imported: "
                     f"{', '.join(self.not_bundled)}")
        return line


def sync_folder(session: Session, path: Path, archive_missing: bool = True) -> SyncReport:
    """Validate every course under `path`, then load them (the caller commits: all or nothing)."""
    sources, problems = read_collection(path)
    parsed = {}
    course_problems = []
    for source in sources:
        parsed[source.slug], found = parse_source(source)
        course_problems.extend(found)
    if course_problems or problems:
        raise CourseErrors(course_problems + problems)
    report = SyncReport()
    for source in sources:
        _sync_course(session, source, parsed[source.slug], report)
    if archive_missing:
        _archive_missing(session, {s.slug for s in sources}, report)
    session.flush()
    return report


def source_hash(source: CourseSource) -> str:
    media = {name: hashlib.sha256(data or b"").hexdigest() for name, data in source.media.items()}
    return content_hash([RENDERER_VERSION, source.files, media])


def _sync_course(session: Session, source: CourseSource, parsed, report: SyncReport) -> None:
    folder_hash = source_hash(source)
    course = session.scalar(select(Course).where(Course.slug == source.slug))
    newest = latest(session, course) if course is not None else None
    if course is None:
        course = Course(slug=source.slug, origin="bundled", status="draft", title=parsed.title, track=parsed.track)
        session.add(course)
        report.created.append(source.slug)
    elif course.origin != "bundled":
        report.not_bundled.append(source.slug)
        return
    elif newest is not None and newest.kind not in SYNC_KINDS:
        report.kept_web_changes.append(source.slug)
        return
    elif newest is not None and course.content_hash == folder_hash and course.is_published:
        report.unchanged.append(source.slug)
        return
    else:
        report.updated.append(source.slug)
    renamed = {}
    for name, data in source.media.items():  # read from the course's folder: bytes, never None
        stored, _new = store_media(session, course, name, data, actor_id=None)  # type: ignore[arg-type]
        if stored != name:
            renamed[name] = stored
    revision = add_revision(session, course, rename_media(source.files, renamed), "sync", None,
                            summary=f"courses/{source.slug}")
    if publish(session, course, revision, record=False):
        report.new_quiz_versions.append(source.slug)
    course.content_hash = folder_hash


def _archive_missing(session: Session, slugs: set[str], report: SyncReport) -> None:
    bundled = session.scalars(select(Course).where(Course.origin == "bundled", Course.status != "archived")
                              .order_by(Course.slug))
    for course in bundled:
        if course.slug in slugs:
            continue
        newest = latest(session, course)
        if newest is not None and newest.kind not in SYNC_KINDS:
            report.kept_web_changes.append(course.slug)
            continue
        course.status = "archived"
        if newest is not None:
            add_revision(session, course, newest.files, "sync-archive", None,
                         summary=f"courses/{course.slug} is no longer in the folder")
        report.archived.append(course.slug)
