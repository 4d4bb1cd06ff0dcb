"""Who is signed in, response headers, safe redirects. Who may see what is in elearn.access."""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from elearn.db import db_session
from elearn.extensions import login_manager
from elearn.models import RoleAssignment, User

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None  # the sign-in page says it itself, in the user's language
    login_manager.session_protection = "basic"  # "strong" signs phones out when their IP changes
    app.after_request(_security_headers)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    # The id in the cookie is a per-user token: rotating it ends every session of that user.
    # Consents and staff roles come in the same query: every page checks one or the other.
    return db_session().scalar(
        select(User).where(User.session_token == session_token).options(
            joinedload(User.consents), joinedload(User.assignments).joinedload(RoleAssignment.unit)))


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "Cache-Control" not in headers and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    headers.add("Vary", "Cookie")
    return response


def is_safe_next(target: str | None) -> bool:
    """Only a local path: refuses //host, /\\host, absolute URLs, javascript: and control characters."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    return not any(ch in target for ch in "\\\r\n\t") and not any(ord(ch) < 32 for ch in target)
