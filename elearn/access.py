"""Who may see what, answered in one place.

Staff roles are assignments: a trainer over one or several villages, an official over a commune or
a province, an admin over the whole instance. A role over a unit covers its whole subtree, which
`Unit.path` makes one indexed prefix query. Every staff view and query goes through this module;
anything outside a person's scope is answered 404, as if it did not exist.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session, aliased

from elearn.db import db_session
from elearn.extensions import login_manager
from elearn.models import ADMIN, Alert, ApiToken, Unit, User
from elearn.models.types import utcnow
from elearn.reports.tokens import token_for_bearer
from elearn.training import alerts as alert_rules


def roles_of(user: User) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    return frozenset(assignment.role for assignment in user.assignments)


def is_admin(user: User) -> bool:
    return ADMIN in roles_of(user)


def is_staff(user: User) -> bool:
    return bool(roles_of(user))


def may_act_as(user: User, role: str) -> bool:
    """An admin may do what every role may."""
    roles = roles_of(user)
    return role in roles or ADMIN in roles


def scope_roots(user: User, role: str) -> list[Unit] | None:
    """The units whose subtrees `user` may see as `role`; None means every unit (an admin)."""
    if is_admin(user):
        return None
    return [a.unit for a in user.assignments if a.role == role and a.unit is not None]


def in_subtree(units: list[Unit]) -> ColumnElement[bool]:
    """Units at or under any of `units` (paths hold digits and slashes only: nothing to escape)."""
    if not units:
        return false()
    return or_(*(Unit.path.like(unit.path + "%") for unit in units))


def units_in_scope(user: User, role: str) -> Select:
    """select(Unit.id) of every unit `user` may see as `role`."""
    roots = scope_roots(user, role)
    statement = select(Unit.id)
    return statement if roots is None else statement.where(in_subtree(roots))


def scoped(statement: Select, user: User, role: str, unit_column) -> Select:
    """`statement` filtered to rows whose `unit_column` lies in `user`'s scope as `role`."""
    if scope_roots(user, role) is None:
        return statement
    return statement.where(unit_column.in_(units_in_scope(user, role)))


def unit_in_scope(session: Session, user: User, role: str, unit_id: int) -> Unit | None:
    return session.scalar(scoped(select(Unit).where(Unit.id == unit_id), user, role, Unit.id))


def visible_units(session: Session, user: User, role: str, kinds: tuple[str, ...]) -> list[Unit]:
    """Active units of `kinds` that `user` may see as `role`, provinces first, then by name."""
    statement = select(Unit).where(Unit.kind.in_(kinds), Unit.merged_into_id.is_(None))
    order = {kind: i for i, kind in enumerate(("province", "commune", "village"))}
    found = session.scalars(scoped(statement, user, role, Unit.id)).all()
    return sorted(found, key=lambda unit: (order[unit.kind], unit.path.count("/"), unit.name))


def residents_in_scope(user: User) -> Select:
    """select(User) of the residents a trainer looks after: people living in the trainer's villages
    who hold no staff role (a trainer never acts on another staff member's account)."""
    statement = select(User).where(User.village_id.is_not(None), ~User.assignments.any())
    return scoped(statement, user, "trainer", User.village_id)


def resident_in_scope(session: Session, user: User, resident_id: int) -> User | None:
    """The resident `resident_id` if `user` may act for them as a trainer, else None (answer 404)."""
    return session.scalar(residents_in_scope(user).where(User.id == resident_id))


def scoped_any(statement: Select, user: User, roles: tuple[str, ...], unit_column) -> Select:
    """`statement` filtered to rows whose `unit_column` lies in `user`'s scope as any of `roles`."""
    if is_admin(user):
        return statement
    roots = [a.unit for a in user.assignments if a.role in roles and a.unit is not None]
    return statement.where(unit_column.in_(select(Unit.id).where(in_subtree(roots))))


def alert_units(session: Session, user: User) -> list[Unit]:
    """The units `user` may post a scam alert for: a trainer's villages, an official's province,
    communes and villages (elearn.training.alerts), each within their own scope."""
    found: dict[int, Unit] = {}
    for role in alert_rules.POSTING_ROLES:
        if may_act_as(user, role):
            found.update((unit.id, unit) for unit in visible_units(session, user, role, alert_rules.kinds_for({role})))
    order = {kind: i for i, kind in enumerate(("province", "commune", "village"))}
    return sorted(found.values(), key=lambda unit: (order[unit.kind], unit.path.count("/"), unit.name))


def alerts_in_scope(user: User) -> Select:
    """select(Alert) of the alerts `user` looks after: posted for a unit of their scope as a trainer
    or an official (an official sees the alerts of their villages' trainers too)."""
    return scoped_any(select(Alert), user, alert_rules.POSTING_ROLES, Alert.unit_id)


def alert_in_scope(session: Session, user: User, alert_id: int) -> Alert | None:
    return session.scalar(alerts_in_scope(user).where(Alert.id == alert_id))


def units_over_home(user: User) -> Select:
    """select(Unit.id) of a resident's village and every unit above it: where alerts for them are
    posted. Nothing for someone without a village (staff)."""
    if user.village_id is None:
        return select(Unit.id).where(false())
    home = aliased(Unit)
    return (select(Unit.id).join(home, home.path.like(Unit.path + "%"))
            .where(home.id == user.village_id))


def role_required(*roles: str):
    """Signed in with one of `roles` (an admin has all); anyone else gets 404, as if the page did
    not exist. Records the roles on the view, so the access test can list every route's rule."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(may_act_as(current_user, role) for role in roles):
                abort(404)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined] # a mark on the view function
        return wrapped

    return decorator


def token_required(view):
    """A live API token in `Authorization: Bearer ...`; anything else is a 401 in JSON."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        token = token_for_bearer(db_session(), request.headers.get("Authorization"), utcnow())
        if token is None:
            response = jsonify({"error": "Unauthorized", "message": "A valid, unrevoked API token is needed: "
                                "Authorization: Bearer <token>."})
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="hoc-so", error="invalid_token"'
            return response
        g.api_token = token
        return view(*args, **kwargs)

    wrapped.requires_token = True  # type: ignore[attr-defined] # a mark on the view function
    return wrapped


def unit_in_token_scope(session: Session, token: ApiToken, unit_id: int) -> Unit | None:
    """A unit at or under the token's unit, or None."""
    return session.scalar(select(Unit).where(Unit.id == unit_id, in_subtree([token.unit])))


def needs_consent(user: User) -> bool:
    """A resident who has not agreed to the current privacy notice: never, withdrawn, or an older
    version. Staff accounts are created by an admin and do not learn under the residents' notice."""
    if is_staff(user):
        return False
    consent = user.active_consent
    return not notice_is_current(consent.notice_version if consent else None, current_app.config)


def notice_is_current(notice_version: str | None, config) -> bool:
    """Consent given to the privacy notice in force."""
    return notice_version is not None and notice_version == config["PRIVACY_NOTICE_VERSION"]


def consent_required(view):
    """Signed in and consenting to the current privacy notice; after a withdrawal or a new version
    of the notice, ask again."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if needs_consent(current_user):
            return redirect(url_for("auth.consent", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped
