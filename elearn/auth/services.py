"""Accounts: registration, sign-in, consent, export and erasure. Plain values in, no Flask."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.db import insert_new
from elearn.privacy import forget_in_shared_records
from elearn.records import codes
from elearn.records.external import programme_name
from elearn.records.trained import correct_trained_record
from elearn.training.passwords import password_problem

from elearn.models import (
    AuditEvent,
    Certificate,
    ConsentRecord,
    Course,
    CourseCompletion,
    ExternalTraining,
    LessonView,
    OneTimeCode,
    QuizAttempt,
    SurveyResponse,
    TrainedResident,
    TrainingAttendance,
    TrainingSession,
    Unit,
    User,
)
from elearn.models.types import utcnow

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters (RFC 9106 low-memory)
# Verifying against this when the phone is unknown keeps both answers equally slow.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def configure_hashing(**parameters) -> None:
    """Change argon2 parameters (tests use cheap ones); hashes made before are upgraded at sign-in."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(**parameters) if parameters else PasswordHasher()
    _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class PhoneTaken(Exception):
    """The phone number already has an account."""


class WrongPassword(Exception):
    """The current password was asked for and not given right."""


class PasswordRefused(Exception):
    """The new password breaks a rule of elearn.training.passwords; `problem` says which."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


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
    return _hasher.hash(password)


def register_resident(session: Session, data: Registration) -> User:
    if session.scalar(select(User.id).where(User.phone == data.phone)) is not None:
        raise PhoneTaken()
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
        raise PhoneTaken()
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
        _check(_DUMMY_HASH, password)
        return None
    if not _check(user.password_hash, password):
        audit(session, "sign_in_failed", subject_id=user.id)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    audit(session, "signed_in", actor_id=user.id, subject_id=user.id)
    return user


def _check(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_matches(user: User, password: str) -> bool:
    return _check(user.password_hash, password)


def hash_matches(stored_hash: str, secret: str) -> bool:
    """A secret hashed like the passwords (staff recovery codes) matches its hash."""
    return _check(stored_hash, secret)


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
    spent and every other session of theirs ends. Raises codes.CodeNotAccepted, or PasswordRefused
    for a password made of the person's own phone, name or birth date."""
    user, record = codes.check_code(session, phone, code, secret_key, now)
    problem = password_problem(new_password, phone=user.phone, full_name=user.full_name, birth_date=user.birth_date)
    if problem:
        raise PasswordRefused(problem)  # the code is not spent: the person picks another password
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
    the sign-in name: changing it needs the current password (WrongPassword) and ends every other
    session of the person (the caller signs this browser in again with the new token)."""
    if phone != user.phone:
        if not password or not password_matches(user, password):
            raise WrongPassword()
        if session.scalar(select(User.id).where(User.phone == phone)) is not None:
            raise PhoneTaken()
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


def export_data(session: Session, user: User) -> dict:
    """Everything the platform holds about one person, in plain JSON types."""
    views = session.scalars(select(LessonView).where(LessonView.user_id == user.id).order_by(LessonView.id))
    attempts = session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id))
    completions = session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    certificate = session.scalar(select(Certificate).where(Certificate.user_id == user.id))
    events = session.scalars(select(AuditEvent).where(AuditEvent.subject_id == user.id).order_by(AuditEvent.id))
    survey = session.scalar(select(SurveyResponse).where(SurveyResponse.user_id == user.id))
    codes_issued = session.scalars(select(OneTimeCode).where(OneTimeCode.user_id == user.id).order_by(OneTimeCode.id))
    attended = session.execute(
        select(TrainingSession, Unit.name, Course.slug).join(TrainingAttendance)
        .join(Unit, Unit.id == TrainingSession.village_id).outerjoin(Course, Course.id == TrainingSession.course_id)
        .where(TrainingAttendance.user_id == user.id).order_by(TrainingSession.held_on, TrainingSession.id))
    external = session.scalar(select(ExternalTraining).where(ExternalTraining.user_id == user.id))
    return {
        "profile": {
            "full_name": user.full_name,
            "phone": user.phone,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
            "sex": user.sex,
            "village": user.village.full_name if user.village else None,
            "staff_roles": sorted({a.role for a in user.assignments}),
            "created_at": user.created_at.isoformat() + "Z",
            "last_sign_in_at": user.last_sign_in_at.isoformat() + "Z" if user.last_sign_in_at else None,
            "language": user.locale,
        },
        "consents": [
            {"purpose": c.purpose, "notice_version": c.notice_version, "given_at": c.given_at.isoformat() + "Z",
             "withdrawn_at": c.withdrawn_at.isoformat() + "Z" if c.withdrawn_at else None}
            for c in user.consents
        ],
        "lessons_opened": [
            {"course": v.lesson.course.slug, "lesson": v.lesson.slug, "title": v.lesson.title,
             "first_opened_at": v.first_viewed_at.isoformat() + "Z"} for v in views
        ],
        "quiz_attempts": [_export_attempt(a) for a in attempts],
        "course_completions": [
            {"course": c.course.slug, "title": c.course.title, "completed_on": c.completed_on.isoformat(),
             "method": c.method} for c in completions
        ],
        "certificate": {"code": certificate.code, "trained_on": certificate.trained_on.isoformat()}
        if certificate else None,
        "activity": [{"action": e.action, "at": e.at.isoformat() + "Z"} for e in events],
        "survey": {name: getattr(survey, name) for name in ("has_smartphone", "has_bank_account",
                                                            "has_digital_signature", "has_vneid_level2")}
        | {"answered_on": survey.answered_on.isoformat()} if survey else None,
        # The code itself is never stored (only a keyed hash): when it was given and what became of it.
        "one_time_codes": [
            {"purpose": c.purpose, "created_at": _when(c.created_at), "expires_at": _when(c.expires_at),
             "used_at": _when(c.used_at), "voided_at": _when(c.voided_at)} for c in codes_issued
        ],
        "training_sessions": [
            {"held_on": t.held_on.isoformat(), "village": village, "course": course, "notes": t.notes}
            for t, village, course in attended
        ],
        "external_training": {"programme": programme_name(external.programme),
                              "certificate_number": external.certificate_number,
                              "certified_on": external.certified_on.isoformat()} if external else None,
    }


def _when(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def _export_attempt(attempt: QuizAttempt) -> dict:
    picked: dict[str, list[str]] = {}
    for answer in sorted(attempt.answers, key=lambda a: (a.question.position, a.choice.position)):
        picked.setdefault(answer.question.text, []).append(answer.choice.text)
    return {
        "course": attempt.quiz_version.course.slug,
        "quiz_version": attempt.quiz_version.number,
        "submitted_at": attempt.submitted_at.isoformat() + "Z",
        "correct": attempt.correct_count,
        "questions": attempt.question_count,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "assisted": attempt.assisted_by_id is not None,  # answered on a trainer's phone, with their help
        "answers": picked,
    }


def erase_account(session: Session, user: User, reason: str = "own_request") -> None:
    """Erase a person and everything about them (the database cascades to their progress).

    What the commune's figures count stays without the person: their trained-person row loses its
    link and nothing else; the activity counters never held one. What others wrote about them in
    shared records (a class's notes, a certificate number from elsewhere) is cleared first."""
    forget_in_shared_records(session, user)
    kept = session.execute(update(TrainedResident).where(TrainedResident.user_id == user.id)
                           .values(user_id=None)).rowcount
    session.execute(update(SurveyResponse).where(SurveyResponse.user_id == user.id).values(user_id=None))
    session.execute(update(AuditEvent).where(AuditEvent.subject_id == user.id).values(subject_id=None))
    session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id).values(actor_id=None))
    audit(session, "account_deleted", trained_record_kept=bool(kept), reason=reason)
    session.delete(user)
    session.flush()
