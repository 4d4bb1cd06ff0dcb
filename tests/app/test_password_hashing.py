"""Passwords are hashed with OWASP's argon2id minimum; older hashes are made again at the next sign-in;
at most PASSWORD_HASH_CONCURRENCY hashes run at once, and a sign-in that finds them all busy waits
its turn and gets in. No stopwatch: threads meet at events."""
from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from elearn import create_app
from elearn.auth.hashing import Passwords
from elearn.auth.services import hash_password
from elearn.models import User
from tests.app.trainers import error_for
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import shown_again

# What `PasswordHasher()` used before this change: RFC 9106's low-memory profile, 184 ms of CPU a sign-in.
BEFORE = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def _same_database(app, **changes):
    config = {key: app.config[key] for key in ("SECRET_KEY", "DATABASE_URL", "COURSES_PATH", "INSTANCE_PATH",
                                                  "SERVER_NAME", "TESTING")}
    return create_app({**config, "RATELIMIT_STORAGE_URI": "memory://", **changes})


@pytest.fixture
def production_hashing(app):
    """The same database served with the production parameters (no test override)."""
    served = _same_database(app)
    yield served
    served.extensions["elearn_engine"].dispose()


def sign_in(browser, password=PASSWORD):
    token = csrf_token(browser, "/sign-in")
    return browser.post("/sign-in", data={"phone": "0912345678", "password": password, "csrf_token": token})


def stored_hash(db) -> str:
    db.expire_all()
    return db.scalar(select(User.password_hash))


def test_a_hash_made_with_the_old_default_is_made_again_with_owasps_minimum_at_the_next_sign_in(
        db, auth, production_hashing):
    auth.register()
    db.query(User).update({"password_hash": PasswordHasher(**BEFORE).hash(PASSWORD)})
    db.commit()
    browser = production_hashing.test_client()

    page = shown_again(browser, sign_in(browser, password="khong phai mat khau"), "/sign-in")
    assert "mật khẩu chưa đúng" in error_for(page, "password") and 'value="0912345678"' in page
    assert "m=65536,t=3,p=4" in stored_hash(db)  # a wrong password changes nothing
    assert sign_in(browser).status_code == 302
    upgraded = stored_hash(db)
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(upgraded, PASSWORD)

    browser.post("/sign-out", data={"csrf_token": csrf_token(browser, "/me")})
    assert sign_in(browser).status_code == 302
    assert stored_hash(db) == upgraded  # made once, not at every sign-in


def test_two_apps_in_one_process_keep_their_own_parameters(app, production_hashing):
    with app.app_context():
        cheap = hash_password("mot hai ba bon")
    with production_hashing.app_context():
        owasp = hash_password("mot hai ba bon")
    with app.app_context():
        cheap_again = hash_password("mot hai ba bon")
    assert "m=1024,t=1,p=1" in cheap and "m=1024,t=1,p=1" in cheap_again
    assert "m=19456,t=2,p=1" in owasp


class GatedHasher(PasswordHasher):
    """argon2's hasher that, once inside, waits for `gate` and records how many are inside at once."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.gate = threading.Event()
        self.inside = 0
        self.most_inside = 0
        self.changed = threading.Condition()

    def hash(self, password, *, salt=None):
        with self.changed:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.changed.notify_all()
        self.gate.wait(timeout=30)
        try:
            return super().hash(password, salt=salt)
        finally:
            with self.changed:
                self.inside -= 1


def test_no_more_hashes_run_at_once_than_there_are_slots_and_the_others_queue_and_finish():
    hasher = GatedHasher()
    passwords = Passwords(hasher, slots=2)
    made: list[tuple[str, str]] = []

    def make(secret: str) -> None:
        made.append((secret, passwords.hash(secret)))
    threads = [threading.Thread(target=make, args=(f"mat khau {n}",)) for n in range(5)]
    for thread in threads:
        thread.start()
    with hasher.changed:
        assert hasher.changed.wait_for(lambda: hasher.inside == 2, timeout=30)
    assert not passwords.slots.acquire(blocking=False)  # both slots taken: the three others are queued
    assert all(thread.is_alive() for thread in threads)

    hasher.gate.set()
    for thread in threads:
        thread.join(timeout=30)
    assert hasher.most_inside == 2
    assert len(made) == 5 and all(passwords.matches(made_hash, secret) for secret, made_hash in made)

def test_a_sign_in_that_finds_every_slot_busy_waits_and_gets_in_while_lesson_pages_are_served(
        app, auth, courses):
    auth.register()
    auth.sign_out()
    reader = app.test_client()
    sign_in(reader)
    passwords = app.extensions["elearn_passwords"]
    for _ in range(passwords.size):
        passwords.slots.acquire()  # a storm of sign-ins holds every slot
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(sign_in(app.test_client())))
    try:
        waiting.start()
        assert reader.get("/courses/alpha/lessons/mo-dau").status_code == 200  # pages need no slot
        waiting.join(timeout=0.5)
        assert waiting.is_alive() and not answers  # queued for a slot, not refused
    finally:
        for _ in range(passwords.size):
            passwords.slots.release()
    waiting.join(timeout=30)
    assert [answer.status_code for answer in answers] == [302]
