"""Two requests at the same moment (a double tap, two phones) on two connections: the second reaches
its INSERT while the first is still uncommitted, so its early look-up found nothing and only the
unique key can stop it. Those branches of the services run here, with two real sessions: on
PostgreSQL the second INSERT waits for the first one's key, on SQLite for the write lock."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from elearn.auth.services import Registration, register_resident
from elearn.learn import services
from elearn.models import AttemptAnswer, ConsentRecord, CourseActivity, QuizAttempt, User
from elearn.problems import Refused
from tests.app.trainers import make_resident
from tests.conftest import PASSWORD
from tests.services.conftest import course, picks, submit_quiz


def _held_at_its_insert(db, reached_insert: threading.Event, racer: threading.Thread) -> bool:
    """The second has sent its INSERT and waits on the first one's transaction (on SQLite, where a
    process's writers take turns from their first write (elearn.db), it waits at that write)."""
    if db.get_bind().dialect.name == "sqlite":
        time.sleep(1)
        return racer.is_alive()
    if not reached_insert.wait(timeout=30):
        return False
    for _ in range(100):
        if db.get_bind().dialect.name == "postgresql":
            if db.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                              "AND datname = current_database()")):
                return True
        elif racer.is_alive():  # SQLite shows no waits: still running after a while is the sign
            time.sleep(0.5)
            return racer.is_alive()
        time.sleep(0.1)
    return False


def race(app, db, table: str, first: Callable[[Session], object], second: Callable[[Session], object]) -> dict:
    """`first` runs and stays uncommitted while `second` runs on another connection until it waits at
    its INSERT INTO `table`; then the first commits. What the second returned (or raised)."""
    sessions = app.extensions["elearn_sessionmaker"]
    engine = app.extensions["elearn_engine"]
    outcome: dict = {}
    reached_insert = threading.Event()

    def watch(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            reached_insert.set()

    def run_second():
        with app.app_context(), sessions() as session:
            try:
                outcome["returned"] = second(session)
                session.commit()
            except Exception as error:  # reported by the test, in its own thread
                outcome["error"] = error

    with app.app_context(), sessions() as first_session:
        first(first_session)  # flushed, not committed
        event.listen(engine, "before_cursor_execute", watch)
        racer = threading.Thread(target=run_second)
        racer.start()
        try:
            assert _held_at_its_insert(db, reached_insert, racer), f"the second did not wait: {outcome}"
            first_session.commit()
            racer.join(timeout=30)
        finally:
            event.remove(engine, "before_cursor_execute", watch)
    assert not racer.is_alive()
    db.expire_all()
    return outcome


@pytest.mark.parametrize("same_person", [True, False], ids=["double-tap", "someone-elses-key"])
def test_a_quiz_submission_racing_an_uncommitted_one_gets_its_attempt_or_is_refused(app, db, lan, villages,
                                                                                   same_person):
    second_id = lan.id if same_person else make_resident(db, villages[0], "+84987654321", name="Trần Văn Bình").id
    first_attempt = {}

    def first(session):
        first_attempt["id"] = submit_quiz(session, session.get(User, lan.id), "alpha", key="same-key").id

    outcome = race(app, db, "quiz_attempts", first,
                   lambda session: submit_quiz(session, session.get(User, second_id), "alpha", key="same-key").id)
    if same_person:
        assert outcome == {"returned": first_attempt["id"]}
    else:
        assert isinstance(outcome.get("error"), services.IdempotencyKeyTaken), outcome
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1
    picked = picks(course(db, "alpha").current_quiz)
    assert db.scalar(select(func.count(AttemptAnswer.id))) == sum(len(choices) for choices in picked.values())
    assert db.scalar(select(CourseActivity.first_attempts)) == 1


def test_two_registrations_of_one_phone_at_once_make_one_account(app, db, villages):
    def registration(name):
        return Registration(full_name=name, phone="+84912345678", birth_date=date(1975, 3, 25), sex="female",
                            village_id=villages[0], password=PASSWORD, notice_version="2026-01")

    outcome = race(app, db, "users", lambda session: register_resident(session, registration("Nguyễn Thị Lan")),
                   lambda session: register_resident(session, registration("Trần Thị Hoa")).id)
    assert isinstance(outcome.get("error"), Refused), outcome
    assert [p.code for p in outcome["error"].problems] == ["phone_taken"]
    assert db.scalars(select(User.full_name)).all() == ["Nguyễn Thị Lan"]
    assert db.scalar(select(func.count(ConsentRecord.id))) == 1
