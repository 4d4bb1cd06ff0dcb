"""Fixtures in the manner of Flaskr: app, client, runner, and an `auth` helper.

The schema is built once per run by the Alembic migrations, on SQLite by default or on the
PostgreSQL named by ELEARN_TEST_DATABASE_URL; each test starts from empty tables.
"""
from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, select, text

from elearn import create_app
from elearn.db import Base
from elearn.extensions import limiter
from elearn.migrate import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_COURSES = FIXTURES / "courses"
PASSWORD = "mua xuan tren ruong bac thang"  # not the page's example (luanuoctrabinh2025): refused
# Cheap argon2 for speed; production uses OWASP's minimum (elearn.auth.hashing, app/test_password_hashing.py).
TEST_HASHING = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
# The stored hash of PASSWORD for the accounts test helpers make without a request (no app to hash with).
PASSWORD_HASH = PasswordHasher(**TEST_HASHING).hash(PASSWORD)


def reset_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("ELEARN_TEST_DATABASE_URL")
    if url:
        reset_schema(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "COURSES_PATH": str(FIXTURE_COURSES),
        "INSTANCE_PATH": str(tmp_path),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "hocso.test",
        "PASSWORD_HASH_PARAMETERS": TEST_HASHING,
    })
    _empty_tables(app)
    with app.app_context():
        limiter.reset()
    yield app
    app.extensions["elearn_engine"].dispose()


def _empty_tables(app) -> None:
    engine = app.extensions["elearn_engine"]
    tables = Base.metadata.sorted_tables
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    # SQLite ignores this pragma inside a transaction: switch it off before and on again after,
    # or the pooled connection would run the next test without foreign keys.
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        for table in reversed(tables):
            connection.execute(table.delete())
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        connection.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A session of the test's own, outside any request: no app context is left pushed,
    so each test-client request gets its own `g` as in production."""
    session = app.extensions["elearn_sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def villages(app):
    from elearn.db import db_session
    from elearn.models import Unit
    from elearn.setup_data import load_units

    with app.app_context():
        session = db_session()
        load_units(session)
        session.commit()
        return list(session.scalars(select(Unit.id).where(Unit.kind == "village").order_by(Unit.id)))


@pytest.fixture
def courses(app):
    from elearn.content.sync import sync_folder
    from elearn.db import db_session

    with app.app_context():
        sync_folder(db_session(), FIXTURE_COURSES)
        db_session().commit()


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


# The authenticator app of every staff member the tests make (a fixture enrols them with it).
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enroll_second_factor(user, secret: str = STAFF_TOTP_SECRET):
    """A staff account made by a test already has its authenticator app, with `secret`."""
    from elearn.models import SecondFactor
    from elearn.models.types import utcnow

    user.second_factor = SecondFactor(secret=secret, confirmed_at=utcnow(), created_at=utcnow())
    return user


def app_code(secret: str = STAFF_TOTP_SECRET, steps_ahead: int = 0) -> str:
    """What the staff member's authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    import pyotp

    return pyotp.TOTP(secret).at(datetime.now(UTC), counter_offset=steps_ahead)


def pass_second_step(client, response, secret: str = STAFF_TOTP_SECRET):
    """After a staff member's right password (`response`): the second step, done for real with the
    code their app shows; on the enrolment page, the secret is read off the page as a person would
    type it into the app. A resident's (or a wrong password's) response comes back unchanged. A
    code is accepted once: a second sign-in in the same 30 seconds types the next step's code."""
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if location.endswith("/sign-in/enroll"):
        page = client.get("/sign-in/enroll").get_data(as_text=True)
        secret = "".join(re.findall(r'<span class="code">([A-Z2-7]{4})</span>', page))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return client.post("/sign-in/enroll", data={"code": app_code(secret), "csrf_token": token})
    if not location.endswith("/sign-in/verify"):
        return response
    token = csrf_token(client, "/sign-in/verify")
    for ahead in (0, 1):
        answer = client.post("/sign-in/verify", data={"code": app_code(secret, ahead), "csrf_token": token})
        if answer.status_code == 302:
            break
    return answer


class AuthActions:
    def __init__(self, client, villages):
        self.client = client
        self.villages = villages

    def registration(self, **changes) -> dict:
        data = {
            "full_name": "Nguyễn Thị Lan",
            "phone": "0912 345 678",
            "birth_date": "1975-03-25",
            "sex": "female",
            "village_id": str(self.villages[0]),
            "password": PASSWORD,
            "consent": "y",
        }
        data.update(changes)
        if "password" in data:
            data.setdefault("confirm_password", data["password"])  # typed twice, the same, unless a test says
        return {key: value for key, value in data.items() if value is not None}

    def register(self, **changes):
        data = self.registration(**changes)
        data["csrf_token"] = csrf_token(self.client, "/register")
        return self.client.post("/register", data=data)

    def sign_in(self, phone="0912345678", password=PASSWORD, **extra):
        """A resident signs in with the password; a staff member goes on to the second step."""
        data = {"phone": phone, "password": password, "csrf_token": csrf_token(self.client, "/sign-in"), **extra}
        return pass_second_step(self.client, self.client.post("/sign-in", data=data))

    def sign_out(self):
        return self.client.post("/sign-out", data={"csrf_token": csrf_token(self.client, "/me")})

    def on(self, client) -> AuthActions:
        """The same actions on another phone: another test client, with cookies of its own."""
        return AuthActions(client, self.villages)


@pytest.fixture
def auth(client, villages):
    return AuthActions(client, villages)


@pytest.fixture
def clock(monkeypatch):
    """Moves time.time forward without sleeping (the rate limiter's and the counters' expiry follow
    it); returns advance(seconds)."""
    real = time.time
    shift = [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + shift[0])

    def advance(seconds: float) -> None:
        shift[0] += seconds
    return advance
