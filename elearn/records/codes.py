"""One-time codes: how a person without e-mail or SMS gets (back) into their account.

A trainer of the person's village (or an admin, for a staff account) issues a code of 8 digits and
reads it aloud, shown as "1234 5678". The person types their phone, the code and a new password on
the public page /code. A code lives 24 hours, works once, is voided by a newer code for the same
person and by 5 wrong tries. Only an HMAC-SHA256 of the code, keyed with the app's secret key, is
stored; comparisons are in constant time. Every issue, use and void is audited, never with the code
or the phone.

Plain values in, no Flask: the secret key and the moment are passed in.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.db import changed_rows
from elearn.models import OneTimeCode, User
from elearn.problems import Problem, Refused

DIGITS = 8
LIFETIME = timedelta(hours=24)
MAX_FAILED_ATTEMPTS = 5
ISSUE_LIMIT = 20  # codes one trainer or admin may issue ...
ISSUE_WINDOW = timedelta(hours=1)  # ... in this long
MAX_TYPED_LENGTH = 40  # what the code box accepts before it is refused without a look
_SEPARATORS = " -\t\u00a0"


def new_code() -> str:
    """8 random ASCII digits from `secrets` (about 27 bits: short to read aloud; the codes are
    single use, few tries each, and the page that takes them is rate-limited)."""
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def display_code(code: str) -> str:
    """'12345678' -> '1234 5678': two groups, easy to read aloud and to copy."""
    return f"{code[:4]} {code[4:]}"


def normalize_code(raw: str | None) -> str | None:
    """What a person typed ('1234 5678', '1234-5678') as 8 ASCII digits, or None when it is not a
    code: other characters, other digits (Arabic-Indic, full-width...), too short or too long."""
    if raw is None or len(raw) > MAX_TYPED_LENGTH:
        return None
    text = "".join(ch for ch in raw if ch not in _SEPARATORS)
    if len(text) != DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return text


def code_hash(secret_key: str | bytes, code: str) -> str:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


# Issuing.

def issued_recently(session: Session, issuer_id: int, now: datetime) -> int:
    return session.scalar(select(func.count(OneTimeCode.id)).where(
        OneTimeCode.issued_by_id == issuer_id, OneTimeCode.created_at > now - ISSUE_WINDOW)) or 0


def check_issue_limit(session: Session, issuer_id: int, now: datetime) -> None:
    """Refused with `too_many_codes` when the issuer reached the hourly limit. Counted in the
    database, so every app server sees the same count."""
    if issued_recently(session, issuer_id, now) >= ISSUE_LIMIT:
        raise Refused(Problem("too_many_codes", values={"limit": ISSUE_LIMIT}))


def live_code(session: Session, user_id: int, now: datetime) -> OneTimeCode | None:
    """The code that would work now for `user_id`, if any (at most one: a new one voids the rest)."""
    return session.scalar(select(OneTimeCode).where(
        OneTimeCode.user_id == user_id, OneTimeCode.used_at.is_(None), OneTimeCode.voided_at.is_(None),
        OneTimeCode.expires_at > now).order_by(OneTimeCode.id.desc()).limit(1))


def issue_code(session: Session, user: User, purpose: str, issuer_id: int, secret_key: str, now: datetime) -> str:
    """A new code for `user`; every earlier unused code of theirs is void. Returns the code, to be
    shown once and never stored. Raises Refused(too_many_codes)."""
    check_issue_limit(session, issuer_id, now)
    earlier = session.scalars(select(OneTimeCode.id).where(
        OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None), OneTimeCode.voided_at.is_(None))).all()
    if earlier:
        session.execute(update(OneTimeCode).where(OneTimeCode.id.in_(earlier)).values(voided_at=now))
        for code_id in earlier:
            audit(session, "one_time_code_voided", actor_id=issuer_id, subject_id=user.id, code_id=code_id,
                  reason="replaced")
    code = new_code()
    record = OneTimeCode(user_id=user.id, purpose=purpose, code_hash=code_hash(secret_key, code),
                         issued_by_id=issuer_id, created_at=now, expires_at=now + LIFETIME, failed_attempts=0)
    session.add(record)
    session.flush()
    audit(session, "one_time_code_issued", actor_id=issuer_id, subject_id=user.id, code_id=record.id,
          purpose=purpose)
    return code


# Using a code.

class CodeNotAccepted(Exception):
    """Why a typed code did not work: wrong, too_many_tries, expired, used, replaced.
    `tries_left` is set for a wrong code of a live one."""

    def __init__(self, reason: str, tries_left: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.tries_left = tries_left


def _matching(codes: list[OneTimeCode], digest: str) -> OneTimeCode | None:
    found = None
    for record in codes:  # every one compared, in constant time each
        if hmac.compare_digest(record.code_hash, digest):
            found = record
    return found


def _why_not(record: OneTimeCode, now: datetime) -> str | None:
    if record.used_at is not None:
        return "used"
    if record.voided_at is not None:
        return "too_many_tries" if record.failed_attempts >= MAX_FAILED_ATTEMPTS else "replaced"
    if record.expires_at <= now:
        return "expired"
    return None


def check_code(session: Session, phone: str, raw_code: str, secret_key: str, now: datetime) -> tuple[User, OneTimeCode]:
    """The person and their live code when `raw_code` is it; else CodeNotAccepted. A wrong code
    counts against the person's live code, which is void at the fifth wrong try (the count is
    kept: the caller's unit of work commits even though the answer is a refusal)."""
    code = normalize_code(raw_code)
    user = session.scalar(select(User).where(User.phone == phone))
    if user is None or code is None:
        raise CodeNotAccepted("wrong")
    codes = list(session.scalars(select(OneTimeCode).where(OneTimeCode.user_id == user.id)
                                 .order_by(OneTimeCode.id)))
    record = _matching(codes, code_hash(secret_key, code))
    if record is not None:
        reason = _why_not(record, now)
        if reason:
            raise CodeNotAccepted(reason)
        return user, record
    live = next((c for c in reversed(codes) if _why_not(c, now) is None), None)
    if live is None:
        raise CodeNotAccepted("wrong")
    # One statement: two wrong tries at the same moment both count.
    session.execute(update(OneTimeCode).where(OneTimeCode.id == live.id)
                    .values(failed_attempts=OneTimeCode.failed_attempts + 1))
    session.refresh(live)
    audit(session, "one_time_code_failed", subject_id=user.id, code_id=live.id)
    if live.failed_attempts >= MAX_FAILED_ATTEMPTS:
        live.voided_at = now
        audit(session, "one_time_code_voided", subject_id=user.id, code_id=live.id, reason="too_many_tries")
        session.flush()
        raise CodeNotAccepted("too_many_tries")
    raise CodeNotAccepted("wrong", tries_left=MAX_FAILED_ATTEMPTS - live.failed_attempts)


def spend(session: Session, user: User, record: OneTimeCode, now: datetime) -> None:
    """Mark the code used, only if it is still live at this very moment: a double tap or two phones
    racing spend it once, and the second is told it was used."""
    spent = changed_rows(session, update(OneTimeCode).where(
        OneTimeCode.id == record.id, OneTimeCode.used_at.is_(None), OneTimeCode.voided_at.is_(None))
        .values(used_at=now))
    if spent != 1:
        raise CodeNotAccepted("used")
    audit(session, "one_time_code_used", actor_id=user.id, subject_id=user.id, code_id=record.id,
          purpose=record.purpose)
