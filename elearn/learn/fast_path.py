"""The busiest request, a resident opening a lesson already in memory, answered before Flask.

Flask's request cycle with every extension (session, sign-in, CSRF, rate limits, translations,
compression, the unit of work) cost three times what the page itself did, so the lesson page could
not keep up with a plain Flask page (issue 11: at least half its rate). This WSGI layer answers
only the plain case and hands everything else to Flask untouched:

- a GET of /courses/<slug>/lessons/<lesson> without a query string;
- a valid session cookie of a signed-in resident (not staff) who consented to the notice in force,
  with nothing waiting in it (no message, no remember-me update, no CSRF secret to create, no
  change Flask-Login's session protection would make): the session is only read, never written;
- the course's stamp unchanged and the page already rendered by Flask for the same address,
  language and menu (elearn.learn.pages).

Each check reuses the rule Flask's path uses (elearn.security, elearn.access, elearn.i18n), and
tests/app/test_lesson_fast_path.py compares both paths' answers byte for byte. It sits inside the
Host check and the trusted-proxy layer, so it sees the same request Flask would.
"""
from __future__ import annotations

import re
from typing import cast
from hashlib import sha512

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import and_, bindparam
from werkzeug.http import parse_accept_header, parse_cookie

from elearn.access import notice_is_current
from elearn.content.snapshots import STAMP_COLUMNS
from elearn.models import Course
from elearn.i18n import LANGUAGE_COOKIE, choose_locale
from elearn.learn.pages import RESIDENT_MENU, memos
from elearn.security import HSTS, RESIDENT_ROWS, SECURITY_HEADERS, active_notice, is_resident, resident_locale

LESSON_PATH = re.compile(r"/courses/([a-z0-9-]{1,80})/lessons/([a-z0-9-]{1,80})")
# The resident (elearn.security.RESIDENT_ROWS) and the course's stamp in one statement.
_LESSON_ROWS = RESIDENT_ROWS.outerjoin(
    Course.__table__, and_(Course.slug == bindparam("slug"), Course.is_published)
).add_columns(Course.id.is_not(None).label("course_is_published"), *STAMP_COLUMNS)


class LessonFastPath:
    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app
        self._serializers: tuple | None = None  # made once the secret key is known

    def __call__(self, environ, start_response):
        serve = environ.get("REQUEST_METHOD") == "GET" and self.app.config["LESSON_FAST_PATH"]
        answer = self.answer(environ) if serve else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        body, headers = answer
        start_response("200 OK", headers)
        return [body]

    def answer(self, environ) -> tuple[bytes, list[tuple[str, str]]] | None:
        path = environ.get("PATH_INFO", "")
        lesson = LESSON_PATH.fullmatch(path)
        if environ.get("QUERY_STRING") or lesson is None:
            return None
        cookies = parse_cookie(environ)
        session = self._session(cookies.get(self.app.config["SESSION_COOKIE_NAME"]))
        if session is None or not _plain(session, environ):
            return None
        with self.app.extensions["elearn_engine"].connect() as connection:
            rows = connection.execute(_LESSON_ROWS, {"token": session["_user_id"],
                                                     "slug": lesson.group(1)}).all()
        if not is_resident(rows) or not notice_is_current(active_notice(rows), self.app.config):
            return None
        stamp = tuple(rows[0][-len(STAMP_COLUMNS):]) if rows[0].course_is_published else None
        locale = choose_locale(resident_locale(rows), cookies.get(LANGUAGE_COOKIE), self.app.config)
        page = memos(self.app)[1].get((stamp, path + "?", locale, RESIDENT_MENU)) if stamp else None
        if page is None:
            return None
        return self._response(page, self._csrf_token(session), environ)

    def _signers(self) -> tuple:
        """The session cookie's serializer (as Flask's SecureCookieSessionInterface makes it) and
        Flask-WTF's token serializer, made once per secret key."""
        secret = self.app.secret_key
        if self._serializers is None or self._serializers[0] != secret:
            interface = cast(SecureCookieSessionInterface, self.app.session_interface)  # checked by _session
            session = interface.get_signing_serializer(self.app)
            token = URLSafeTimedSerializer(self.app.config.get("WTF_CSRF_SECRET_KEY") or secret or "",
                                           salt="wtf-csrf-token")
            self._serializers = (secret, session, token)
        return self._serializers

    def _session(self, cookie: str | None) -> dict | None:
        """The session as Flask's SecureCookieSessionInterface would open it, or None."""
        if not cookie or type(self.app.session_interface) is not SecureCookieSessionInterface:
            return None
        try:
            return self._signers()[1].loads(cookie, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return None

    def _csrf_token(self, session: dict) -> str:
        """The token Flask-WTF's generate_csrf gives for this session's secret."""
        return self._signers()[2].dumps(session[self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")])

    def _response(self, page, token: str, environ) -> tuple[bytes, list[tuple[str, str]]]:
        # What Flask's request.accept_encodings["gzip"] reads (elearn.learn.pages.render_cached).
        gzip = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))["gzip"] > 0
        body = page.gzipped(token) if gzip else page.text(token).encode()
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        if gzip:
            headers.append(("Content-Encoding", "gzip"))
        headers += [*SECURITY_HEADERS, ("Cache-Control", "no-store")]
        if environ.get("wsgi.url_scheme") == "https":
            headers.append(HSTS)
        # In the order Flask's hooks add them (the test compares both paths' headers).
        headers.append(("Vary", "Accept-Encoding, Cookie" if gzip else "Cookie, Accept-Encoding"))
        return body, headers


def _plain(session: dict, environ) -> bool:
    """Nothing Flask would change or show: signed in, no message, no remember-me update, a CSRF
    secret already there, and no session-protection change (Flask-Login's "basic" mode marks the
    session not fresh once, when the address or browser differs from the sign-in's)."""
    if "_user_id" not in session or "_flashes" in session or "_remember" in session:
        return False
    if "csrf_token" not in session:
        return False
    return session.get("_fresh") is False or session.get("_id") == _identifier(environ)


def _identifier(environ) -> str:
    """flask_login.utils._create_identifier, from the WSGI environ."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return sha512(f"{address}|{agent}".encode()).hexdigest()
