"""Idempotent creates (issue 9): a form that creates something carries a random key made when the
page was drawn; the first POST with it claims the key, creates, and says where it led. A second POST
with the same key (a double tap on a slow network, Back and send again) finds the first one's record
instead of creating twice. No Flask here: elearn.prg holds the form field and the view helpers.

The claim is an INSERT ... ON CONFLICT DO NOTHING under a unique constraint, made before anything
is created: two taps racing each other queue on it (PostgreSQL waits for the first transaction;
SQLite lets one writer at a time), so the second sees the first one's committed record."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from elearn.db import changed_rows, insert_new
from elearn.models import UsedFormKey

REPEAT_WINDOW = timedelta(minutes=15)  # a repeat later than this is refused plainly
KEPT_FOR = timedelta(days=1)  # then purged (elearn.privacy.purge)
MIN_LENGTH, MAX_LENGTH = 16, 64


def well_formed(key: str | None) -> bool:
    """The forms send URL-safe ASCII; anything else (a NUL byte, 5,000 characters) is no key."""
    return isinstance(key, str) and MIN_LENGTH <= len(key) <= MAX_LENGTH and key.isascii() and key.isprintable()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def claim(session: Session, key: str, endpoint: str, now: datetime) -> UsedFormKey | None:
    """Claim `key` for `endpoint`: None when it is ours now (go on and create, then `settle`), else
    the earlier record of the key (whichever endpoint it was used at)."""
    if insert_new(session, UsedFormKey, {"key_hash": key_hash(key), "endpoint": endpoint, "used_at": now},
                  ("key_hash",)) is not None:
        return None
    return earlier_use(session, key)


def earlier_use(session: Session, key: str) -> UsedFormKey | None:
    return session.scalar(select(UsedFormKey).where(UsedFormKey.key_hash == key_hash(key)))


def settle(session: Session, key: str, user_id: int | None, target: str) -> None:
    """After the create: who it was for (or by) and where the person was sent."""
    session.execute(update(UsedFormKey).where(UsedFormKey.key_hash == key_hash(key))
                    .values(user_id=user_id, target=target))


def repeat_of(record: UsedFormKey | None, endpoint: str, user_id: int | None, now: datetime) -> str | None:
    """Where the first use led, when `record` is a recent use of this endpoint by `user_id`; else None
    (a key used elsewhere, by someone else, or long ago: refused plainly)."""
    if (record is None or record.endpoint != endpoint or record.user_id is None or record.user_id != user_id
            or not record.target or now - record.used_at > REPEAT_WINDOW):
        return None
    return record.target


def purge(session: Session, now: datetime) -> int:
    return changed_rows(session, delete(UsedFormKey).where(UsedFormKey.used_at < now - KEPT_FOR))
