"""On SQLite the threads of one process take turns to write (elearn.db._queue_writers): a turn is
always given back, however the transaction ends, so nobody waits behind a finished request."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update

from elearn.models import Unit


@pytest.fixture
def sessions(app):
    if app.extensions["elearn_engine"].dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL lets transactions write side by side")
    return app.extensions["elearn_sessionmaker"]


def write_in_another_thread(sessions, name: str) -> bool:
    """Whether another thread could write (and commit) within 5 s."""
    done = threading.Event()

    def write():
        with sessions() as session:
            session.execute(update(Unit).values(name=name))
            session.commit()
        done.set()

    threading.Thread(target=write, daemon=True).start()
    return done.wait(timeout=5)


@pytest.mark.parametrize("ending", ["commit", "rollback", "close", "error"])
def test_a_turn_is_given_back_however_the_transaction_ends(app, villages, sessions, ending):
    session = sessions()
    session.execute(update(Unit).values(name="Thôn Một"))
    if ending == "commit":
        session.commit()
    elif ending == "rollback":
        session.rollback()
    elif ending == "error":
        with pytest.raises(Exception):  # noqa: B017 - any failure of the statement
            session.execute(select(func.no_such_function()))
        session.rollback()
    session.close()
    assert write_in_another_thread(sessions, "Thôn Hai")
    with sessions() as check:
        assert set(check.scalars(select(Unit.name).where(Unit.kind == "village"))) == {"Thôn Hai"}


def test_a_second_writer_waits_its_turn_and_then_writes(app, villages, sessions):
    first = sessions()
    first.execute(update(Unit).values(name="Thôn Một"))
    done = threading.Event()

    def second():
        with sessions() as session:
            session.execute(update(Unit).values(name="Thôn Hai"))
            session.commit()
        done.set()

    threading.Thread(target=second, daemon=True).start()
    assert not done.wait(timeout=1)  # queued behind the first, not failing
    first.commit()
    first.close()
    assert done.wait(timeout=5)
