"""Scam alerts, the rules with no Flask: who may post for which kind of unit, which expiry days are
accepted, and whether an alert is shown on a given day."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

# A trainer posts for one of their villages; an official for their province, a commune or a village in it.
POSTING_KINDS = {"trainer": ("village",), "official": ("province", "commune", "village")}
POSTING_ROLES = tuple(POSTING_KINDS)
LONGEST = timedelta(days=366)  # an alert is a warning about now: at most a year ahead
MAX_TITLE = 120
MAX_BODY = 4000
MAX_ADVICE = 200


def kinds_for(roles: Iterable[str]) -> tuple[str, ...]:
    """The kinds of unit a person holding `roles` may post for (an admin: every kind)."""
    roles = set(roles)
    if "admin" in roles:
        roles |= set(POSTING_ROLES)
    return tuple(kind for kind in ("province", "commune", "village")
                 if any(kind in POSTING_KINDS.get(role, ()) for role in roles))


def expiry_problem(expires_on: date, today: date) -> str | None:
    """"past" before today, "too_far" more than a year ahead, else None (today itself is accepted:
    the alert is shown until the end of that day)."""
    if expires_on < today:
        return "past"
    if expires_on > today + LONGEST:
        return "too_far"
    return None


def is_active(posted_on: date, expires_on: date, ended_at: datetime | None, today: date) -> bool:
    """Shown on `today`: posted, not past its expiry day, not ended early."""
    return ended_at is None and posted_on <= today <= expires_on


def status(posted_on: date, expires_on: date, ended_at: datetime | None, today: date) -> str:
    """"active", "ended" (early, by staff) or "expired"."""
    if ended_at is not None:
        return "ended"
    return "active" if is_active(posted_on, expires_on, ended_at, today) else "expired"
