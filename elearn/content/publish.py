"""The one way a course reaches residents: a revision's files rendered into Course, Lesson and
QuizVersion rows. The folder sync, a .zip import and the web editor all publish through here.

Lessons are matched by their slug, so renumbering keeps who opened them. A quiz whose questions
changed becomes a new QuizVersion; earlier attempts keep the version they answered. No Flask
here: callers pass a session and ids.

Images are kept in the database (table course_media), not on disk: every app server of a
province behind its load balancer sees them without a shared file system, every backup
(`elearn backup`, pg_dump) holds them with the lessons that show them, and they are small
(uploads are resized to at most 1,000 px and refused over 2 MB; drawings are SVGs of a few KB),
so serving them from a database row with an ETag costs little. A name is never reused for other
bytes, so every revision keeps showing the images it showed.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from elearn.content.images import image_size_of
from elearn.content.parse import CourseErrors, CourseSource, ParsedCourse, ParsedQuiz, Problem, parse_source
from elearn.content.render import RENDERER_VERSION, media_resolver, render_markdown, sanitize, word_count
from elearn.content.stats import course_stats
from elearn.db import changed_rows
from elearn.models import Choice, Course, CourseMedia, CourseRevision, Lesson, Question, QuizVersion, User

# Revisions written by `courses sync`: a bundled course whose newest revision is another kind was
# changed by a person, and the sync leaves it alone.
SYNC_KINDS = ("sync", "sync-archive")


class StaleCourse(Exception):
    """Another request added a revision to this course since it was read."""


def content_hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def media_rows(session: Session, course_id: int | None) -> list:
    """Name, type, size, hash, uploader and date of every image of a course, without the bytes."""
    if course_id is None:
        return []
    return list(session.execute(
        select(CourseMedia.name, CourseMedia.content_type, CourseMedia.width, CourseMedia.height,
               CourseMedia.sha256, CourseMedia.created_at, User.full_name.label("uploader"))
        .outerjoin(User, User.id == CourseMedia.uploaded_by_id)
        .where(CourseMedia.course_id == course_id).order_by(CourseMedia.name)))


def stored_source(course: Course, files: dict[str, str], media: list) -> CourseSource:
    """A course's files as the parser reads them, its stored images known by name."""
    return CourseSource(slug=course.slug, files=dict(files), media={row.name: None for row in media})


def check_files(session: Session, course: Course, files: dict[str, str],
                media: list | None = None) -> tuple[ParsedCourse, list[Problem]]:
    media = media_rows(session, course.id) if media is None else media
    return parse_source(stored_source(course, files, media))


def latest(session: Session, course: Course) -> CourseRevision | None:
    if not course.latest_revision:
        return None
    return revision_of(session, course, course.latest_revision)


def revision_of(session: Session, course: Course, number: int) -> CourseRevision | None:
    return session.scalar(select(CourseRevision).where(CourseRevision.course_id == course.id,
                                                       CourseRevision.number == number))


def add_revision(session: Session, course: Course, files: dict[str, str], kind: str, actor_id: int | None,
                 summary: str = "", previous_files: dict[str, str] | None = None) -> CourseRevision:
    """The course's next revision. Numbers come from a compare-and-set on the course row, so two
    requests saving at once cannot both take the same number: the second gets StaleCourse.

    A revision with the same files as a published newest one (a status change, an upload) is
    published too: residents see exactly those files."""
    session.flush()
    expected = course.latest_revision or 0
    was_published = course.published_revision == expected and expected > 0
    claimed = changed_rows(session, update(Course).where(Course.id == course.id, Course.latest_revision == expected)
                           .values(latest_revision=expected + 1).execution_options(synchronize_session=False))
    if claimed != 1:
        session.refresh(course)
        raise StaleCourse()
    set_committed_value(course, "latest_revision", expected + 1)
    revision = CourseRevision(course_id=course.id, number=expected + 1, files=dict(files), kind=kind,
                              summary=summary[:300], author_id=actor_id)
    session.add(revision)
    if was_published and previous_files is not None and previous_files == files:
        course.published_revision = revision.number
    session.flush()
    return revision


def publish(session: Session, course: Course, revision: CourseRevision, actor_id: int | None = None,
            record: bool = True) -> bool:
    """Render `revision` for residents. Refuses (CourseErrors) while the files have problems.
    With `record`, the publishing is a revision of its own in the history (who and when).
    Returns whether the quiz became a new version."""
    media = media_rows(session, course.id)
    parsed, problems = parse_source(stored_source(course, revision.files, media))
    if problems:
        raise CourseErrors(problems)
    sizes = {row.name: (row.width, row.height) if row.width and row.height else None for row in media}
    new_quiz = render_course(course, parsed, sizes)
    course.status = "published"
    course.content_hash = files_hash(revision.files, {row.name: row.sha256 for row in media})
    if record:
        published = add_revision(session, course, revision.files, "publish", actor_id, summary=str(revision.number))
        course.published_revision = published.number
    else:
        course.published_revision = revision.number
    session.flush()
    return new_quiz


def files_hash(files: dict[str, str], media_hashes: dict[str, str]) -> str:
    return content_hash([RENDERER_VERSION, files, media_hashes])


def render_course(course: Course, parsed: ParsedCourse, sizes: dict) -> bool:
    """Course, Lesson and QuizVersion rows from parsed files. Returns whether a new quiz version was made."""
    resolve = media_resolver(parsed.slug, sizes)
    course.title = parsed.title
    course.summary = parsed.summary
    course.track = parsed.track
    if not course.required_by_admin:
        course.required = parsed.required
    course.pass_mark = parsed.pass_mark
    course.position = parsed.order
    course.version = parsed.version
    course.sources = parsed.sources
    course.study_minutes = round(course_stats(parsed).study_minutes)
    course.intro_html = render_markdown(parsed.intro_md, resolve, shift_headings=shift_for(parsed.intro_md))

    existing = {lesson.slug: lesson for lesson in course.lessons}
    for old in existing.values():
        old.is_active = False
    for item in parsed.lessons:
        lesson = existing.get(item.slug)
        if lesson is None:
            lesson = Lesson(slug=item.slug)
            course.lessons.append(lesson)
        lesson.position = item.position
        lesson.title = item.title
        lesson.body_html = render_markdown(item.body_md, resolve, shift_headings=shift_for(item.body_md))
        lesson.word_count = word_count(item.title + "\n" + item.body_md)
        lesson.is_active = True
    drawn = parsed.questions_per_attempt
    if parsed.quiz is not None and drawn is not None and drawn >= len(parsed.quiz.questions):
        drawn = None
    return _render_quiz(course, parsed.quiz, resolve, drawn)


def shift_for(markdown: str) -> int:
    """Keep the page's own title the only <h1>: push headings down only if the text has an h1."""
    return 1 if re.search(r"^#\s", markdown, re.M) else 0


def quiz_fingerprint(quiz: ParsedQuiz | None, drawn: int | None = None) -> list:
    if quiz is None:
        return []
    questions = [[q.text, q.body_md, q.explanation_md, [(c.text, c.correct) for c in q.choices]]
                 for q in quiz.questions]
    # Drawing a different number per attempt makes a different test: a new version. (Left out when
    # all are drawn, so versions made before pools keep their fingerprint.)
    return [quiz.title] + questions + ([{"questions_per_attempt": drawn}] if drawn else [])


def _render_quiz(course: Course, quiz: ParsedQuiz, resolve, drawn: int | None) -> bool:
    quiz_hash = content_hash(quiz_fingerprint(quiz, drawn))
    current = course.current_quiz
    if current is not None and current.content_hash == quiz_hash:
        return False
    if current is not None:
        current.is_current = False
    number = max((v.number for v in course.quiz_versions), default=0) + 1
    version = QuizVersion(number=number, title=quiz.title, content_hash=quiz_hash, is_current=True,
                          questions_per_attempt=drawn)
    for position, item in enumerate(quiz.questions, start=1):
        question = Question(
            position=position,
            kind=item.kind,
            text=item.text,
            body_html=render_markdown(item.body_md, resolve) if item.body_md else "",
            explanation_html=render_markdown(item.explanation_md, resolve) if item.explanation_md else "",
        )
        question.choices = [
            Choice(position=i, text=choice.text, is_correct=choice.correct)
            for i, choice in enumerate(item.choices, start=1)
        ]
        version.questions.append(question)
    course.quiz_versions.append(version)
    return number > 1


def store_media(session: Session, course: Course, name: str, data: bytes, actor_id: int | None,
                content_type: str | None = None, size: tuple[int, int] | None = None) -> tuple[str, bool]:
    """Keep an image of `course`; returns the name it is stored under and whether it is new.

    The same bytes already stored keep their name. A name already taken by other bytes is never
    reused (every revision keeps showing what it showed): the image gets the next free name,
    `photo-2.jpg`, and the caller points the Markdown at it."""
    from elearn.content.images import content_type_of

    session.flush()
    sha = hashlib.sha256(data).hexdigest()
    taken = dict(session.execute(select(CourseMedia.name, CourseMedia.sha256)
                                 .where(CourseMedia.course_id == course.id)).all())
    if taken.get(name) == sha:
        return name, False
    same = next((other for other, other_sha in sorted(taken.items()) if other_sha == sha), None)
    if same is not None:
        return same, False
    final = name
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    number = 2
    while final in taken:
        final = f"{stem}-{number}{suffix}"
        number += 1
    width, height = size or image_size_of(final, data) or (None, None)
    session.add(CourseMedia(course_id=course.id, name=final, content_type=content_type or content_type_of(final),
                            data=data, sha256=sha, width=width, height=height, uploaded_by_id=actor_id))
    session.flush()
    return final, True


def course_image(session: Session, slug: str, name: str) -> tuple[CourseMedia, bool] | None:
    """An image by its course's slug and its name, and whether residents may see the course."""
    row = session.execute(select(CourseMedia, Course.status).join(Course, Course.id == CourseMedia.course_id)
                          .where(Course.slug == slug, CourseMedia.name == name)).first()
    return (row[0], row[1] == "published") if row else None


def resanitize_stored_html(session: Session) -> int:
    """Every stored HTML text (course intros, lessons, questions and explanations of every quiz
    version) through today's allow-list again, so what an older renderer let in goes: an image
    keeps its address only when it is one of its course's own media. Run at every start (`elearn
    serve`, `elearn prepare`); changes, and counts, only the texts that differ."""
    changed = 0
    for course in session.scalars(select(Course)):
        names = session.scalars(select(CourseMedia.name).where(CourseMedia.course_id == course.id))
        own_images = frozenset(f"/courses/{course.slug}/media/{name}" for name in names)
        texts = [(course, "intro_html")] + [(lesson, "body_html") for lesson in course.lessons] + [
            (question, name) for version in course.quiz_versions for question in version.questions
            for name in ("body_html", "explanation_html")]
        for row, name in texts:
            stored = getattr(row, name) or ""
            clean = sanitize(stored, own_images)
            if clean != stored:
                setattr(row, name, clean)
                changed += 1
    session.flush()
    return changed
