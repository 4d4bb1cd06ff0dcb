"""Personal data rules with no Flask: the person's own rights (a copy of everything held about them,
erasure), what an erasure clears outside the person's own rows, and the retention purge
(`elearn privacy purge`). Plain values in; services add and flush, never commit."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from elearn import form_keys
from elearn.audit import audit
from elearn.db import changed_rows
from elearn.models import (Alert, AlertRead, AttemptAnswer, AuditEvent, Certificate, ConsentRecord, Course,
                           CourseCompletion, ExternalTraining, Lesson, LessonView, OneTimeCode, QuizAttempt,
                           QuizVersion, RoleAssignment, SurveyResponse, TrainedResident, TrainingAttendance,
                           TrainingSession, Unit, User)
from elearn.records.external import programme_name

REDACTED = "[đã xóa]"  # stored text, read by trainers in Vietnamese: not a UI string
_SEPARATORS = r"[\s.\-()]*"


def _fold(character: str) -> str:
    """One character compared without case or accents ('Ễ' -> 'e', 'đ' -> 'd'); always one character."""
    if character in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", character) if not unicodedata.combining(c))
    return (base or character).lower()[:1] or character


def _phone_pattern(phone: str) -> re.Pattern:
    """The number in any way people write it: 0912 345 678, +84 912.345.678, (0912) 345-678..."""
    digits = re.sub(r"\D", "", phone).removeprefix("84").lstrip("0")
    return re.compile(r"(?<!\d)(?:\+?\s*84|0)?" + _SEPARATORS + _SEPARATORS.join(digits) + r"(?!\d)")


def _date_pattern(day: date) -> re.Pattern:
    d, m, y = str(day.day), str(day.month), str(day.year)
    forms = [rf"0?{d}\s*[/.\-]\s*0?{m}\s*[/.\-]\s*{y}", rf"{y}\s*[/.\-]\s*0?{m}\s*[/.\-]\s*0?{d}"]
    return re.compile(r"(?<!\d)(?:" + "|".join(forms) + r")(?!\d)")


def redact(text: str, full_name: str, phone: str | None = None, birth_date: date | None = None) -> str:
    """`text` with the person's name (any case, with or without accents), phone number (any formatting)
    and birth date (dd/mm/yyyy and the like) replaced by REDACTED."""
    if not text:
        return text
    folded = "".join(_fold(c) for c in unicodedata.normalize("NFC", text))
    text = unicodedata.normalize("NFC", text)
    words = "".join(_fold(c) for c in unicodedata.normalize("NFC", full_name)).split()
    spans = []
    if words:
        name = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")
        spans += [m.span() for m in name.finditer(folded)]
    patterns = ([_phone_pattern(phone)] if phone else []) + ([_date_pattern(birth_date)] if birth_date else [])
    for pattern in patterns:
        spans += [m.span() for m in pattern.finditer(text)]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + REDACTED + text[end:]
    return text


def forget_in_shared_records(session: Session, user: User) -> None:
    """Before an erasure: what others wrote about the person in shared records. Notes of the classes
    they attended or held in their village lose their name, phone and birth date; a certificate from
    elsewhere keeps what the reports count (village, sex, labour-age window, date) but not its number,
    which would find the person again in the other programme's records."""
    in_their_sessions = or_(
        TrainingSession.id.in_(select(TrainingAttendance.session_id).where(TrainingAttendance.user_id == user.id)),
        TrainingSession.village_id == user.village_id)
    for record in session.scalars(select(TrainingSession).where(in_their_sessions, TrainingSession.notes != "")):
        cleaned = redact(record.notes, user.full_name, user.phone, user.birth_date)
        if cleaned != record.notes:
            record.notes = cleaned
    session.execute(update(ExternalTraining).where(ExternalTraining.user_id == user.id)
                    .values(certificate_number=""))
    session.flush()


# -- the person's own rights: a copy of everything, and erasure ---------------------------------

def export_data(session: Session, user: User) -> dict:
    """Everything the platform holds about one person, in plain JSON types."""
    # Each list with what it names (lessons, courses, questions, choices) loaded with it, not row by row.
    views = session.scalars(select(LessonView).where(LessonView.user_id == user.id).order_by(LessonView.id)
                            .options(joinedload(LessonView.lesson).joinedload(Lesson.course)))
    attempts = session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id)
                               .options(joinedload(QuizAttempt.quiz_version).joinedload(QuizVersion.course),
                                        selectinload(QuizAttempt.answers).options(joinedload(AttemptAnswer.question),
                                                                                  joinedload(AttemptAnswer.choice))))
    completions = session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user.id)
                                  .options(joinedload(CourseCompletion.course)))
    certificate = session.scalar(select(Certificate).where(Certificate.user_id == user.id))
    events = session.scalars(select(AuditEvent).where(AuditEvent.subject_id == user.id).order_by(AuditEvent.id))
    survey = session.scalar(select(SurveyResponse).where(SurveyResponse.user_id == user.id))
    codes_issued = session.scalars(select(OneTimeCode).where(OneTimeCode.user_id == user.id).order_by(OneTimeCode.id))
    attended = session.execute(
        select(TrainingSession, Unit.name, Course.slug).join(TrainingAttendance)
        .join(Unit, Unit.id == TrainingSession.village_id).outerjoin(Course, Course.id == TrainingSession.course_id)
        .where(TrainingAttendance.user_id == user.id).order_by(TrainingSession.held_on, TrainingSession.id))
    external = session.scalar(select(ExternalTraining).where(ExternalTraining.user_id == user.id))
    alerts_read = session.execute(select(Alert, AlertRead.read_at).join(AlertRead, AlertRead.alert_id == Alert.id)
                                  .where(AlertRead.user_id == user.id).order_by(AlertRead.read_at, Alert.id))
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
        # Scam alerts the person marked read ("Tôi đã đọc"): which, and when.
        "alerts_read": [
            {"title": alert.title, "posted_on": alert.posted_on.isoformat(), "read_at": _when(read_at)}
            for alert, read_at in alerts_read
        ],
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
    kept = changed_rows(session, update(TrainedResident).where(TrainedResident.user_id == user.id)
                        .values(user_id=None))
    session.execute(update(SurveyResponse).where(SurveyResponse.user_id == user.id).values(user_id=None))
    session.execute(update(AuditEvent).where(AuditEvent.subject_id == user.id).values(subject_id=None))
    session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id).values(actor_id=None))
    session.execute(delete(AlertRead).where(AlertRead.user_id == user.id))
    audit(session, "account_deleted", trained_record_kept=bool(kept), reason=reason)
    session.delete(user)
    session.flush()


# -- retention: `elearn privacy purge` ------------------------------------------------------------

PURGED = ("audit_entries", "one_time_codes", "withdrawn_accounts", "pending_accounts", "used_form_keys")


def _is_resident():
    """Not staff (staff accounts are the admin's to close) and not sample data (removed with its units)."""
    return ~or_(exists().where(RoleAssignment.user_id == User.id), User.is_demo.is_(True))


def withdrawn_before(cutoff: datetime):
    """select(User) of residents whose consent is withdrawn, last withdrawn before `cutoff`, and not
    given again since."""
    any_consent = exists().where(ConsentRecord.user_id == User.id)
    active = exists().where(ConsentRecord.user_id == User.id, ConsentRecord.withdrawn_at.is_(None))
    last_withdrawn = (select(func.max(ConsentRecord.withdrawn_at)).where(ConsentRecord.user_id == User.id)
                      .scalar_subquery())
    return select(User).where(_is_resident(), any_consent, ~active, last_withdrawn < cutoff)


def pending_before(cutoff: datetime):
    """select(User) of accounts a trainer opened before `cutoff` for someone who never set their
    password with the code, never signed in and has nothing recorded: no lesson, attempt, completion,
    certificate, trained row, class attended or certificate from elsewhere."""
    unused = [~exists().where(model.user_id == User.id) for model in (
        LessonView, QuizAttempt, CourseCompletion, Certificate, TrainedResident, TrainingAttendance, ExternalTraining)]
    code_used = exists().where(OneTimeCode.user_id == User.id, OneTimeCode.used_at.is_not(None))
    return select(User).where(_is_resident(), User.registered_by_id.is_not(None), User.last_sign_in_at.is_(None),
                              User.created_at < cutoff, ~code_used, *unused)


def purge(session: Session, now: datetime, days: dict[str, int]) -> dict[str, int]:
    """Remove what is past its retention period (config RETENTION_DAYS); returns counts only. Running
    it twice removes nothing more. Accounts are erased the way a resident's own erasure does it (their
    trained row and anonymous counts stay); the units' history, which holds no one's data, is kept."""
    from elearn.admin.services import UNIT_HISTORY_ACTIONS

    removed = dict.fromkeys(PURGED, 0)
    for key, statement in (("withdrawn_accounts", withdrawn_before(now - timedelta(days=days["withdrawn"]))),
                           ("pending_accounts", pending_before(now - timedelta(days=days["pending"])))):
        for user in session.scalars(statement).all():
            erase_account(session, user, reason=key)
            removed[key] += 1
    removed["used_form_keys"] = form_keys.purge(session, now)  # a day: a double tap's window is minutes
    removed["one_time_codes"] = changed_rows(session, delete(OneTimeCode).where(
        OneTimeCode.expires_at < now - timedelta(days=days["codes"])))
    removed["audit_entries"] = changed_rows(session, delete(AuditEvent).where(
        AuditEvent.at < now - timedelta(days=days["audit"]), AuditEvent.action.not_in(UNIT_HISTORY_ACTIONS)))
    session.flush()
    return removed
