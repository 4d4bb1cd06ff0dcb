"""Courses, lessons and versioned quizzes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint, false)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base
from elearn.models.types import utcnow
from elearn.training.scoring import DEFAULT_PASS_MARK


COURSE_STATUSES = ("draft", "published", "archived")
# Where a course came from: `courses sync` only ever touches "bundled" courses.
COURSE_ORIGINS = ("bundled", "zip", "web")


class Course(Base):
    """A course as residents see it (lessons and quiz rendered from its published revision).

    The database is the source of truth: its Markdown lives in `CourseRevision` rows, its images
    in `CourseMedia`. Folders and .zip files are only how courses come and go.
    """

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        CheckConstraint("origin IN ('bundled', 'zip', 'web')", name="origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    track: Mapped[str] = mapped_column(String(32))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set once an admin has chosen whether this course is required: the course files' `required`
    # is then only the default, and a sync no longer changes it.
    required_by_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Lessons and one quiz attempt for a slow reader (elearn.content.stats), worked out when published.
    study_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pass_mark: Mapped[int] = mapped_column(Integer, default=DEFAULT_PASS_MARK)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    intro_html: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list] = mapped_column(JSON, default=list)
    # Only "published" courses are shown to residents; an archived one keeps its progress, hidden.
    status: Mapped[str] = mapped_column(String(16), default="published")
    origin: Mapped[str] = mapped_column(String(16), default="bundled")
    # The newest revision's number (the draft being edited) and the one residents see.
    latest_revision: Mapped[int] = mapped_column(Integer, default=0)
    published_revision: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    quiz_versions: Mapped[list[QuizVersion]] = relationship(
        back_populates="course", order_by="QuizVersion.number", cascade="all, delete-orphan"
    )

    @hybrid_property
    def is_published(self) -> bool:
        return self.status == "published"

    @is_published.inplace.expression
    @classmethod
    def _is_published_expression(cls):
        return cls.status == "published"

    @property
    def has_unpublished_changes(self) -> bool:
        return self.latest_revision != (self.published_revision or 0)

    @property
    def active_lessons(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if lesson.is_active]

    @property
    def current_quiz(self) -> QuizVersion | None:
        return next((q for q in self.quiz_versions if q.is_current), None)


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    # A lesson removed from the files is kept (views point at it) but no longer shown.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    course: Mapped[Course] = relationship(back_populates="lessons")


class QuizVersion(Base):
    """A frozen set of questions: attempts keep the questions they were given."""

    __tablename__ = "quiz_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    # How many of the questions one attempt draws (a pool); None: all of them.
    questions_per_attempt: Mapped[int | None] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="quiz_versions")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz_version", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_version_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # a key of elearn.training.scoring.QUESTION_KINDS
    text: Mapped[str] = mapped_column(String(500))
    body_html: Mapped[str] = mapped_column(Text, default="")
    explanation_html: Mapped[str] = mapped_column(Text, default="")

    quiz_version: Mapped[QuizVersion] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(Base):
    __tablename__ = "choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    is_correct: Mapped[bool] = mapped_column(Boolean)

    question: Mapped[Question] = relationship(back_populates="choices")


class CourseRevision(Base):
    """One saved state of a course's source files, {"course.md": ..., "01-x.md": ..., "quiz.md": ...}.

    Every change on the web, every import and every sync adds one: the course's history, and what
    "restore" copies from. Revisions are never changed or deleted.
    """

    __tablename__ = "course_revisions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    files: Mapped[dict] = mapped_column(JSON)
    # create | edit | add-lesson | remove-lesson | media | publish | archive | restore | import | sync
    kind: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CourseMedia(Base):
    """An image of a course, kept in the database so every app server and every backup has it.

    A name is never reused for other bytes: lessons of any revision keep showing what they showed.
    """

    __tablename__ = "course_media"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
