"""Who is signed in, response headers, safe redirects. Who may see what is in elearn.access."""
from __future__ import annotations

import time

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in
from sqlalchemy import bindparam, exists, inspect, select
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from elearn.db import db_session
from elearn.extensions import login_manager
from elearn.models import ConsentRecord, RoleAssignment, SecondFactor, User

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None  # the sign-in page says it itself, in the user's language
    login_manager.session_protection = "basic"  # "strong" signs phones out when their IP changes
    app.before_request(_end_idle_staff_session)
    app.after_request(_security_headers)
    user_logged_in.connect(_staff_session_starts, app)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    # The id in the cookie is a per-user token: rotating it ends every session of that user.
    session = db_session()
    resident = _resident(session.connection().execute(RESIDENT_ROWS, {"token": session_token}).all())
    if resident is not None:
        session.add(resident)  # persistent and clean, as a query would have left it
        return resident
    # Staff (and the rare resident with a second factor left over): consents and staff roles come in
    # the same query, every page checks one or the other.
    user = db_session().scalar(
        select(User).where(User.session_token == session_token).options(
            joinedload(User.consents), joinedload(User.assignments).joinedload(RoleAssignment.unit),
            joinedload(User.second_factor)))
    # Staff are signed in only with their second factor: a session from before they had a role,
    # or kept after an admin reset their app, counts for nothing.
    if user is not None and user.assignments and not (user.second_factor and user.second_factor.confirmed_at):
        return None
    return user


# Residents make most requests, so they are loaded with one plain statement (the user, each consent
# record, whether any staff role or second factor exists) into the objects an ORM query would give:
# the ORM's own loading of the same rows cost several times more.
_users, _consents = User.__table__, ConsentRecord.__table__
RESIDENT_ROWS = (
    select(_users, _consents,
           exists().where(RoleAssignment.user_id == _users.c.id).label("has_roles"),
           exists().where(SecondFactor.user_id == _users.c.id).label("has_factor"))
    .select_from(_users.outerjoin(_consents, _consents.c.user_id == _users.c.id))
    .where(_users.c.session_token == bindparam("token"))
    .order_by(_consents.c.given_at, _consents.c.id)
)


def is_resident(rows) -> bool:
    """`rows` of RESIDENT_ROWS are a resident's: no staff role, no second factor (those are loaded
    in full, with their roles)."""
    return bool(rows) and not rows[0].has_roles and not rows[0].has_factor


def resident_locale(rows) -> str | None:
    return rows[0]._mapping[_users.c.locale]


def active_notice(rows) -> str | None:
    """The notice version of the resident's consent in force (the latest not withdrawn), as
    User.active_consent gives it."""
    for row in reversed(rows):
        mapping = row._mapping
        if mapping[_consents.c.id] is not None and mapping[_consents.c.withdrawn_at] is None:
            return mapping[_consents.c.notice_version]
    return None


def _resident(rows) -> User | None:
    """The resident of `rows` with every consent, or None when there are no rows or it is staff."""
    if not is_resident(rows):
        return None
    user = _detached(User, rows[0]._mapping)
    consents = [_detached(ConsentRecord, row._mapping) for row in rows if row._mapping[_consents.c.id] is not None]
    for consent in consents:
        set_committed_value(consent, "user", user)
    set_committed_value(user, "consents", consents)
    set_committed_value(user, "assignments", [])
    set_committed_value(user, "second_factor", None)
    return user


def _detached(model, mapping):
    """An instance of `model` from a row's columns, with its identity, as a query would have made it."""
    mapper = inspect(model)
    instance = mapper.class_manager.new_instance()  # as the ORM does: no __init__, no defaults
    for attribute in mapper.column_attrs:
        set_committed_value(instance, attribute.key, mapping[attribute.columns[0]])
    make_transient_to_detached(instance)
    return instance


STAFF_SEEN_AT = "staff_seen_at"


def _is_staff(user) -> bool:
    return bool(user.assignments)


def _staff_session_starts(app, user, **extra) -> None:
    if _is_staff(user):
        session[STAFF_SEEN_AT] = int(time.time())


def _end_idle_staff_session():
    """Trainers, officials and admins reach many residents' data, often from a shared office or
    phone: their session ends after STAFF_IDLE_MINUTES without a request (ASVS 7.3.1). Only
    signing in starts a staff session, so a remember-me cookie (no "seen at") cannot bring one
    back past the password and the second factor."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated or not _is_staff(current_user):
        return None
    from flask import current_app

    now = int(time.time())
    seen_at = session.get(STAFF_SEEN_AT)
    if isinstance(seen_at, int) and now - seen_at <= current_app.config["STAFF_IDLE_MINUTES"] * 60:
        if now - seen_at >= 60:  # one cookie write a minute at most
            session[STAFF_SEEN_AT] = now
        return None
    logout_user()
    session.pop(STAFF_SEEN_AT, None)
    flash(_("Bạn đã không thao tác trong một thời gian nên đã được đăng xuất để giữ an toàn dữ liệu. "
            "Hãy đăng nhập lại."), "error")
    return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))


# Every answer carries these; elearn.learn.fast_path sends the same ones without Flask.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _security_headers(response):
    headers = response.headers
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault(*HSTS)
    if "Cache-Control" not in headers:
        # Signed in: personal, kept by no HTTP cache at all. Otherwise the page still carries this
        # browser's session (a form token, a message, the cookie itself): never from a shared cache.
        # Public files say what they allow themselves (static files, course pictures, open data).
        headers["Cache-Control"] = "no-store" if current_user.is_authenticated else "private"
    headers.add("Vary", "Cookie")
    return response


def is_safe_next(target: str | None) -> bool:
    """Only a local path: refuses //host, /\\host, absolute URLs, javascript: and control characters."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    return not any(ch in target for ch in "\\\r\n\t") and not any(ord(ch) < 32 for ch in target)
