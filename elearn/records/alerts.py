"""Scam alerts: post, change, end early, mark read, and what each person sees. The views check the
poster's scope and the resident's village through elearn.access before calling these; services add
and flush, the request commits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from elearn.audit import audit
from elearn.content.render import render_markdown
from elearn.db import insert_new
from elearn.models import Alert, AlertRead, RoleAssignment, Unit, User
from elearn.training import alerts as rules


class KeyTaken(Exception):
    """The form's idempotency key belongs to someone else's alert: record nothing."""


@dataclass(frozen=True)
class AlertEntry:
    unit_id: int
    title: str
    body: str
    advice: str
    expires_on: date


@dataclass(frozen=True)
class Listed:
    """An alert on the staff's list, with its readers: residents in its unit who have read it, of all."""
    alert: Alert
    unit_name: str
    status: str
    readers: int
    residents: int


def render_body(body: str) -> str:
    """The same Markdown renderer and nh3 allow-list as lessons; headings below the alert's title."""
    return render_markdown(body, shift_headings=2)


def post_alert(session: Session, actor_id: int, entry: AlertEntry, key: str, today: date) -> Alert:
    """Store a new alert; the same key again (a double tap) returns the first one unchanged."""
    new_id = insert_new(session, Alert, {
        "unit_id": entry.unit_id, "title": entry.title, "body": entry.body, "body_html": render_body(entry.body),
        "advice": entry.advice, "posted_on": today, "expires_on": entry.expires_on, "created_by_id": actor_id,
        "idempotency_key": key}, unique=("idempotency_key",))
    found = session.scalar(select(Alert).where(Alert.idempotency_key == key))
    if found is None or found.created_by_id != actor_id:
        raise KeyTaken()
    if new_id is not None:
        audit(session, "alert_posted", actor_id=actor_id, alert_id=new_id, unit_id=entry.unit_id)
        session.flush()
    return found


def update_alert(session: Session, actor_id: int, alert: Alert, entry: AlertEntry) -> None:
    alert.unit_id, alert.title, alert.advice, alert.expires_on = (
        entry.unit_id, entry.title, entry.advice, entry.expires_on)
    if alert.body != entry.body:
        alert.body, alert.body_html = entry.body, render_body(entry.body)
    audit(session, "alert_changed", actor_id=actor_id, alert_id=alert.id, unit_id=entry.unit_id)
    session.flush()


def end_alert(session: Session, actor_id: int, alert: Alert, now: datetime) -> bool:
    """Stop showing it now; False when it had ended already (a second tap changes nothing)."""
    if alert.ended_at is not None:
        return False
    alert.ended_at = now
    audit(session, "alert_ended", actor_id=actor_id, alert_id=alert.id)
    session.flush()
    return True


def mark_read(session: Session, user_id: int, alert_id: int) -> None:
    """One row per alert and person: a second tap (or two at once) adds nothing and fails nothing."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(AlertRead).values(alert_id=alert_id, user_id=user_id)
                    .on_conflict_do_nothing(index_elements=["alert_id", "user_id"]))


def _active(today: date):
    return and_(Alert.ended_at.is_(None), Alert.posted_on <= today, Alert.expires_on >= today)


def unread_for(session: Session, user_id: int, units_over_home: Select, today: date) -> list[Alert]:
    """The resident's alerts to show, newest first, in one statement: active, posted for their village
    or a unit above it (`units_over_home`, from elearn.access), not marked read."""
    read = exists().where(AlertRead.alert_id == Alert.id, AlertRead.user_id == user_id)
    return list(session.scalars(select(Alert).where(Alert.unit_id.in_(units_over_home), _active(today), ~read)
                                .order_by(Alert.posted_on.desc(), Alert.id.desc())))


def for_resident(session: Session, units_over_home: Select, alert_id: int) -> Alert | None:
    """The alert if it was posted for the resident's village or above (active or not), else None."""
    return session.scalar(select(Alert).where(Alert.id == alert_id, Alert.unit_id.in_(units_over_home)))


def listed(session: Session, alerts: Select, today: date) -> list[Listed]:
    """The alerts `alerts` (a select(Alert) scoped by elearn.access), newest first, each with how
    many residents of its unit have read it and how many live there: two statements in all."""
    rows = session.execute(alerts.add_columns(Unit.name).join(Unit, Unit.id == Alert.unit_id)
                           .order_by(Alert.posted_on.desc(), Alert.id.desc())).all()
    counts = _reader_counts(session, [alert.id for alert, _ in rows])
    return [Listed(alert, unit_name, rules.status(alert.posted_on, alert.expires_on, alert.ended_at, today),
                   *counts.get(alert.id, (0, 0))) for alert, unit_name in rows]


def _reader_counts(session: Session, alert_ids: list[int]) -> dict[int, tuple[int, int]]:
    """alert id -> (residents of its unit who read it, residents of its unit). Residents are people with
    a village and no staff role, as elearn.access counts them."""
    if not alert_ids:
        return {}
    target, village = aliased(Unit), aliased(Unit)
    statement = (
        select(Alert.id, func.count(AlertRead.user_id), func.count(User.id))
        .join(target, target.id == Alert.unit_id)
        .join(village, village.path.like(target.path + "%"))
        .join(User, User.village_id == village.id)
        .outerjoin(AlertRead, and_(AlertRead.alert_id == Alert.id, AlertRead.user_id == User.id))
        .where(Alert.id.in_(alert_ids), ~exists().where(RoleAssignment.user_id == User.id))
        .group_by(Alert.id))
    return {alert_id: (readers, residents) for alert_id, readers, residents in session.execute(statement)}
