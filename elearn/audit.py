"""The audit trail: who did what to whose data. Ids and codes only, never names, phones or birth dates."""
from __future__ import annotations

from sqlalchemy.orm import Session

from elearn.models import AuditEvent


def audit(session: Session, action: str, actor_id: int | None = None, subject_id: int | None = None,
          **detail) -> None:
    session.add(AuditEvent(action=action, actor_id=actor_id, subject_id=subject_id, detail=detail))
