"""The trainer's work with residents met in person: registering them, finding them, giving them a
one-time code, and the quiz taken together ("Làm bài cùng người dân").

Plain values in, no Flask. Every resident comes through elearn.access (residents_in_scope /
resident_in_scope): the views answer 404 for anyone else. Refusals are `Refused([Problem(...)])`.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload

from elearn import access
from elearn.audit import audit
from elearn.auth.services import hash_password, new_session_token
from elearn.csvfiles import plain
from elearn.db import insert_new
from elearn.learn import services as learning
from elearn.models import (Certificate, ConsentRecord, Course, CourseCompletion, OneTimeCode, QuizAttempt, QuizVersion,
                           Unit, User)
from elearn.problems import Problem, Refused
from elearn.records import codes
from elearn.training.phones import InvalidPhone, normalize_phone

PAGE_SIZE = 20


def trainer_villages(session: Session, trainer: User) -> list[Unit]:
    """The active villages the trainer looks after (an admin: every one), with their communes."""
    statement = (select(Unit).where(Unit.kind == "village", Unit.merged_into_id.is_(None))
                 .options(joinedload(Unit.parent)))
    villages = session.scalars(access.scoped(statement, trainer, "trainer", Unit.id)).all()
    return sorted(villages, key=lambda v: (plain(v.parent.name) if v.parent else "", plain(v.name), v.id))


# Registering a resident in person.

@dataclass(frozen=True)
class InPersonRegistration:
    full_name: str
    phone: str  # normal form, +84...
    birth_date: date
    sex: str
    village_id: int
    notice_version: str
    guardian_consent: bool = False


def register_in_person(session: Session, trainer: User, data: InPersonRegistration, secret_key: str,
                       now: datetime) -> tuple[User, str]:
    """A resident's account opened by a trainer, with the consent they gave in person (the trainer
    as witness), and a first-password code for them. The account's password is a random one nobody
    knows until the resident sets their own with the code.

    Refused: village_not_yours, phone_in_scope (values: user_id, the person to offer instead),
    phone_taken (someone the trainer may not see: nothing about them is told), too_many_codes."""
    village = access.unit_in_scope(session, trainer, "trainer", data.village_id)
    if village is None or village.kind != "village" or not village.is_active:
        raise Refused(Problem("village_not_yours", "village_id"))
    _refuse_taken_phone(session, trainer, data.phone)
    codes.check_issue_limit(session, trainer.id, now)
    user_id = insert_new(session, User, {
        "full_name": data.full_name, "phone": data.phone, "password_hash": hash_password(secrets.token_urlsafe(32)),
        "birth_date": data.birth_date, "sex": data.sex, "village_id": village.id,
        "session_token": new_session_token(), "registered_by_id": trainer.id,
    }, unique=("phone",))
    if user_id is None:  # the same phone registered at this very moment
        raise Refused(Problem("phone_taken", "phone"))
    user = session.get(User, user_id)
    purposes = ["learning"] + (["guardian"] if data.guardian_consent else [])
    for purpose in purposes:
        user.consents.append(ConsentRecord(purpose=purpose, notice_version=data.notice_version,
                                           witnessed_by_id=trainer.id, witness_name=trainer.full_name))
    audit(session, "registered_in_person", actor_id=trainer.id, subject_id=user.id, village_id=village.id,
          notice_version=data.notice_version, guardian_consent=data.guardian_consent)
    session.flush()
    code = codes.issue_code(session, user, "first-password", trainer.id, secret_key, now)
    return user, code


def _refuse_taken_phone(session: Session, trainer: User, phone: str) -> None:
    holder_id = session.scalar(select(User.id).where(User.phone == phone))
    if holder_id is None:
        return
    if access.resident_in_scope(session, trainer, holder_id) is not None:
        raise Refused(Problem("phone_in_scope", "phone", values={"user_id": holder_id}))
    raise Refused(Problem("phone_taken", "phone"))


# Finding residents.

@dataclass(frozen=True)
class ResidentPage:
    residents: list[User]
    total: int
    page: int
    pages: int
    query: str


def _phone_digits(query: str) -> str | None:
    """The digits of a query that looks like (part of) a phone number, as stored after +84."""
    compact = "".join(ch for ch in query if ch not in " .-()")
    if not compact or not compact.lstrip("+").isascii() or not compact.lstrip("+").isdigit():
        return None
    try:
        return normalize_phone(compact).removeprefix("+")
    except InvalidPhone:
        digits = compact.lstrip("+")
        return digits.removeprefix("0") if len(digits) > 1 else digits


def search_residents(session: Session, trainer: User, query: str, page: int) -> ResidentPage:
    """The residents of the trainer's villages whose name (accents and case aside) or phone holds
    `query`, by name, PAGE_SIZE a page. Three statements whatever the number of people: the matching
    ids, then one page of people with their villages and communes."""
    scope = access.residents_in_scope(trainer)
    digits = _phone_digits(query) if query else None
    if digits is not None:
        statement = scope.where(User.phone.like(f"%{digits}%"))
        rows = list(session.execute(statement.with_only_columns(User.id, User.full_name)))
    else:
        rows = list(session.execute(scope.with_only_columns(User.id, User.full_name)))
        words = plain(query).split()
        if words:
            rows = [row for row in rows if all(word in plain(row.full_name) for word in words)]
    rows.sort(key=lambda row: (plain(row.full_name), row.full_name, row.id))
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    ids = [row.id for row in rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    found = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_(ids)).options(joinedload(User.village).joinedload(Unit.parent)))} if ids else {}
    return ResidentPage([found[i] for i in ids if i in found], len(rows), page, pages, query)


# One resident's page.

@dataclass(frozen=True)
class CourseLine:
    course: Course
    progress: learning.CourseProgress
    method: str | None  # self | assisted, once completed
    has_quiz: bool  # the quiz can be taken together


@dataclass(frozen=True)
class ResidentOverview:
    resident: User
    courses: list[CourseLine]
    certificate: Certificate | None
    live_code_expires_at: datetime | None
    assisted_attempts: list[QuizAttempt]

    @property
    def required(self) -> list[CourseLine]:
        return [line for line in self.courses if line.course.required]

    @property
    def required_done(self) -> int:
        return sum(1 for line in self.required if line.progress.completed_on)


def resident_overview(session: Session, resident: User, now: datetime) -> ResidentOverview:
    courses = learning.published_courses(session)
    progress = learning.progress_by_course(session, resident.id, courses)
    methods = dict(session.execute(select(CourseCompletion.course_id, CourseCompletion.method)
                                   .where(CourseCompletion.user_id == resident.id)).all())
    with_quiz = set(session.scalars(select(QuizVersion.course_id).where(QuizVersion.is_current)))
    live = codes.live_code(session, resident.id, now)
    attempts = list(session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == resident.id, QuizAttempt.assisted_by_id.is_not(None))
        .options(joinedload(QuizAttempt.quiz_version).joinedload(QuizVersion.course))
        .order_by(QuizAttempt.id.desc()).limit(10)))
    return ResidentOverview(
        resident=resident,
        courses=[CourseLine(c, progress[c.id], methods.get(c.id), c.id in with_quiz) for c in courses],
        certificate=learning.certificate_of(session, resident),
        live_code_expires_at=live.expires_at if live else None,
        assisted_attempts=attempts,
    )


def code_purpose(session: Session, resident: User) -> str:
    """A resident registered in person who never signed in still sets a first password."""
    if resident.last_sign_in_at is None and resident.registered_by_id is not None:
        used = session.scalar(select(func.count(OneTimeCode.id)).where(
            OneTimeCode.user_id == resident.id, OneTimeCode.used_at.is_not(None)))
        if not used:
            return "first-password"
    return "reset"


def issue_code_for(session: Session, issuer: User, person: User, secret_key: str, now: datetime) -> tuple[str, str]:
    """(code, purpose) for `person`, who the caller already checked is in the issuer's scope.
    Raises Refused(too_many_codes)."""
    purpose = code_purpose(session, person)
    return codes.issue_code(session, person, purpose, issuer.id, secret_key, now), purpose


# The quiz taken together.

class NoConsent(Exception):
    """The resident withdrew their consent: nothing more is recorded about them."""


def assisted_course(session: Session, course_id: int) -> Course | None:
    """A published course with a quiz, by id."""
    has_quiz = exists().where(QuizVersion.course_id == Course.id, QuizVersion.is_current)
    return session.scalar(select(Course).where(Course.id == course_id, Course.is_published, has_quiz)
                          .options(joinedload(Course.lessons)))


def submit_assisted_attempt(session: Session, trainer: User, resident: User, course: Course, version: QuizVersion,
                            answers: dict[int, set[int]], key: str, today: date) -> QuizAttempt:
    """Scored and stored for the resident, as their own attempt would be (the same function), with
    the trainer who helped; a pass completes the course as an assisted completion. The same key
    again (a double tap) returns the first attempt. Raises NoConsent and what
    learn.services.submit_attempt raises."""
    if resident.active_consent is None:
        raise NoConsent()
    return learning.submit_attempt(session, resident, course, version, answers, key, today,
                                   assisted_by_id=trainer.id)


def assisted_attempt_of(session: Session, resident: User, course: Course, attempt_id: int) -> QuizAttempt | None:
    attempt = learning.attempt_of(session, resident, course, attempt_id)
    return attempt if attempt is not None and attempt.assisted_by_id is not None else None
