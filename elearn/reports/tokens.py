"""API tokens for the provincial reporting system: shown once, stored as a SHA-256, read-only over
one unit's subtree, revocable, expiring. Plain values in, no Flask."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from elearn.audit import audit
from elearn.models import ApiToken, Unit

PREFIX = "hs_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, unit: Unit, days: int, actor_id: int,
                 now: datetime) -> tuple[ApiToken, str]:
    """A new token (256 random bits); the caller shows the returned text once and never again."""
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=hash_token(plain), prefix=plain[:10], unit_id=unit.id,
                     created_by_id=actor_id, created_at=now, expires_at=now + timedelta(days=days))
    session.add(token)
    session.flush()
    audit(session, "api_token_created", actor_id=actor_id, token_id=token.id, unit_id=unit.id, days=days)
    return token, plain


def revoke_token(session: Session, token: ApiToken, actor_id: int, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        audit(session, "api_token_revoked", actor_id=actor_id, token_id=token.id, unit_id=token.unit_id)
        session.flush()


def tokens_for_units(session: Session, unit_ids) -> list[ApiToken]:
    """Tokens over the given units (a select of ids from elearn.access), newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.unit_id.in_(unit_ids))
                                .options(joinedload(ApiToken.unit)).order_by(ApiToken.id.desc())))


def token_for_bearer(session: Session, header: str | None, now: datetime) -> ApiToken | None:
    """The live token named by an `Authorization: Bearer ...` header; its last use is recorded."""
    scheme, _, plain = (header or "").partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain.startswith(PREFIX) or len(plain) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain))
                           .options(joinedload(ApiToken.unit)))
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    token.last_used_at = now
    return token
