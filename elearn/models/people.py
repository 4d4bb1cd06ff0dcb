"""Administrative units, people and their consent."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base
from elearn.models.types import utcnow

UNIT_KINDS = ("province", "commune", "village")
ROLES = ("resident", "trainer", "official", "admin")
SEXES = ("female", "male")


class Unit(Base):
    """Province > commune > village (thôn / tổ dân phố); names are data, never code."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint("kind IN ('province', 'commune', 'village')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    @property
    def full_name(self) -> str:
        return f"{self.name}, {self.parent.name}" if self.parent else self.name


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('resident', 'trainer', 'official', 'admin')", name="role"),
        CheckConstraint("sex IS NULL OR sex IN ('female', 'male')", name="sex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # E.164 form (+84...), so "0912 345 678" and "+84912345678" are one account.
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="resident")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(8))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    # Trainers and officials see the subtree under this unit.
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    # Rotated on sign-out and password change: every other session of the user ends.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)

    village: Mapped[Unit | None] = relationship(foreign_keys=[village_id])
    scope_unit: Mapped[Unit | None] = relationship(foreign_keys=[scope_unit_id])
    consents: Mapped[list[ConsentRecord]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ConsentRecord.given_at"
    )

    # Flask-Login protocol, written out rather than inherited to keep the model plain.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return True

    def get_id(self) -> str:
        return self.session_token

    @property
    def active_consent(self) -> ConsentRecord | None:
        for record in reversed(self.consents):
            if record.withdrawn_at is None:
                return record
        return None


class ConsentRecord(Base):
    """Explicit consent to the privacy notice: when, which version, and its withdrawal."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32), default="learning")
    notice_version: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="consents")
