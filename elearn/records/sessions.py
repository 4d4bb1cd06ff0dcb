"""In-person training sessions (buổi tập huấn) that a village's trainers record: the day, the
village, the course (or a general session), who came, notes.

Attendance is a record of contact and never completes a course: nothing here touches lessons,
quizzes, completions or the reports' rows. The views check every id against the trainer's scope
(elearn.access) before calling these services.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from elearn.audit import audit
from elearn.db import insert_new
from elearn.models import AuditEvent, Course, TrainingAttendance, TrainingSession, Unit, User

PER_PAGE = 20


class KeyTaken(Exception):
    """The form's idempotency key belongs to another trainer's session: record nothing."""


@dataclass(frozen=True)
class SessionEntry:
    village_id: int
    course_id: int | None
    held_on: date
    notes: str
    attendee_ids: frozenset[int]


@dataclass(frozen=True)
class Listed:
    session: TrainingSession
    village: str
    course: str | None
    attendees: int


@dataclass(frozen=True)
class Page:
    items: list[Listed]
    number: int
    pages: int
    total: int


def published_courses(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).where(Course.is_published).order_by(Course.position, Course.title)))


def record_session(session: Session, actor_id: int, entry: SessionEntry, key: str) -> TrainingSession:
    """Store a new session; the same key again (a double tap) returns the first one unchanged."""
    new_id = insert_new(session, TrainingSession, {
        "village_id": entry.village_id, "course_id": entry.course_id, "held_on": entry.held_on,
        "notes": entry.notes, "created_by_id": actor_id, "idempotency_key": key}, unique=("idempotency_key",))
    found = session.scalar(select(TrainingSession).where(TrainingSession.idempotency_key == key))
    if found is None or found.created_by_id != actor_id:
        raise KeyTaken()
    if new_id is None:
        return found
    session.add_all(TrainingAttendance(session_id=new_id, user_id=user_id) for user_id in sorted(entry.attendee_ids))
    audit(session, "training_session_recorded", actor_id=actor_id, session_id=new_id,
          village_id=entry.village_id, course_id=entry.course_id, attendees=len(entry.attendee_ids))
    session.flush()
    return found


def update_session(session: Session, actor_id: int, record: TrainingSession, entry: SessionEntry) -> None:
    """The same form again: the session takes the new values and the new list of attendees."""
    record.village_id, record.course_id, record.held_on, record.notes = (
        entry.village_id, entry.course_id, entry.held_on, entry.notes)
    before = {attendance.user_id for attendance in record.attendances}
    record.attendances = [a for a in record.attendances if a.user_id in entry.attendee_ids]
    record.attendances += [TrainingAttendance(user_id=user_id) for user_id in sorted(entry.attendee_ids - before)]
    audit(session, "training_session_changed", actor_id=actor_id, session_id=record.id,
          village_id=entry.village_id, course_id=entry.course_id, attendees=len(entry.attendee_ids))
    session.flush()


def delete_session(session: Session, actor_id: int, record: TrainingSession) -> None:
    audit(session, "training_session_deleted", actor_id=actor_id, session_id=record.id,
          village_id=record.village_id, attendees=len(record.attendances))
    session.delete(record)  # its attendances go with it
    session.flush()


def deleted_by(session: Session, actor_id: int, session_id: int) -> bool:
    """Whether this trainer deleted that session (a second tap on "delete" finds it gone)."""
    events = session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "training_session_deleted", AuditEvent.actor_id == actor_id)
        .order_by(AuditEvent.id.desc()).limit(50))
    return any(detail.get("session_id") == session_id for detail in events)


def with_attendees(statement):
    return statement.options(selectinload(TrainingSession.attendances))


def page_of_sessions(session: Session, scoped_statement, number: int) -> Page:
    """One page of the sessions `scoped_statement` (a select(TrainingSession) already scoped to the
    trainer's villages) finds: newest first. Three statements whatever the page holds."""
    total = session.scalars(select(func.count()).select_from(scoped_statement.subquery())).one()
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(1, number), pages)
    counts = (select(TrainingAttendance.session_id, func.count().label("attendees"))
              .group_by(TrainingAttendance.session_id).subquery())
    found = session.execute(
        scoped_statement.add_columns(Unit.name, Course.title, func.coalesce(counts.c.attendees, 0))
        .join(Unit, Unit.id == TrainingSession.village_id)
        .outerjoin(Course, Course.id == TrainingSession.course_id)
        .outerjoin(counts, counts.c.session_id == TrainingSession.id)
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
        .limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all()
    items = [Listed(record, village, course, int(attendees)) for record, village, course, attendees in found]
    return Page(items, number, pages, total)


def attendees_of(session: Session, record: TrainingSession) -> list[User]:
    """The people who came, by name (an erased person is gone from the list)."""
    return list(session.scalars(select(User).join(TrainingAttendance, TrainingAttendance.user_id == User.id)
                                .where(TrainingAttendance.session_id == record.id).order_by(User.full_name)))
