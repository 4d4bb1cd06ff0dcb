"""Two submissions of one quiz form at the same moment (a double tap on two connections): the second
reaches its INSERT while the first is still uncommitted, so its early look-up found nothing and only
the unique key can stop it. That branch of submit_attempt runs here, with two real sessions: on
PostgreSQL the second INSERT waits for the first one's key, on SQLite for the write lock."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, func, select, text

from elearn.learn import services
from elearn.models import AttemptAnswer, CourseActivity, QuizAttempt, User
from tests.app.trainers import make_resident
from tests.services.conftest import course, picks, submit_quiz


def _held_at_its_insert(db, reached_insert: threading.Event, racer: threading.Thread) -> bool:
    """The second submission has sent its INSERT and waits on the first one's transaction."""
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


@pytest.mark.parametrize("same_person", [True, False], ids=["double-tap", "someone-elses-key"])
def test_a_submission_racing_an_uncommitted_one_gets_its_attempt_or_is_refused(app, db, lan, villages, same_person):
    second_user_id = lan.id if same_person else make_resident(db, villages[0], "+84987654321", name="Trần Văn Bình").id
    sessions = app.extensions["elearn_sessionmaker"]
    first = sessions()
    attempt = submit_quiz(first, first.get(User, lan.id), "alpha", key="same-key")  # flushed, not committed
    outcome = {}
    reached_insert = threading.Event()

    def watch(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO QUIZ_ATTEMPTS"):
            reached_insert.set()

    engine = app.extensions["elearn_engine"]
    event.listen(engine, "before_cursor_execute", watch)

    def second_submission():
        with sessions() as second:
            try:
                racing = submit_quiz(second, second.get(User, second_user_id), "alpha", key="same-key")
                outcome["attempt_id"] = racing.id
                second.commit()
            except Exception as error:  # reported below, in the test's own thread
                outcome["error"] = error

    racer = threading.Thread(target=second_submission)
    racer.start()
    try:
        assert _held_at_its_insert(db, reached_insert, racer), f"the second did not wait for the first: {outcome}"
        first.commit()
        racer.join(timeout=30)
    finally:
        first.close()
        event.remove(engine, "before_cursor_execute", watch)
    assert not racer.is_alive()
    if same_person:
        assert outcome == {"attempt_id": attempt.id}
    else:
        assert isinstance(outcome.get("error"), services.IdempotencyKeyTaken), outcome
    db.expire_all()
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1
    picked = picks(course(db, "alpha").current_quiz)
    assert db.scalar(select(func.count(AttemptAnswer.id))) == sum(len(choices) for choices in picked.values())
    assert db.scalar(select(CourseActivity.first_attempts)) == 1
