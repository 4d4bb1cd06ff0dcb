"""Personal data rules with no Flask: what an erasure clears outside the person's own rows, and the
retention purge (`elearn privacy purge`). Plain values in; services add and flush, never commit."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from elearn.models import (AuditEvent, Certificate, ConsentRecord, CourseCompletion, ExternalTraining, LessonView,
                           OneTimeCode, QuizAttempt, RoleAssignment, TrainedResident, TrainingAttendance,
                           TrainingSession, User)

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


# -- retention: `elearn privacy purge` ------------------------------------------------------------

PURGED = ("audit_entries", "one_time_codes", "withdrawn_accounts", "pending_accounts")


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
    from elearn.auth.services import erase_account

    removed = dict.fromkeys(PURGED, 0)
    for key, statement in (("withdrawn_accounts", withdrawn_before(now - timedelta(days=days["withdrawn"]))),
                           ("pending_accounts", pending_before(now - timedelta(days=days["pending"])))):
        for user in session.scalars(statement).all():
            erase_account(session, user, reason=key)
            removed[key] += 1
    removed["one_time_codes"] = session.execute(delete(OneTimeCode).where(
        OneTimeCode.expires_at < now - timedelta(days=days["codes"]))).rowcount
    removed["audit_entries"] = session.execute(delete(AuditEvent).where(
        AuditEvent.at < now - timedelta(days=days["audit"]), AuditEvent.action.not_in(UNIT_HISTORY_ACTIONS))).rowcount
    session.flush()
    return removed
