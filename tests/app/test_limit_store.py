"""The rate-limit counters every worker of one machine shares without Redis (elearn.limit_store):
one count whichever process counts, windows that end, a slowdown earned through one worker that
holds in another. `tests/app/test_serve.py` checks the same through a real `elearn serve`."""
from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import threading
import time
from contextlib import closing
from urllib.parse import unquote, urlparse

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from elearn import create_app
from elearn.auth.throttle import SLOWDOWNS, Throttle, sign_in_counters
from elearn.extensions import limiter
from elearn.limit_store import SQLiteLimitStorage, uri_for

ROUNDS = 300


def _count(uri: str, start, values) -> None:
    storage = SQLiteLimitStorage(uri)
    start.wait()
    values.put([storage.incr("shared", 600) for _ in range(ROUNDS)])


def test_two_processes_counting_the_same_key_see_one_count(tmp_path):
    uri = uri_for(tmp_path)
    context = multiprocessing.get_context("spawn")  # two fresh interpreters, as two workers
    start, values = context.Event(), context.Queue()
    processes = [context.Process(target=_count, args=(uri, start, values)) for _ in range(2)]
    for process in processes:
        process.start()
    start.set()
    seen = values.get(timeout=120) + values.get(timeout=120)
    for process in processes:
        process.join(timeout=30)
    # Every increment answered with a value no other got: none lost, none counted twice.
    assert sorted(seen) == list(range(1, 2 * ROUNDS + 1))
    assert SQLiteLimitStorage(uri).get("shared") == 2 * ROUNDS


def test_a_worker_opening_the_file_while_another_writes_waits_instead_of_failing(tmp_path):
    # Two workers starting together on a new file: the second's switch to WAL met the first's lock
    # and failed at once with "database is locked" (SQLite does not busy-wait for that switch).
    uri = uri_for(tmp_path)
    other = sqlite3.connect(unquote(urlparse(uri).path), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(0.5, other.execute, ("COMMIT",))
    releaser.start()
    try:
        assert SQLiteLimitStorage(uri).incr("opened", 60) == 1
    finally:
        releaser.join()
        other.close()


def test_a_window_ends_and_starts_again_from_one(tmp_path, clock):
    storage = SQLiteLimitStorage(uri_for(tmp_path))
    assert storage.incr("window", 60) == 1
    assert storage.incr("window", 60) == 2
    ends = storage.get_expiry("window")
    assert ends == pytest.approx(time.time() + 60, abs=1)
    clock(59)
    assert storage.get("window") == 2 and storage.get_expiry("window") == ends  # later hits do not extend it
    clock(2)
    assert storage.get("window") == 0
    assert storage.incr("window", 60) == 1
    assert storage.get_expiry("window") == pytest.approx(time.time() + 60, abs=1)


def test_clear_forgets_one_key_and_reset_forgets_all(tmp_path):
    storage = SQLiteLimitStorage(uri_for(tmp_path))
    for key in ("a", "a", "b"):
        storage.incr(key, 60)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 1)
    assert storage.reset() == 1
    assert storage.get("b") == 0 and storage.check()


def test_expired_counters_are_deleted_from_the_file(tmp_path, clock):
    storage = SQLiteLimitStorage(uri_for(tmp_path))
    for who in range(50):
        storage.incr(f"address/{who}", 60)
    clock(3600)
    storage.incr("later", 60)
    with closing(sqlite3.connect(tmp_path / "limits.sqlite")) as connection:
        assert connection.execute("SELECT count(*) FROM counters").fetchone()[0] == 1


def test_a_fixed_window_limit_is_one_limit_for_two_workers(tmp_path):
    first, second = SQLiteLimitStorage(uri_for(tmp_path)), SQLiteLimitStorage(uri_for(tmp_path))
    item = parse("5 per minute")
    hits = [FixedWindowRateLimiter(storage).hit(item, "quiz", "127.0.0.9") for storage in (first, second) * 4]
    assert hits == [True] * 5 + [False] * 3


def test_a_slowdown_earned_through_one_worker_holds_in_the_other(tmp_path):
    counters = sign_in_counters("0912345678", "127.0.0.9", None)
    first = Throttle(SQLiteLimitStorage(uri_for(tmp_path)))
    second = Throttle(SQLiteLimitStorage(uri_for(tmp_path)))
    for attempt in range(SLOWDOWNS["phone"].free + 1):  # the failures land on one worker, then the other
        (first, second)[attempt % 2].failed("sign-in", counters)
    assert first.wait("sign-in", counters) == second.wait("sign-in", counters) > 0
    second.forget("sign-in", counters)  # the right password, on the other worker
    assert first.wait("sign-in", counters) == 0


def test_without_redis_the_app_counts_in_a_private_file_in_its_instance_folder(app, tmp_path):
    folder = tmp_path / "instance"
    built = create_app({key: app.config[key] for key in ("SECRET_KEY", "DATABASE_URL", "COURSES_PATH")}
                       | {"INSTANCE_PATH": str(folder), "REDIS_URL": None})
    try:
        with built.app_context():
            assert isinstance(limiter.storage, SQLiteLimitStorage)
            limiter.storage.incr("probe", 60)
        assert stat.S_IMODE(os.stat(folder / "limits.sqlite").st_mode) == 0o600
    finally:
        built.extensions["elearn_engine"].dispose()
