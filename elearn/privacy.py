"""Personal data rules with no Flask: what an erasure clears outside the person's own rows, and the
retention purge (`elearn privacy purge`). Plain values in; services add and flush, never commit."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from elearn.models import ExternalTraining, TrainingAttendance, TrainingSession, User

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
