"""Rate-limit and sign-in slowdown counters shared by every worker of one machine, in a SQLite file.

Decision (issue 11): `elearn serve` runs several gunicorn workers by default, and the counters
(Flask-Limiter's fixed windows, elearn.auth.throttle's failures and waits) must be one count for the
machine, not one per worker, or every limit is multiplied by the worker count. Without Redis
(ELEARN_REDIS_URL, the province tier) they live in `limits.sqlite` in the instance folder, read and
written by every worker. Chosen over the alternatives by correctness first, then simplicity:
- each increment is one SQL statement (an upsert returning the new value) that SQLite runs under its
  write lock: atomic across processes and threads, like Redis's INCRBY; expiry is a stored instant
  compared with `time.time()` (so a test's moved clock moves it too), `clear` a DELETE;
- memory per worker with limits divided by the worker count is wrong whenever the requests of one
  phone land unevenly on the workers (gunicorn does not spread them evenly): a guesser gets more
  tries, a resident is slowed too soon; and a restart forgets every wait;
- requiring Debian's redis-server on a commune box is one more service to install, watch and
  secure, for counters that need a few hundred writes a minute at most;
- the counters are not in the site's database: on SQLite they would queue behind quiz writes for
  the one write lock, on PostgreSQL they would need a migration and add writes to the shared server.
It is used whenever there is no Redis, with one worker too: the app is built before `serve` knows
its worker count, and one code path is the one tested. WAL with synchronous=NORMAL: a power cut may
forget the last increments (a few free tries), never corrupt the file. Nothing here survives being
copied between machines, and nothing needs to: a lost file only forgets waits of a minute or less.

Only what the fixed-window strategy and elearn.auth.throttle use: incr, get, get_expiry, clear,
reset, check. A connection per thread and per process (a forked worker never uses its parent's).
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from limits.storage import Storage

SCHEME = "elearn+sqlite"
PURGE_EVERY = 60.0  # seconds between deletions of expired counters (per process)
SETUP_WAIT = 10.0  # seconds a worker waits for another's lock, on opening and on every statement

_SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL) WITHOUT ROWID"""
# A counter past its expiry starts again from `amount`, with a new expiry (as Redis would after the
# key expired): the first increment of a window sets when the window ends.
_INCREMENT = """INSERT INTO counters (key, value, expires) VALUES (:key, :amount, :expires)
    ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN counters.expires <= :now THEN excluded.value ELSE counters.value + excluded.value END,
        expires = CASE WHEN counters.expires <= :now THEN excluded.expires ELSE counters.expires END
    RETURNING value"""


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """WAL is kept in the file, so only the first opening switches; but that switch answers "database
    is locked" at once, without SQLite's busy wait, while another worker holds a lock (two workers
    starting together on a new file: seen in CI). So it is retried here for as long as a statement
    would wait."""
    deadline = time.monotonic() + SETUP_WAIT
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def uri_for(folder: str | Path) -> str:
    return f"{SCHEME}://{quote(str(Path(folder).resolve() / 'limits.sqlite'))}"


class SQLiteLimitStorage(Storage):
    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (limits' registry reads this list when the class is made)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self.path = unquote(urlparse(uri).path) if uri else ""
        if not self.path:
            raise ValueError(f"{SCHEME}:// needs the file's absolute path, e.g. {SCHEME}:///var/lib/elearn/limits.sqlite")
        self._local = threading.local()
        self._last_purge = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            _create_private(Path(self.path))
            # Autocommit: each statement is its own short transaction; wait for another worker's.
            local.connection = sqlite3.connect(self.path, timeout=SETUP_WAIT, isolation_level=None)
            _switch_to_wal(local.connection)
            local.connection.execute("PRAGMA synchronous=NORMAL")
            local.connection.execute(_SCHEMA)
            local.pid = os.getpid()
        return local.connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        value = connection.execute(_INCREMENT, {"key": key, "amount": amount, "expires": now + expiry,
                                                "now": now}).fetchone()[0]
        if now - self._last_purge > PURGE_EVERY:
            self._last_purge = now
            connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return value

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._connection().execute(
            "SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now)).fetchone()
        return row[0] if row else now

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False


def _create_private(path: Path) -> None:
    """The file names phones and addresses: its owner's only (SQLite gives -wal and -shm its mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
