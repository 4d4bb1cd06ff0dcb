"""First-run data: administrative units from a YAML file, the first admin account."""
from __future__ import annotations

import secrets
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.auth.services import hash_password, new_session_token
from elearn.models import ADMIN, RoleAssignment, Unit, User
from elearn.training.passwords import password_problem
from elearn.training.phones import InvalidPhone, normalize_phone
from elearn.units import ROLE_UNIT_KINDS, add_unit

BUNDLED_UNITS = Path(__file__).resolve().parent / "data" / "units.yaml"
DEFAULT_ADMIN_PHONE = "+84900000000"
ADMIN_NAME = "Quản trị viên"


def load_units(session: Session, path: Path = BUNDLED_UNITS) -> int:
    """Add the units in `path` when the table is empty; returns how many were added."""
    if session.scalar(select(func.count(Unit.id))):
        return 0
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    added = 0

    def add(entry: dict, parent: Unit | None) -> None:
        nonlocal added
        unit = add_unit(session, kind=entry["kind"], name=entry["name"], parent=parent, code=entry.get("code"),
                        is_demo=bool(entry.get("demo")))
        added += 1
        for child in entry.get("children", []):
            add(child, unit)

    for entry in entries:
        add(entry, None)
    return added


def ensure_admin(session: Session, phone: str | None, password: str | None) -> str | None:
    """Create the first admin if there is none. Returns a generated password to print once."""
    if session.scalar(select(RoleAssignment.id).where(RoleAssignment.role == ADMIN)):
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    admin = User(full_name=ADMIN_NAME, phone=phone or DEFAULT_ADMIN_PHONE, password_hash=hash_password(password),
                 session_token=new_session_token())
    admin.assignments.append(RoleAssignment(role=ADMIN))
    session.add(admin)
    session.flush()
    audit(session, "admin_created", subject_id=admin.id)
    return generated


class StaffProblem(ValueError):
    pass


def create_staff(session: Session, *, role: str, phone: str, full_name: str, unit_id: int | None,
                 password: str, actor_id: int | None = None) -> User:
    """A staff account with one role; `actor_id` is the admin who made it (None from the command line)."""
    try:
        normal = normalize_phone(phone)
    except InvalidPhone:
        raise StaffProblem(f"'{phone}' is not a Vietnamese mobile number") from None
    problem = password_problem(password, phone=normal, full_name=full_name)
    if problem:
        raise StaffProblem(f"password refused: {problem.replace('_', ' ')}")
    if session.scalar(select(User.id).where(User.phone == normal)):
        raise StaffProblem("an account with this phone number exists")
    unit = session.get(Unit, unit_id) if unit_id is not None and role != ADMIN else None
    if role != ADMIN and unit_id is None:
        raise StaffProblem(f"a {role} needs --unit: the id of the village, commune or province they look after")
    if role != ADMIN and unit is None:
        raise StaffProblem(f"no unit with id {unit_id}")
    if unit is not None and unit.kind not in ROLE_UNIT_KINDS[role]:
        raise StaffProblem(f"a {role} looks after a {' or a '.join(ROLE_UNIT_KINDS[role])}, not a {unit.kind}")
    if unit is not None and not unit.is_active:
        raise StaffProblem(f"unit {unit_id} was merged into unit {unit.merged_into_id}")
    user = User(full_name=" ".join(full_name.split()), phone=normal, password_hash=hash_password(password),
                session_token=new_session_token())
    unit_id = None if role == ADMIN else unit_id
    user.assignments.append(RoleAssignment(role=role, unit_id=unit_id, created_by_id=actor_id))
    session.add(user)
    session.flush()
    audit(session, "account_created", actor_id=actor_id, subject_id=user.id, role=role, unit_id=unit_id)
    return user

