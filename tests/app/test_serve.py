"""`elearn serve`: no database connection is opened in the gunicorn master and inherited by a worker.

The master prepares the database (migrations, courses) before it forks; a connection left open there
would be shared by every worker (SQLite forbids using one across fork; on PostgreSQL it sat "idle in
transaction" holding locks, and stops hung). The test looks at the real processes' open files.
"""
from __future__ import annotations

import http.client
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks._harness import Database, Server
from tests.conftest import FIXTURE_COURSES


def postgres_sockets() -> set[str]:
    """Inodes of this machine's TCP connections to port 5432."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[2].endswith(":1538"):  # the remote port, 5432 in hex
                inodes.add(fields[9])
    return inodes


def database_handles(pid: int, database: Database) -> set[str]:
    """The open files of `pid` that are the database: its SQLite files, or sockets to PostgreSQL."""
    found = set()
    sockets = postgres_sockets() if database.kind == "postgresql" else set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if database.kind == "sqlite" and target.startswith(database.name):
            found.add(target)
        elif target.startswith("socket:[") and target[8:-1] in sockets:
            found.add(target)
    return found


def test_no_connection_is_opened_before_the_workers_fork(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        database = Database("sqlite", tmp_path)
    else:
        parsed = make_url(database_url)
        database = Database("postgresql", tmp_path, parsed.set(database="postgres").render_as_string(
            hide_password=False), f"{parsed.database}_serve")
    database.create()
    server = Server(database, tmp_path, workers=2, courses=FIXTURE_COURSES)
    try:
        server.start()
        for _ in range(6):  # the workers answer from their own connections
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            connection.request("GET", "/healthz")
            assert connection.getresponse().status == 200
            connection.close()
        master, *workers = server.pids()
        assert len(workers) == 2
        in_master = database_handles(master, database)
        in_workers = [database_handles(pid, database) for pid in workers]
        assert any(in_workers), "the check must see the workers' own connections"
        assert in_master == set(), f"the master holds {in_master}, and every worker inherited it"
        if database.kind == "postgresql":  # no connection shared between two workers either
            assert not set.intersection(*in_workers)
    finally:
        server.stop()
        database.drop()
