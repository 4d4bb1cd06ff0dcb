"""Declarative base, engine, and one unit of work per request or CLI command.

Services add and flush; they never commit. The request commits once, after the view returned a
response and before it is sent (so a failed commit is a 500, never a false "saved"); an error page
rolls back first. A CLI command commits once through `transactional`.
"""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app, g
from sqlalchemy import Executable, MetaData, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        _queue_writers(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _queue_writers(engine: Engine) -> None:
    """SQLite lets one transaction write at a time and makes the others retry after growing sleeps
    (1 to 100 ms). Under load a thread holding the write lock also waits for the GIL, so those sleeps
    made the slowest quiz posts take seconds. Threads of one process therefore take turns on a lock
    from their first write to their commit or rollback: they queue instead of sleeping."""
    gate = threading.RLock()
    holders: set[int] = set()  # the DBAPI connections that hold a turn

    @event.listens_for(engine, "before_cursor_execute")
    def _take_turn(connection, _cursor, statement, _parameters, _context, _executemany):
        key = id(connection.connection.dbapi_connection)
        if key not in holders and statement.lstrip()[:6].upper() in _WRITES:
            gate.acquire()
            holders.add(key)

    def _done(dbapi_connection) -> None:
        if id(dbapi_connection) in holders:
            holders.discard(id(dbapi_connection))
            gate.release()

    event.listen(engine, "commit", lambda connection: _done(connection.connection.dbapi_connection))
    event.listen(engine, "rollback", lambda connection: _done(connection.connection.dbapi_connection))
    # However a transaction ends, its connection goes back to the pool: never keep the turn past that.
    event.listen(engine.pool, "checkin", lambda dbapi_connection, _record: _done(dbapi_connection))


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def create_private_sqlite_file(url: str) -> None:
    """A new SQLite database file readable by its owner only (0600): it holds residents' phone
    numbers and birth dates. SQLite gives its -wal and -shm files the database file's mode, so
    they are private too. An existing file is left as it is."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["elearn_engine"] = engine
    app.extensions["elearn_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def commit_after_each_request(app: Flask) -> None:
    """Registered last in create_app, so it runs first among the after-request hooks: no later
    hook (headers, compression) can trigger a flush of the request's writes by reading."""
    app.after_request(_commit_request)


def db_session() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["elearn_sessionmaker"]()
    return g.db_session


def db_connection() -> Connection:
    """The request's connection, for plain statements that need nothing from the ORM."""
    return db_session().connection()


def discard_request_changes() -> None:
    """Called by the error pages: nothing the failed request wrote is kept, and the error page
    itself can still read from a session that a failed write left unusable."""
    g.db_rollback_only = True
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _commit_request(response):
    session = g.get("db_session")
    if session is not None and not g.get("db_rollback_only"):
        session.commit()
    return response


def close_session() -> None:
    session = g.pop("db_session", None)
    g.pop("db_rollback_only", None)
    if session is not None:
        session.close()  # rolls back whatever was not committed


def _close_session(_exc: BaseException | None) -> None:
    close_session()


def transactional(command: Callable) -> Callable:
    """A CLI command is one unit of work: committed when it returns, rolled back when it fails
    (a problem exit through sys.exit included)."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any):
        session = db_session()
        try:
            result = command(*args, **kwargs)
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return result

    return wrapped


def changed_rows(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE changed (Session.execute is typed as returning any Result;
    for these statements it is a CursorResult, which counts them)."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def insert_new(session: Session, model: Any, values: dict[str, Any], unique: tuple[str, ...]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING: the new row's id, or None when `unique` already exists.

    Two requests racing to create the same row (a double tap) never fail the transaction, on
    SQLite or PostgreSQL, and no savepoint is needed.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(model).values(**values)
                 .on_conflict_do_nothing(index_elements=list(unique)).returning(model.id))
    return session.execute(statement).scalar()


def add_to_counters(session: Session, model: type[Base], rows: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    """Add each row's numbers to the counter row with the same `keys`, creating it at zero first:
    one INSERT ... ON CONFLICT DO UPDATE for all rows, safe when two requests count at once."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(rows)
    counted = [name for name in rows[0] if name not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: getattr(model, name) + getattr(statement.excluded, name) for name in counted})
    session.execute(statement)
