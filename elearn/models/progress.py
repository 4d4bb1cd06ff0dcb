"""What a resident has done: lessons opened, quiz attempts, completions, certificates."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base
from elearn.models.content import Choice, Course, Lesson, Question, QuizVersion
from elearn.models.types import utcnow


class LessonView(Base):
    __tablename__ = "lesson_views"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # first in the unique key
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship()


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id", ondelete="RESTRICT"), index=True)
    # From a hidden form field: a double-tapped submit finds the first attempt instead of adding one.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    correct_count: Mapped[int] = mapped_column(Integer)
    question_count: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # "Làm bài cùng người dân": answered on this trainer's phone, with their help.
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    quiz_version: Mapped[QuizVersion] = relationship()
    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )


class AttemptAnswer(Base):
    """One chosen choice; a multiple-answer question has several rows."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "choice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    choice_id: Mapped[int] = mapped_column(ForeignKey("choices.id", ondelete="RESTRICT"))

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    choice: Mapped[Choice] = relationship()


class CourseCompletion(Base):
    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # first in the unique key
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16), default="self")  # self | assisted
    # Indexed: deleting a person's attempts sets this to NULL, which would otherwise scan the table.
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="SET NULL"), index=True)
    # The trainer who helped, for an assisted completion.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()


class RequiredSet(Base):
    """The courses that made "trained" at some time. A person is trained under the set of the day:
    a later change never un-trains anyone, and reports can say which set it was."""

    __tablename__ = "required_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The sorted course ids, "3,5,8": one row per distinct set.
    course_key: Mapped[str] = mapped_column(String(500), unique=True)
    course_ids: Mapped[list] = mapped_column(JSON)
    course_titles: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Certificate(Base):
    """Issued once a resident has completed every required course."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    program: Mapped[str] = mapped_column(String(64), default="basic-digital-skills")
    trained_on: Mapped[date] = mapped_column(Date)
    required_set_id: Mapped[int | None] = mapped_column(ForeignKey("required_sets.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    required_set: Mapped[RequiredSet | None] = relationship()


class TrainedResident(Base):
    """One row per trained person: what the officials' reports count.

    Written when the person becomes trained, and kept when they erase their account: erasure only
    cuts `user_id`. It holds no name, phone or birth date; labour age is kept as the window of
    dates the person is of labour age (15th birthday, end of the retirement month), computed at
    training time, so a report on any date counts them with `labour_age_from <= day <= until`.
    """

    __tablename__ = "trained_residents"
    __table_args__ = (
        CheckConstraint("method IN ('self', 'assisted')", name="method"),
        # Every column the reports read, so a province's dashboard scans the index alone.
        Index("ix_trained_residents_report", "village_id", "sex", "method", "trained_on", "labour_age_from",
              "labour_age_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    sex: Mapped[str | None] = mapped_column(String(8))
    trained_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    labour_age_from: Mapped[date | None] = mapped_column(Date)
    labour_age_until: Mapped[date | None] = mapped_column(Date)
    required_set_id: Mapped[int] = mapped_column(ForeignKey("required_sets.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ExternalTraining(Base):
    """A certificate from another recognised programme (e.g. the national "Bình dân học vụ số"),
    recorded by a trainer who saw it. Reports show these apart; the official chooses whether they
    count toward the rate. Like TrainedResident it keeps the report fields and survives erasure
    (without its certificate number). `trained_here` and `trained_here_on` are set once the person
    is also trained on this platform, so no one counts twice.
    """

    __tablename__ = "external_trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    sex: Mapped[str | None] = mapped_column(String(8))
    labour_age_from: Mapped[date | None] = mapped_column(Date)
    labour_age_until: Mapped[date | None] = mapped_column(Date)
    programme: Mapped[str] = mapped_column(String(120))
    certificate_number: Mapped[str] = mapped_column(String(64))
    certified_on: Mapped[date] = mapped_column(Date)
    trained_here: Mapped[bool] = mapped_column(Boolean, default=False)
    # The day the person became trained here: the certificate counts on its own only before it. Kept
    # on this row, not read through the person's trained row, because an erasure cuts that link.
    trained_here_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
