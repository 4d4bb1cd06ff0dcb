"""The audit trail as the admin reads it: newest first, filtered by action, days and actor, a page
at a time. Plain values in, no Flask. Shows what the rows hold (ids, codes, counts), nothing more:
no name, phone or birth date is joined in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.models import AuditEvent, RoleAssignment

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditQuery:
    action: str | None = None
    since: date | None = None  # local days (Việt Nam), both included
    until: date | None = None
    actor_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    staff_ids: frozenset[int]  # actors and subjects who hold a staff role: their page can be linked


def actions(session: Session) -> list[str]:
    """Every action the trail holds, for the filter's list."""
    return sorted(session.scalars(select(AuditEvent.action).distinct()))


def _utc(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in `zone`, as the naive UTC the table stores."""
    return datetime.combine(day, time(), zone).astimezone(UTC).replace(tzinfo=None)


def audit_page(session: Session, query: AuditQuery, zone: ZoneInfo) -> AuditPage:
    conditions = []
    if query.action:
        conditions.append(AuditEvent.action == query.action)
    if query.since:
        conditions.append(AuditEvent.at >= _utc(query.since, zone))
    if query.until:
        conditions.append(AuditEvent.at < _utc(query.until + timedelta(days=1), zone))
    if query.actor_id is not None:
        conditions.append(AuditEvent.actor_id == query.actor_id)
    total = session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(query.page, 1), pages)  # a page past the end shows the last one
    events = session.scalars(select(AuditEvent).where(*conditions).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    people = {e.actor_id for e in events} | {e.subject_id for e in events}
    staff = session.scalars(select(RoleAssignment.user_id).where(RoleAssignment.user_id.in_(people - {None}))
                            .distinct()).all() if people - {None} else []
    return AuditPage(events=list(events), total=total, page=page, pages=pages, staff_ids=frozenset(staff))
