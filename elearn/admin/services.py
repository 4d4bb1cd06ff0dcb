"""The admin's work: the unit tree as the pages show it, a unit's history, staff accounts and roles.

Plain values in, no Flask; refusals are `Refused([Problem(...)])` with codes, never text. Audit
details hold ids, roles and unit ids, never names, phones or birth dates of people.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from elearn.audit import audit
from elearn.auth.services import hash_password, new_session_token
from elearn.models import ADMIN, STAFF_ROLES, UNIT_KINDS, AuditEvent, RoleAssignment, Unit, User
from elearn.problems import Problem, Refused
from elearn.training.passwords import password_problem
from elearn.training.phones import InvalidPhone, normalize_phone
from elearn.units import ROLE_UNIT_KINDS, plain_words

# Read aloud or copied from a screen: no i, l, o, 0 or 1 to mistake for one another.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
UNIT_HISTORY_ACTIONS = ("unit_added", "unit_renamed", "units_merged")
_KIND_ORDER = {kind: i for i, kind in enumerate(UNIT_KINDS)}


def one_time_password() -> str:
    """Three groups of four, e.g. 'k7mp-3xra-9dfe': about 59 bits from `secrets`."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def by_name(unit: Unit) -> tuple[str, str]:
    """Vietnamese order, near enough: the database sorts "Đông" after "Tây" (Đ comes after Z)."""
    return plain_words(unit.name), unit.name


# The overview and the unit tree.

@dataclass(frozen=True)
class Overview:
    units: dict[str, int]
    demo_units: int
    staff: int
    residents: int


def overview(session: Session) -> Overview:
    by_kind = dict(session.execute(select(Unit.kind, func.count(Unit.id)).where(Unit.merged_into_id.is_(None))
                                   .group_by(Unit.kind)).all())
    staff = select(RoleAssignment.user_id)
    return Overview(
        units={kind: by_kind.get(kind, 0) for kind in UNIT_KINDS},
        demo_units=session.scalar(select(func.count(Unit.id)).where(Unit.is_demo.is_(True))) or 0,
        staff=session.scalar(select(func.count(func.distinct(RoleAssignment.user_id)))) or 0,
        residents=session.scalar(select(func.count(User.id)).where(User.id.not_in(staff))) or 0,
    )


@dataclass(frozen=True)
class UnitTree:
    """Active units, province > commune > village, each level by name; merged ones apart, newest first."""
    provinces: list[Unit]
    children: dict[int, list[Unit]]
    merged: list[Unit]

    def under(self, unit: Unit) -> list[Unit]:
        return self.children.get(unit.id, [])


def unit_tree(session: Session) -> UnitTree:
    every = sorted(session.scalars(select(Unit).options(selectinload(Unit.merged_into))), key=by_name)
    children = defaultdict(list)
    for unit in every:
        if unit.is_active and unit.parent_id is not None:
            children[unit.parent_id].append(unit)
    merged = sorted((u for u in every if not u.is_active), key=lambda u: u.merged_at or datetime.min, reverse=True)
    provinces = [u for u in every if u.is_active and u.parent_id is None]
    return UnitTree(provinces=provinces, children=dict(children), merged=merged)


def active_units(session: Session, kinds: tuple[str, ...] = UNIT_KINDS) -> list[Unit]:
    """Active units of `kinds` for a picker: by level, then by parent, then by name."""
    units = session.scalars(select(Unit).where(Unit.kind.in_(kinds), Unit.merged_into_id.is_(None))
                            .options(selectinload(Unit.parent))).all()
    return sorted(units, key=lambda u: (_KIND_ORDER[u.kind], by_name(u.parent) if u.parent else (), by_name(u)))


def merge_targets(session: Session, unit: Unit) -> list[Unit]:
    """The units `unit` may be merged into: active, of its level, not itself."""
    return [other for other in active_units(session, (unit.kind,)) if other.id != unit.id]


def children_of(session: Session, unit: Unit) -> list[Unit]:
    return sorted(session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.merged_into_id.is_(None))),
                  key=by_name)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    detail: dict
    actor_name: str | None


def unit_history(session: Session, unit: Unit) -> list[HistoryEntry]:
    """What happened to `unit`, newest first: added, renamed, merged into another or taking one in."""
    about_unit = or_(AuditEvent.detail["unit_id"].as_integer() == unit.id,
                     AuditEvent.detail["into_unit_id"].as_integer() == unit.id)
    rows = session.execute(
        select(AuditEvent, User.full_name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.action.in_(UNIT_HISTORY_ACTIONS), about_unit)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()
    return [HistoryEntry(event.at, event.action, event.detail or {}, name) for event, name in rows]


# Staff accounts and their roles.

def staff_members(session: Session) -> list[User]:
    """Everyone with at least one staff role, by name, with their roles' units."""
    people = session.scalars(
        select(User).where(User.assignments.any())
        .options(selectinload(User.assignments).selectinload(RoleAssignment.unit).selectinload(Unit.parent)))
    return sorted(people, key=lambda user: (plain_words(user.full_name), user.full_name, user.id))


def person(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def phone_holder(session: Session, phone: str | None) -> User | None:
    return session.scalar(select(User).where(User.phone == phone)) if phone else None


def assignment_of(user: User, assignment_id: int) -> RoleAssignment | None:
    return next((a for a in user.assignments if a.id == assignment_id), None)


@dataclass(frozen=True)
class NewStaff:
    full_name: str
    phone: str  # already normal: +84...
    role: str
    unit_id: int | None


def create_staff_account(session: Session, data: NewStaff, actor_id: int) -> tuple[User, str]:
    """A staff account with a generated one-time password, returned to be shown once, never stored."""
    password = one_time_password()
    user = create_staff(session, role=data.role, phone=data.phone, full_name=data.full_name,
                        unit_id=data.unit_id, password=password, actor_id=actor_id)
    return user, password


def create_staff(session: Session, *, role: str, phone: str, full_name: str, unit_id: int | None,
                 password: str, actor_id: int | None = None) -> User:
    """A staff account with one role; `actor_id` is the admin who made it (None from the command line).

    Refused: phone_invalid, password_refused (values: reason, from elearn.training.passwords),
    phone_taken_by_staff / phone_taken_by_resident (values: user_id), and the role's problems
    (role_unknown, unit_missing, unit_wrong_kind, unit_merged)."""
    try:
        normal = normalize_phone(phone)
    except InvalidPhone:
        raise Refused(Problem("phone_invalid", "phone")) from None
    problems = []
    holder = phone_holder(session, normal)
    if holder is not None:
        code = "phone_taken_by_staff" if holder.assignments else "phone_taken_by_resident"
        problems.append(Problem(code, "phone", values={"user_id": holder.id}))
    reason = password_problem(password, phone=normal, full_name=full_name)
    if reason:
        problems.append(Problem("password_refused", "password", values={"reason": reason}))
    problems += _role_problems(session, role, unit_id)
    if problems:
        raise Refused(problems)
    user = User(full_name=" ".join(full_name.split()), phone=normal, password_hash=hash_password(password),
                session_token=new_session_token())
    unit_id = None if role == ADMIN else unit_id
    user.assignments.append(RoleAssignment(role=role, unit_id=unit_id, created_by_id=actor_id))
    session.add(user)
    session.flush()
    audit(session, "account_created", actor_id=actor_id, subject_id=user.id, role=role, unit_id=unit_id)
    return user


def _role_problems(session: Session, role: str, unit_id: int | None) -> list[Problem]:
    if role not in STAFF_ROLES:
        return [Problem("role_unknown", "role")]
    if role == ADMIN:
        return []  # an admin's role covers the whole instance: a chosen unit is ignored
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        return [Problem("unit_missing", "unit_id", values={"role": role})]
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        return [Problem("unit_wrong_kind", "unit_id", values={"role": role, "kind": unit.kind})]
    if not unit.is_active:
        return [Problem("unit_merged", "unit_id", values={"merged_into_id": unit.merged_into_id})]
    return []


def assign_role(session: Session, user: User, role: str, unit_id: int | None, actor_id: int) -> RoleAssignment:
    """Give `user` (a resident or a staff member) one more role over one unit."""
    problems = _role_problems(session, role, unit_id)
    unit_id = None if role == ADMIN else unit_id
    if not problems and any(a.role == role and a.unit_id == unit_id for a in user.assignments):
        problems.append(Problem("already_assigned", "unit_id" if unit_id else "role"))
    if problems:
        raise Refused(problems)
    assignment = RoleAssignment(role=role, unit_id=unit_id, created_by_id=actor_id)
    user.assignments.append(assignment)
    session.flush()
    audit(session, "role_assigned", actor_id=actor_id, subject_id=user.id, role=role, unit_id=unit_id)
    return assignment


def remove_role(session: Session, user: User, assignment: RoleAssignment, actor_id: int) -> None:
    """Take one role away; the instance never loses its last admin."""
    if assignment.role == ADMIN and not _other_admins(session, user):
        raise Refused(Problem("last_admin"))
    user.assignments.remove(assignment)  # delete-orphan: the row goes at the flush
    session.flush()
    audit(session, "role_removed", actor_id=actor_id, subject_id=user.id, role=assignment.role,
          unit_id=assignment.unit_id)


def _other_admins(session: Session, user: User) -> set[int]:
    # Rows locked on PostgreSQL: two admins taking each other's role at the same moment are served
    # one after the other, so the second sees the first's change and is refused.
    admins = session.scalars(select(RoleAssignment.user_id).where(RoleAssignment.role == ADMIN).with_for_update())
    return set(admins) - {user.id}
