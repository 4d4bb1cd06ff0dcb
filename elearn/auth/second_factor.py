"""Staff sign in with a second factor: an authenticator app (TOTP, RFC 6238: 6 digits, 30 s) and
ten recovery codes for a lost phone. Residents keep phone and password.

The secret comes from `secrets` (160 bits, pyotp.random_base32). A code of the step before or after
the current one is accepted (phones whose clock is a little off), and every accepted code raises
the stored step, so a code works once: the same code, or an older one, is refused afterwards.
Recovery codes are 12 characters (about 59 bits), shown once, stored as argon2id hashes like the
passwords (each with its own salt), and each works once. Every enrolment, use, failure and reset is
audited, never with a code or the secret.

Plain values in, no Flask: the moment is passed in.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.auth.services import hash_matches, hash_password, new_session_token
from elearn.db import changed_rows
from elearn.models import RecoveryCode, SecondFactor, User

ISSUER = "Học số"
DIGITS = 6
STEP_SECONDS = 30
VALID_WINDOW = 1  # steps accepted before and after the current one
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i to mix up
RECOVERY_LENGTH = 12
PENDING_LIFETIME = timedelta(minutes=5)  # between the right password and the second step
# Wrong codes a person may type (app and recovery codes together), then they wait: at most 20 a
# day, guessing one of the 3 codes valid at a time out of 10^6 takes 45 years on average.
WRONG_CODE_LIMITS = ("5 per 15 minutes", "20 per day")
MAX_TYPED_LENGTH = 40
_SEPARATORS = " -\t\u00a0"


class SecondFactorRefused(Exception):
    """Why a typed code did not work: wrong (not a code of this person now) or used (a code from
    the app that was already accepted once, or an older one)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Passed:
    method: str  # "app" or "recovery"
    recovery_codes_left: int | None = None


def is_enrolled(user: User) -> bool:
    factor = user.second_factor
    return factor is not None and factor.confirmed_at is not None


def _timestamp(now: datetime) -> float:
    """`now` is naive UTC, as every moment in the database."""
    return now.replace(tzinfo=UTC).timestamp()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def code_at(secret: str, now: datetime) -> str:
    """What the authenticator app shows at `now` (for tests and the CLI, never stored)."""
    return _totp(secret).at(_timestamp(now))


def _clean(raw: str | None) -> str | None:
    if raw is None or len(raw) > MAX_TYPED_LENGTH:
        return None
    return "".join(ch for ch in raw if ch not in _SEPARATORS).lower()


def normalize_app_code(raw: str | None) -> str | None:
    """6 ASCII digits ('123 456' too), else None."""
    text = _clean(raw)
    if text is None or len(text) != DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return text


def normalize_recovery_code(raw: str | None) -> str | None:
    """12 characters of the recovery alphabet ('abcd-efgh-jkmn', any case), else None."""
    text = _clean(raw)
    if text is None or len(text) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in text):
        return None
    return text


def display_secret(secret: str) -> str:
    """'JBSWY3DPEHPK3PXP...' -> 'JBSW Y3DP EHPK 3PXP ...': easy to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def display_recovery_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def provisioning_uri(factor: SecondFactor, account_name: str) -> str:
    """The otpauth:// link the QR code carries."""
    return _totp(factor.secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


# Enrolment.

def begin_enrollment(session: Session, user: User, now: datetime) -> SecondFactor:
    """The secret the person is adding to their app: the same one while they have not confirmed
    it (a reload must not change what they scanned)."""
    factor = user.second_factor
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret=pyotp.random_base32(), created_at=now)
        user.second_factor = factor
        session.flush()
    return factor


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = _totp(secret)
    current = totp.timecode(now.replace(tzinfo=UTC))
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):  # each compared, in constant time
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _accept_app_code(session: Session, factor: SecondFactor, raw: str, now: datetime) -> None:
    code = normalize_app_code(raw)
    step = _matching_step(factor.secret, code, now) if code else None
    if step is None:
        raise SecondFactorRefused("wrong")
    # One statement: two requests with the same code at the same moment, only one is accepted.
    accepted = changed_rows(session, update(SecondFactor).where(
        SecondFactor.user_id == factor.user_id,
        or_(SecondFactor.last_counter.is_(None), SecondFactor.last_counter < step))
        .values(last_counter=step))
    if accepted != 1:
        raise SecondFactorRefused("used")
    session.refresh(factor)


def confirm_enrollment(session: Session, user: User, raw_code: str, now: datetime) -> list[str]:
    """The first code from the app proves the person added the secret: the factor is on from now.
    Returns the recovery codes, to be shown once. Raises SecondFactorRefused."""
    factor = user.second_factor
    try:
        _accept_app_code(session, factor, raw_code, now)
    except SecondFactorRefused:
        audit(session, "second_factor_failed", actor_id=user.id, subject_id=user.id, step="enrolment")
        raise
    factor.confirmed_at = now
    audit(session, "second_factor_enrolled", actor_id=user.id, subject_id=user.id)
    return new_recovery_codes(session, user, now)


def new_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    """Ten new recovery codes; every earlier one stops working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    plain = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(code), created_at=now) for code in plain)
    audit(session, "recovery_codes_created", actor_id=user.id, subject_id=user.id, count=RECOVERY_CODE_COUNT)
    session.flush()
    return [display_recovery_code(code) for code in plain]


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# The second step of signing in.

def _use_recovery_code(session: Session, user: User, raw: str, now: datetime) -> int:
    code = normalize_recovery_code(raw)
    unused = session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)).order_by(RecoveryCode.id)).all()
    record = next((r for r in unused if hash_matches(r.code_hash, code)), None) if code else None
    if record is None:
        raise SecondFactorRefused("wrong")
    spent = changed_rows(session, update(RecoveryCode).where(
        RecoveryCode.id == record.id, RecoveryCode.used_at.is_(None)).values(used_at=now))
    if spent != 1:  # the same code typed twice at the same moment
        raise SecondFactorRefused("used")
    left = recovery_codes_left(session, user)
    audit(session, "recovery_code_used", actor_id=user.id, subject_id=user.id, code_id=record.id, left=left)
    return left


def check_second_step(session: Session, user: User, raw_code: str, now: datetime) -> Passed:
    """A code from the app, or a recovery code. A wrong one is audited (without the code) and
    raises SecondFactorRefused; the caller's unit of work commits the audit entry."""
    try:
        if normalize_recovery_code(raw_code) is not None:
            passed = Passed("recovery", _use_recovery_code(session, user, raw_code, now))
        else:
            _accept_app_code(session, user.second_factor, raw_code, now)
            passed = Passed("app")
    except SecondFactorRefused as refused:
        audit(session, "second_factor_failed", actor_id=user.id, subject_id=user.id, reason=refused.reason)
        raise
    audit(session, "second_factor_passed", actor_id=user.id, subject_id=user.id, method=passed.method)
    return passed


def check_app_code(session: Session, user: User, raw_code: str, now: datetime) -> None:
    """A current code from the app only (to make new recovery codes). Raises SecondFactorRefused."""
    try:
        _accept_app_code(session, user.second_factor, raw_code, now)
    except SecondFactorRefused as refused:
        audit(session, "second_factor_failed", actor_id=user.id, subject_id=user.id, reason=refused.reason)
        raise


# An admin's reset: the person enrols again at their next sign-in.

def reset(session: Session, user: User, actor_id: int | None, via: str = "admin") -> bool:
    """Remove the person's app and recovery codes and end every session of theirs. False when
    there was nothing to reset."""
    had = user.second_factor is not None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if user.second_factor is not None:
        session.delete(user.second_factor)
        user.second_factor = None
    user.session_token = new_session_token()
    audit(session, "second_factor_reset", actor_id=actor_id, subject_id=user.id, via=via)
    session.flush()
    return had
