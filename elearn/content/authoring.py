"""Writing courses on the web, in the same Markdown files as courses/ (no Flask here).

Every change is a new CourseRevision holding all of the course's files, with who and when; nothing
is ever overwritten, so the history can be shown and any revision restored. Residents see only
what was published (elearn.content.publish). Services take a session and plain values, add and
flush, and refuse with `elearn.problems.Refused` (codes and values) or `EditConflict`.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.content import publish as publishing
from elearn.content.archive import export_zip, read_archive
from elearn.content.images import ImageRefused, clean_upload, slugify
from elearn.content.parse import (FILE_PROBLEMS, LESSON_FILE_RE, SLUG_RE, TRACKS, CourseErrors, ParsedCourse,
                                  Problem, lesson_names, media_references, parse_source, rename_media)
from elearn.content.render import render_markdown
from elearn.inputs import has_control
from elearn.models import Course, CourseMedia, CourseRevision, User
from elearn.problems import Problem as Refusal
from elearn.problems import Refused
from elearn.training.scoring import DEFAULT_PASS_MARK

MAX_TITLE = 200
MAX_FILE_CHARS = 100_000
MAX_LESSONS = 99


class EditConflict(Exception):
    """The file was changed by someone else since the editor opened it: nothing was saved."""

    def __init__(self, name: str, theirs: str | None, latest: CourseRevision, author: str | None):
        super().__init__(name)
        self.name = name
        self.theirs = theirs  # None: the file was removed
        self.latest = latest
        self.author = author


@dataclass
class Workspace:
    """A course as its editor sees it: the newest files, their problems, the stored images."""

    course: Course
    revision: CourseRevision | None
    files: dict[str, str]
    parsed: ParsedCourse | None
    problems: list[Problem]
    media: list

    @property
    def lessons(self) -> list[str]:
        return lesson_names(self.files)

    def problems_of(self, name: str) -> list[Problem]:
        return sorted((p for p in self.problems if p.name == name), key=lambda p: p.line)

    def lesson_title(self, name: str) -> str:
        lesson = next((item for item in self.parsed.lessons if item.name == name), None) if self.parsed else None
        return lesson.title if lesson else ""


@dataclass
class Preview:
    name: str
    parsed: ParsedCourse
    problems: list[Problem]
    html: str = ""
    title: str = ""
    questions: list[dict] = field(default_factory=list)


def workspace(session: Session, course: Course) -> Workspace:
    revision = publishing.latest(session, course)
    files = dict(revision.files) if revision else {}
    media = publishing.media_rows(session, course.id)
    parsed, problems = publishing.check_files(session, course, files, media) if revision else (None, [])
    return Workspace(course, revision, files, parsed, problems, media)


def course_by_id(session: Session, course_id: int) -> Course | None:
    return session.get(Course, course_id)


def courses_for_authors(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).order_by(Course.status != "draft", Course.status == "archived",
                                                        Course.position, Course.title)))


# New courses and their files.

def skeleton(title: str, track: str) -> dict[str, str]:
    """A course to start from: valid as it is, so the trainer changes text rather than syntax."""
    return {
        "course.md": (f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nsummary: \"\"\ntrack: {track}\n"
                      f"required: false\npass_mark: {DEFAULT_PASS_MARK}\norder: 100\n---\n"
                      "Giới thiệu ngắn: học xong khóa này, người học làm được gì.\n"),
        "01-bai-dau-tien.md": lesson_skeleton("Bài đầu tiên"),
        "quiz.md": ("# Kiểm tra\n\n## Câu hỏi thứ nhất?\n- [ ] Một lựa chọn sai\n- [x] Lựa chọn đúng\n"
                    "- [ ] Một lựa chọn sai khác\n> Giải thích vì sao lựa chọn này đúng.\n"),
    }


def lesson_skeleton(title: str) -> str:
    return (f"# {title}\n\nViết nội dung bài học ở đây. Mỗi đoạn ngắn, mỗi bước một dòng.\n\n"
            "> **Tóm tắt**\n> - Ý chính của bài.\n")


def create_course(session: Session, slug: str, title: str, track: str, actor_id: int) -> Course:
    title = " ".join((title or "").split())
    slug = (slug or "").strip().lower() or slugify(title)
    problems = []
    if not title:
        problems.append(Refusal("title_missing", "title"))
    elif len(title) > MAX_TITLE:
        problems.append(Refusal("title_too_long", "title", values={"max": MAX_TITLE}))
    if not SLUG_RE.match(slug) or len(slug) > 80:
        problems.append(Refusal("slug_invalid", "slug"))
    if track not in TRACKS:
        problems.append(Refusal("track_invalid", "track"))
    if problems:
        raise Refused(problems)
    existing = session.scalar(select(Course).where(Course.slug == slug))
    if existing is not None:
        if _just_created_by(session, existing, actor_id, title):
            return existing  # the same form sent twice
        raise Refused(Refusal("slug_taken", "slug", values={"slug": slug}))
    course = Course(slug=slug, title=title, track=track, status="draft", origin="web", required=False,
                    position=100)
    session.add(course)
    publishing.add_revision(session, course, skeleton(title, track), "create", actor_id)
    return course


def _just_created_by(session: Session, course: Course, actor_id: int, title: str) -> bool:
    first = publishing.revision_of(session, course, 1)
    return (course.latest_revision == 1 and course.origin == "web" and course.title == title
            and first is not None and first.kind == "create" and first.author_id == actor_id)


def normalise_text(text: str) -> str:
    """What a textarea sends (CRLF line ends), as it is stored: LF, one final newline."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip() + "\n"


def _newest(session: Session, course: Course) -> CourseRevision:
    """The newest revision of a course in the editor: every course is created with its first one."""
    newest = publishing.latest(session, course)
    if newest is None:
        raise LookupError(f"course {course.id} has no revision")
    return newest


def save_file(session: Session, course: Course, name: str, text: str, base: int | None,
              actor_id: int) -> CourseRevision | None:
    """A new revision with `name` changed; None when the text is what is stored already (a second
    tap). Refused with EditConflict when this file changed since revision `base`, the one the
    editor started from; changes to other files since then are kept."""
    text = normalise_text(text)
    if len(text) > MAX_FILE_CHARS:
        raise Refused(Refusal("file_too_long", "text", values={"max": MAX_FILE_CHARS}))
    newest = _newest(session, course)
    current = newest.files.get(name)
    if current == text:
        return None
    if current is None or (base != newest.number and _changed_since(session, course, name, base, current)):
        raise EditConflict(name, current, newest, _author_name(session, newest.author_id))
    files = {**newest.files, name: text}
    try:
        revision = publishing.add_revision(session, course, files, "edit", actor_id, summary=name)
    except publishing.StaleCourse:
        newest = _newest(session, course)
        raise EditConflict(name, newest.files.get(name), newest, _author_name(session, newest.author_id)) from None
    if name == "course.md" and course.status == "draft":
        _follow_front_matter(session, course, files)
    return revision


def _changed_since(session: Session, course: Course, name: str, base: int | None, current: str) -> bool:
    earlier = publishing.revision_of(session, course, base) if base else None
    return earlier is None or earlier.files.get(name) != current


def _author_name(session: Session, user_id: int | None) -> str | None:
    return session.scalar(select(User.full_name).where(User.id == user_id)) if user_id else None


def _follow_front_matter(session: Session, course: Course, files: dict[str, str]) -> None:
    """A draft's list entry shows the title being written (a published course keeps what residents see)."""
    parsed, _problems = parse_source(publishing.stored_source(course, files, []))
    if parsed.title:
        course.title = parsed.title[:MAX_TITLE]
    if parsed.track in TRACKS:
        course.track = parsed.track


def add_lesson(session: Session, course: Course, title: str, actor_id: int) -> str:
    """A new lesson file after the last one; returns its name."""
    title = " ".join((title or "").split())
    if not title:
        raise Refused(Refusal("lesson_title_missing", "title"))
    if len(title) > MAX_TITLE:
        raise Refused(Refusal("title_too_long", "title", values={"max": MAX_TITLE}))
    newest = _newest(session, course)
    slug = slugify(title)[:60].strip("-") or "bai"
    names = lesson_names(newest.files)
    for name in names:
        if LESSON_FILE_RE.match(name).group(2) == slug:
            if newest.files[name].startswith(f"# {title}\n"):
                return name  # the same form sent twice
            raise Refused(Refusal("lesson_exists", "title", values={"name": name}))
    number = max((int(name[:2]) for name in names), default=0) + 1
    if number > MAX_LESSONS:
        raise Refused(Refusal("too_many_lessons", "title", values={"max": MAX_LESSONS}))
    name = f"{number:02d}-{slug}.md"
    publishing.add_revision(session, course, {**newest.files, name: lesson_skeleton(title)}, "add-lesson",
                            actor_id, summary=name)
    return name


def remove_lesson(session: Session, course: Course, name: str, actor_id: int) -> bool:
    """Removes a lesson file (earlier revisions keep it); False when it is gone already."""
    newest = _newest(session, course)
    if name not in newest.files:
        return False
    files = {key: value for key, value in newest.files.items() if key != name}
    publishing.add_revision(session, course, files, "remove-lesson", actor_id, summary=name)
    return True


# Publishing, archiving, history.

def publish_latest(session: Session, course: Course, actor_id: int) -> bool:
    """Residents see the newest revision; refused with CourseErrors while it has problems.
    False when it was published already (nothing to do)."""
    newest = _newest(session, course)
    if course.is_published and course.published_revision == newest.number:
        return False
    publishing.publish(session, course, newest, actor_id)
    audit(session, "course_published", actor_id=actor_id, course_id=course.id, revision=course.published_revision)
    return True


def archive_course(session: Session, course: Course, actor_id: int) -> bool:
    if course.status == "archived":
        return False
    course.status = "archived"
    _status_revision(session, course, "archive", actor_id)
    audit(session, "course_archived", actor_id=actor_id, course_id=course.id)
    return True


def unarchive_course(session: Session, course: Course, actor_id: int) -> bool:
    """Back as it was before archiving: published if it had been, else a draft."""
    if course.status != "archived":
        return False
    course.status = "published" if course.published_revision else "draft"
    _status_revision(session, course, "unarchive", actor_id)
    audit(session, "course_unarchived", actor_id=actor_id, course_id=course.id)
    return True


def _status_revision(session: Session, course: Course, kind: str, actor_id: int) -> None:
    newest = publishing.latest(session, course)
    files = newest.files if newest else {}
    publishing.add_revision(session, course, files, kind, actor_id, previous_files=files)


def history(session: Session, course: Course) -> Sequence[Any]:
    """Every revision, newest first: number, kind, summary, when, and who (None: the sync or a command)."""
    return session.execute(
        select(CourseRevision.number, CourseRevision.kind, CourseRevision.summary, CourseRevision.created_at,
               User.full_name.label("author"))
        .outerjoin(User, User.id == CourseRevision.author_id)
        .where(CourseRevision.course_id == course.id).order_by(CourseRevision.number.desc())).all()


def restore_revision(session: Session, course: Course, number: int, actor_id: int) -> bool:
    """A new revision with the files of revision `number`; publish it as any other change.
    False when the newest files are those already (a second tap)."""
    earlier = publishing.revision_of(session, course, number)
    newest = _newest(session, course)
    if earlier.files == newest.files:
        return False
    publishing.add_revision(session, course, earlier.files, "restore", actor_id, summary=str(number))
    audit(session, "course_restored", actor_id=actor_id, course_id=course.id, revision=number)
    return True


# Images.

def upload_image(session: Session, course: Course, filename: str, data: bytes, actor_id: int) -> str:
    """Stores a cleaned image (see elearn.content.images); returns the name to write in the Markdown."""
    try:
        image = clean_upload(filename, data)
    except ImageRefused as refused:
        raise Refused(Refusal(f"image_{refused.code}", "image")) from None
    name, new = publishing.store_media(session, course, image.name, image.data, actor_id,
                                       content_type=image.content_type, size=(image.width, image.height))
    if new:
        newest = _newest(session, course)
        publishing.add_revision(session, course, newest.files, "media", actor_id, summary=name,
                                previous_files=newest.files)
    return name


# Preview.

def preview(session: Session, course: Course, files: dict[str, str], name: str, text: str,
            media: list) -> Preview:
    """`name` rendered as residents would see it, with the problems of the course so edited."""
    files = {**files, name: normalise_text(text)}
    source = publishing.stored_source(course, files, media)
    parsed, problems = parse_source(source)
    sizes = {row.name: (row.width, row.height) if row.width and row.height else None for row in media}
    from elearn.content.render import media_resolver

    resolve = media_resolver(course.slug, sizes)
    result = Preview(name=name, parsed=parsed,
                     problems=sorted((p for p in problems if p.name == name), key=lambda p: p.line))
    if name == "course.md":
        result.title = parsed.title
        result.html = render_markdown(parsed.intro_md, resolve, shift_headings=publishing.shift_for(parsed.intro_md))
    elif name == "quiz.md" and parsed.quiz:
        result.title = parsed.quiz.title
        result.questions = [{
            "text": q.text, "line": q.line, "kind": q.kind,
            "body_html": render_markdown(q.body_md, resolve) if q.body_md else "",
            "choices": [(c.text, c.correct) for c in q.choices],
            "explanation_html": render_markdown(q.explanation_md, resolve) if q.explanation_md else "",
        } for q in parsed.quiz.questions]
    else:
        lesson = next((item for item in parsed.lessons if item.name == name), None)
        if lesson is not None:
            result.title = lesson.title
            result.html = render_markdown(lesson.body_md, resolve, shift_headings=publishing.shift_for(lesson.body_md))
    return result


def conflict_diff(theirs: str | None, mine: str) -> list[str]:
    """What saving would have overwritten: their lines (-) against the text being saved (+)."""
    lines = difflib.unified_diff((theirs or "").split("\n"), normalise_text(mine).split("\n"), lineterm="", n=2)
    return [line for line in lines if not line.startswith(("---", "+++"))]


# .zip files.

@dataclass
class Imported:
    course: Course
    problems: list[Problem]
    published: bool
    changed: bool


def import_archive(session: Session, stream: BinaryIO, filename: str, actor_id: int | None, *,
                   replace: bool = False, publish_now: bool = False, refuse_problems: bool = False) -> Imported:
    """A course from a .zip into the database (origin "zip"), never into the courses folder.

    Refused whole (ArchiveRefused, CourseErrors) when the archive or its images are unsafe, or,
    with `refuse_problems`, when any file has a problem. Otherwise the course is stored as a new
    revision, and published when `publish_now` and it has no problems. Importing the same files
    again changes nothing."""
    # The browser's file name is only a label (the revision's summary): control characters go, or
    # a NUL byte would fail the write on PostgreSQL.
    filename = "".join(ch for ch in filename if not has_control(ch))
    source = read_archive(stream, filename)
    parsed, problems = parse_source(source)
    refused = problems if refuse_problems else [p for p in problems if p.code in FILE_PROBLEMS]
    if refused:
        raise CourseErrors(refused)
    course = session.scalar(select(Course).where(Course.slug == source.slug))
    if course is not None and not replace and not _same_files(session, course, source):
        raise Refused(Refusal("course_exists", "archive", values={"slug": source.slug}))
    if course is None:
        course = Course(slug=source.slug, origin="zip", status="draft", title=(parsed.title or source.slug)[:MAX_TITLE],
                        track=parsed.track if parsed.track in TRACKS else TRACKS[0], position=parsed.order)
        session.add(course)
    # A course replaced from a .zip is no longer the bundled one: the sync leaves it alone.
    origin_changed = course.origin != "zip"
    course.origin = "zip"
    renamed = {}
    for name, data in source.media.items():
        stored, _new = publishing.store_media(session, course, name, data, actor_id)
        if stored != name:
            renamed[name] = stored
    files = rename_media(source.files, renamed)
    newest = publishing.latest(session, course)
    changed = newest is None or newest.files != files or origin_changed
    revision = newest
    if changed:
        revision = publishing.add_revision(session, course, files, "import", actor_id, summary=filename[:300])
        audit(session, "course_imported", actor_id=actor_id, course_id=course.id, revision=revision.number)
    published = False
    if publish_now and not problems and not (course.is_published and course.published_revision == revision.number):
        publishing.publish(session, course, revision, actor_id, record=False)
        audit(session, "course_published", actor_id=actor_id, course_id=course.id, revision=revision.number)
        published = True
    return Imported(course, problems, published, changed)


def _same_files(session: Session, course: Course, source) -> bool:
    newest = publishing.latest(session, course)
    return course.origin == "zip" and newest is not None and newest.files == source.files


def export_archive(session: Session, course: Course, published: bool = False) -> tuple[str, bytes] | None:
    """`<slug>.zip` of the newest revision (what trainers are editing), or with `published` of the
    one residents see; None when there is no such revision."""
    number = course.published_revision if published else course.latest_revision
    revision = publishing.revision_of(session, course, number) if number else None
    if revision is None:
        return None
    shown = media_references(revision.files)
    media = dict(session.execute(select(CourseMedia.name, CourseMedia.data).where(
        CourseMedia.course_id == course.id, CourseMedia.name.in_(shown))).all()) if shown else {}
    return f"{course.slug}.zip", export_zip(course.slug, revision.files, media)
