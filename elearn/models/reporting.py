"""Audit trail and the counters the officials' reports read."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base
from elearn.models.people import Unit
from elearn.models.types import utcnow


class AuditEvent(Base):
    """Who did what to whose data. Holds ids, never names, phones or birth dates."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(48), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class CourseActivity(Base):
    """Per village, course and month: how many started, completed and passed at the first try.

    Counted when it happens, in the same transaction, so a dashboard sums a few thousand rows
    instead of scanning every resident's history; the counts are anonymous and survive erasure."""

    __tablename__ = "course_activity"

    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    started: Mapped[int] = mapped_column(Integer, default=0)
    completed_self: Mapped[int] = mapped_column(Integer, default=0)
    completed_assisted: Mapped[int] = mapped_column(Integer, default=0)
    first_attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_passes: Mapped[int] = mapped_column(Integer, default=0)


class QuestionStat(Base):
    """Per village and quiz question: how often it was answered, and answered wrong."""

    __tablename__ = "question_stats"

    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    wrong: Mapped[int] = mapped_column(Integer, default=0)


class PopulationFigure(Base):
    """The labour-age population of a village in a year, from the commune's statistics: the
    denominator of every rate. By sex where the statistics give it."""

    __tablename__ = "population_figures"
    __table_args__ = (
        UniqueConstraint("village_id", "year"),
        CheckConstraint("total >= 0 AND (male IS NULL OR male >= 0) AND (female IS NULL OR female >= 0)",
                        name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    male: Mapped[int | None] = mapped_column(Integer)
    female: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SurveyResponse(Base):
    """A resident's optional answers about themselves (self-reported): the digital-society
    indicators. None is "would rather not say". Kept without the person after erasure."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    has_smartphone: Mapped[bool | None] = mapped_column(Boolean)
    has_bank_account: Mapped[bool | None] = mapped_column(Boolean)
    has_digital_signature: Mapped[bool | None] = mapped_column(Boolean)
    has_vneid_level2: Mapped[bool | None] = mapped_column(Boolean)
    answered_on: Mapped[date] = mapped_column(Date)


class ApiToken(Base):
    """A bearer token for the provincial reporting system: read-only, over one unit's subtree.
    Only its SHA-256 is stored; the token itself is shown once, when it is created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to tell tokens apart
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit] = relationship()


class TrainedMonth(Base):
    """Per village and month: people newly trained, people who start counting as trained labour-age
    residents (trained, and 15 or older), and people who stop (past their labour age).

    Written with each trained row, so the dashboard's monthly trend sums a few thousand rows: the
    labour-age trained at the end of month k is every start up to k minus every stop up to k."""

    __tablename__ = "trained_months"

    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    newly: Mapped[int] = mapped_column(Integer, default=0)
    starts: Mapped[int] = mapped_column(Integer, default=0)
    stops: Mapped[int] = mapped_column(Integer, default=0)


class TrainingSession(Base):
    """An in-person class a trainer held in a village. Attendance alone never completes a course."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # From a hidden form field: a double-tapped "save" finds the first session instead of adding one.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    attendances: Mapped[list[TrainingAttendance]] = relationship(cascade="all, delete-orphan",
                                                                 back_populates="training_session")


class TrainingAttendance(Base):
    __tablename__ = "training_attendances"

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)

    training_session: Mapped[TrainingSession] = relationship(back_populates="attendances")
