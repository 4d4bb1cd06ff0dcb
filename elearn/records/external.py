"""Training done elsewhere: a certificate from another recognised programme, seen by a trainer.

The row keeps what the reports count (village, sex, labour-age window) like a trained-person row,
so it survives the person's erasure. `trained_here` is set when the same person is (or becomes)
trained on this platform: the reports then count them once, as trained here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.db import insert_new
from elearn.models import ExternalTraining, TrainedResident, User
from elearn.training.ages import labour_age_window

# The recognised programmes, in the order the form lists them (the national movement first).
# Keys are stored; names are what people read. A programme not listed is stored as "other:<name>".
PROGRAMMES: tuple[tuple[str, str], ...] = (
    ("binh-dan-hoc-vu-so", "Bình dân học vụ số (binhdanhocvuso.gov.vn)"),
    ("onetouch-moocs", "Nền tảng học trực tuyến mở đại trà – MOOCs (onetouch.mic.gov.vn)"),
)
OTHER = "other"
OTHER_PREFIX = "other:"
MAX_PROGRAMME_NAME = 100
MAX_CERTIFICATE_NUMBER = 64
EARLIEST_CERTIFICATE = date(2020, 1, 1)


@dataclass(frozen=True)
class Certificate:
    programme: str  # a key of PROGRAMMES, or OTHER
    other_name: str  # the programme's name when `programme` is OTHER
    number: str
    certified_on: date


def certificate_number_problem(number: str) -> str | None:
    """None when the number can be stored: 1 to 64 printable characters, no control characters."""
    if not number.strip():
        return "missing"
    if len(number) > MAX_CERTIFICATE_NUMBER:
        return "too_long"
    if not number.isprintable():
        return "control"
    return None


def programme_value(certificate: Certificate) -> str:
    if certificate.programme == OTHER:
        return OTHER_PREFIX + certificate.other_name
    return certificate.programme


def programme_name(stored: str) -> str:
    """What a stored programme reads as."""
    if stored.startswith(OTHER_PREFIX):
        return stored[len(OTHER_PREFIX):]
    return dict(PROGRAMMES).get(stored, stored)


def form_values(record: ExternalTraining) -> dict:
    """The form's fields for an existing record."""
    other = record.programme.startswith(OTHER_PREFIX)
    return {"programme": OTHER if other else record.programme,
            "other_name": programme_name(record.programme) if other else "",
            "certificate_number": record.certificate_number, "certified_on": record.certified_on}


def external_of(session: Session, user_id: int) -> ExternalTraining | None:
    return session.scalar(select(ExternalTraining).where(ExternalTraining.user_id == user_id))


def _report_fields(user: User) -> dict:
    known = user.birth_date is not None and user.sex is not None
    labour_from, labour_until = labour_age_window(user.birth_date, user.sex) if known else (None, None)
    return {"village_id": user.village_id, "sex": user.sex, "labour_age_from": labour_from,
            "labour_age_until": labour_until}


def _trained_here(session: Session, user_id: int) -> dict:
    trained_on = session.scalar(select(TrainedResident.trained_on).where(TrainedResident.user_id == user_id))
    return {"trained_here": trained_on is not None, "trained_here_on": trained_on}


def save_external(session: Session, resident: User, certificate: Certificate, actor_id: int) -> ExternalTraining:
    """Record (or correct) the resident's certificate from elsewhere. Saving the same thing twice
    (a double tap, even two at once) keeps one row and audits one change."""
    values = {"programme": programme_value(certificate), "certificate_number": certificate.number.strip(),
              "certified_on": certificate.certified_on, **_report_fields(resident),
              **_trained_here(session, resident.id)}
    inserted = insert_new(session, ExternalTraining, {"user_id": resident.id, "recorded_by_id": actor_id, **values},
                          unique=("user_id",))
    record = external_of(session, resident.id)
    if inserted is not None:
        audit(session, "external_training_recorded", actor_id=actor_id, subject_id=resident.id)
        return record
    changed = sorted(name for name, value in values.items() if getattr(record, name) != value)
    for name in changed:
        setattr(record, name, values[name])
    if changed:
        audit(session, "external_training_changed", actor_id=actor_id, subject_id=resident.id, fields=changed)
    session.flush()
    return record


def mark_trained_here(session: Session, user_id: int, trained_on: date) -> None:
    """The person is now trained on this platform: from `trained_on` their certificate from elsewhere
    no longer counts on its own."""
    session.execute(update(ExternalTraining).where(ExternalTraining.user_id == user_id)
                    .values(trained_here=True, trained_here_on=trained_on))


def correct_external_record(session: Session, user: User) -> None:
    """The resident corrected their village, sex or birth date: the row follows."""
    if user.village_id is None:
        return
    session.execute(update(ExternalTraining).where(ExternalTraining.user_id == user.id)
                    .values(**_report_fields(user)))
