"""Audit trail and the counters the officials' reports read."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from elearn.db import Base
from elearn.models.types import utcnow


class AuditEvent(Base):
    """Who did what to whose data. Holds ids, never names, phones or birth dates."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(48))
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
