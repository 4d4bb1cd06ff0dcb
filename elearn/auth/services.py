"""Accounts: registration, sign-in, passwords, consent and profile corrections. Plain values in, no Flask.
A copy of one's data and erasure: elearn.privacy.

Refusals are Refused([Problem(code, field)]): phone_taken (phone), wrong_password (current_password),
password_refused (new_password; values: reason, from elearn.training.passwords)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.auth.hashing import passwords
from elearn.db import insert_new
from elearn.models import ConsentRecord, User
from elearn.models.types import utcnow
from elearn.problems import Problem, Refused
from elearn.records import codes
from elearn.records.trained import correct_trained_record
from elearn.training.passwords import password_problem


@dataclass(frozen=True)
class Registration:
    full_name: str
    phone: str
    birth_date: date
    sex: str
    village_id: int
    password: str
    notice_version: str
    guardian_consent: bool = False


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return passwords().hash(password)


def register_resident(session: Session, data: Registration) -> User:
    if session.scalar(select(User.id).where(User.phone == data.phone)) is not None:
        raise Refused(Problem("phone_taken", "phone"))
    # Two registrations of one phone at the same moment: the second finds the phone taken.
    user_id = insert_new(session, User, {
        "full_name": data.full_name,
        "phone": data.phone,
        "password_hash": hash_password(data.password),
        "birth_date": data.birth_date,
        "sex": data.sex,
        "village_id": data.village_id,
        "session_token": new_session_token(),
    }, unique=("phone",))
    if user_id is None:
        raise Refused(Problem("phone_taken", "phone"))
    user = session.get(User, user_id)
    user.consents.append(ConsentRecord(purpose="learning", notice_version=data.notice_version))
    if data.guardian_consent:
        user.consents.append(ConsentRecord(purpose="guardian", notice_version=data.notice_version))
    audit(session, "registered", actor_id=user.id, subject_id=user.id)
    session.flush()
    return user


def authenticate(session: Session, phone: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.phone == phone))
    if user is None:
        passwords().match_nothing(password)
        return None
    if not passwords().matches(user.password_hash, password):
        audit(session, "sign_in_failed", subject_id=user.id)
        return None
    if passwords().needs_rehash(user.password_hash):  # made with older parameters: made again with today's
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    audit(session, "signed_in", actor_id=user.id, subject_id=user.id)
    return user


def password_matches(user: User, password: str) -> bool:
    return passwords().matches(user.password_hash, password)


def hash_matches(stored_hash: str, secret: str) -> bool:
    """A secret hashed like the passwords (staff recovery codes) matches its hash."""
    return passwords().matches(stored_hash, secret)


def sign_out_everywhere(session: Session, user: User) -> None:
    user.session_token = new_session_token()
    session.flush()


def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = locale
    session.flush()


def change_password(session: Session, user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    audit(session, "password_changed", actor_id=user.id, subject_id=user.id)
    session.flush()


def set_password_with_code(session: Session, phone: str, code: str, new_password: str, secret_key: str,
                           now) -> User:
    """A person's new password from the one-time code a trainer (or an admin) gave them: the code is
    spent and every other session of theirs ends. Raises codes.CodeNotAccepted, or Refused
    (password_refused) for a password made of the person's own phone, name or birth date."""
    user, record = codes.check_code(session, phone, code, secret_key, now)
    problem = password_problem(new_password, phone=user.phone, full_name=user.full_name, birth_date=user.birth_date)
    if problem:
        # The code is not spent: the person picks another password.
        raise Refused(Problem("password_refused", "new_password", values={"reason": problem}))
    codes.spend(session, user, record, now)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    user.last_sign_in_at = now
    audit(session, "password_reset", actor_id=user.id, subject_id=user.id, purpose=record.purpose)
    session.flush()
    return user


def give_consent(session: Session, user: User, notice_version: str) -> None:
    user.consents.append(ConsentRecord(purpose="learning", notice_version=notice_version))
    audit(session, "consent_given", actor_id=user.id, subject_id=user.id, notice_version=notice_version)
    session.flush()


def withdraw_consent(session: Session, user: User) -> None:
    now = utcnow()
    for record in user.consents:
        if record.withdrawn_at is None:
            record.withdrawn_at = now
    audit(session, "consent_withdrawn", actor_id=user.id, subject_id=user.id)
    session.flush()


def update_profile(session: Session, user: User, *, full_name: str, phone: str, birth_date: date,
                   sex: str, village_id: int, password: str | None = None) -> list[str]:
    """Correct one's own details; returns the names of the fields that changed. The phone number is
    the sign-in name: changing it needs the current password (Refused: wrong_password) and ends every other
    session of the person (the caller signs this browser in again with the new token)."""
    if phone != user.phone:
        if not password or not password_matches(user, password):
            raise Refused(Problem("wrong_password", "current_password"))
        if session.scalar(select(User.id).where(User.phone == phone)) is not None:
            raise Refused(Problem("phone_taken", "phone"))
    changed = [name for name, value in (("full_name", full_name), ("phone", phone), ("birth_date", birth_date),
                                        ("sex", sex), ("village_id", village_id)) if getattr(user, name) != value]
    user.full_name, user.phone, user.birth_date, user.sex, user.village_id = (
        full_name, phone, birth_date, sex, village_id)
    if "phone" in changed:
        user.session_token = new_session_token()
    if changed:
        # Field names only: neither number is written into the audit trail.
        audit(session, "profile_corrected", actor_id=user.id, subject_id=user.id, fields=changed)
        correct_trained_record(session, user)
    session.flush()  # a phone taken by someone else at this very moment: IntegrityError, a 409 page
    return changed
