"""Load course folders into the database: all or nothing, progress kept.

Lessons are matched by their slug, so renumbering keeps who opened them. A quiz whose
questions changed becomes a new QuizVersion; earlier attempts keep the version they answered.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.content.parse import CourseErrors, ParsedCourse, ParsedQuiz, parse_collection
from elearn.content.render import RENDERER_VERSION, media_resolver, render_markdown, word_count
from elearn.models import Choice, Course, Lesson, Question, QuizVersion


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_quiz_versions: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)


def sync_folder(session: Session, path: Path, unpublish_missing: bool = True) -> SyncReport:
    """Validate every course under `path`, then load them (the caller commits: all or nothing)."""
    courses, problems = parse_collection(path)
    if problems:
        raise CourseErrors(problems)
    report = SyncReport()
    for parsed in courses:
        _sync_course(session, parsed, report)
    if unpublish_missing:
        slugs = {c.slug for c in courses}
        for course in session.scalars(select(Course).where(Course.is_published)):
            if course.slug not in slugs:
                course.status = "archived"
                report.unpublished.append(course.slug)
    session.flush()
    return report


def _hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _course_hash(parsed: ParsedCourse) -> str:
    media = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in parsed.media.items()}
    return _hash([
        RENDERER_VERSION, parsed.title, parsed.summary, parsed.track, parsed.required, parsed.pass_mark, parsed.order,
        parsed.version, parsed.sources, parsed.intro_md,
        [(lesson.slug, lesson.position, lesson.title, lesson.body_md) for lesson in parsed.lessons], media,
        _quiz_fingerprint(parsed.quiz),
    ])


def _quiz_fingerprint(quiz: ParsedQuiz | None) -> list:
    if quiz is None:
        return []
    return [quiz.title] + [
        [q.text, q.body_md, q.explanation_md, [(c.text, c.correct) for c in q.choices]] for q in quiz.questions
    ]


def _sync_course(session: Session, parsed: ParsedCourse, report: SyncReport) -> None:
    content_hash = _course_hash(parsed)
    course = session.scalar(select(Course).where(Course.slug == parsed.slug))
    if course is None:
        course = Course(slug=parsed.slug)
        session.add(course)
        report.created.append(parsed.slug)
    elif course.content_hash == content_hash and course.is_published:
        report.unchanged.append(parsed.slug)
        return
    else:
        report.updated.append(parsed.slug)
    resolve = media_resolver(parsed.slug, parsed.media)
    course.title = parsed.title
    course.summary = parsed.summary
    course.track = parsed.track
    course.required = parsed.required
    course.pass_mark = parsed.pass_mark
    course.position = parsed.order
    course.version = parsed.version
    course.sources = parsed.sources
    course.intro_html = render_markdown(parsed.intro_md, resolve, shift_headings=_shift_for(parsed.intro_md))
    course.status = "published"
    course.content_hash = content_hash

    existing = {lesson.slug: lesson for lesson in course.lessons}
    for lesson in existing.values():
        lesson.is_active = False
    for item in parsed.lessons:
        lesson = existing.get(item.slug)
        if lesson is None:
            lesson = Lesson(slug=item.slug)
            course.lessons.append(lesson)
        lesson.position = item.position
        lesson.title = item.title
        lesson.body_html = render_markdown(item.body_md, resolve, shift_headings=_shift_for(item.body_md))
        lesson.word_count = word_count(item.title + "\n" + item.body_md)
        lesson.is_active = True

    _sync_quiz(course, parsed, resolve, report)


def _shift_for(markdown: str) -> int:
    """Keep the page's own title the only <h1>: push headings down only if the text has an h1."""
    return 1 if re.search(r"^#\s", markdown, re.M) else 0


def _sync_quiz(course: Course, parsed: ParsedCourse, resolve, report: SyncReport) -> None:
    quiz_hash = _hash(_quiz_fingerprint(parsed.quiz))
    current = course.current_quiz
    if current is not None and current.content_hash == quiz_hash:
        return
    if current is not None:
        current.is_current = False
    number = max((v.number for v in course.quiz_versions), default=0) + 1
    version = QuizVersion(number=number, title=parsed.quiz.title, content_hash=quiz_hash, is_current=True)
    for position, item in enumerate(parsed.quiz.questions, start=1):
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
    if number > 1:
        report.new_quiz_versions.append(course.slug)
