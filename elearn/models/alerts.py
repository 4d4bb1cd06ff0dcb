"""Scam alerts (cảnh báo lừa đảo): a short notice a trainer or an official posts for a unit of their
scope, shown to the residents living there until they mark it read or it expires."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base
from elearn.models.people import Unit
from elearn.models.types import utcnow


class Alert(Base):
    """Shown from the day it is posted to its expiry day (inclusive), unless ended early."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_unit_id_expires_on", "unit_id", "expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)  # Markdown, as typed: the edit form shows it again
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised once, when saved
    advice: Mapped[str] = mapped_column(String(200))  # one short "what to do" sentence
    posted_on: Mapped[date] = mapped_column(Date)  # the local day it was posted
    expires_on: Mapped[date] = mapped_column(Date)  # the last local day it is shown
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # From a hidden form field: a double-tapped "post" finds the first alert instead of adding one.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    unit: Mapped[Unit] = relationship()


class AlertRead(Base):
    """A resident marked the alert read ("Tôi đã đọc"): one row per alert and person."""

    __tablename__ = "alert_reads"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
