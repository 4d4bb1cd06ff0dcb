"""First-run data: administrative units from a YAML file, the first admin account (other staff
accounts: elearn.admin.services.create_staff)."""
from __future__ import annotations

import secrets
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.auth.services import hash_password, new_session_token
from elearn.models import ADMIN, RoleAssignment, Unit, User
from elearn.units import add_unit

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
