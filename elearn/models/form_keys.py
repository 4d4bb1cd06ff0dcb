"""The keys of forms that created something: a second tap of the same form lands where the first did."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from elearn.db import Base
from elearn.models.types import utcnow


class UsedFormKey(Base):
    """A form's random key (hashed), used once at one endpoint by one person (the account a
    registration created, or the staff member who created something), and where it led. Kept a
    day (the retention purge); the person's erasure removes their rows. Holds no personal data:
    `target` is a local path of ids."""

    __tablename__ = "used_form_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target: Mapped[str | None] = mapped_column(String(300))
    used_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
