"""`elearn serve` as an operator runs it: real gunicorn processes, looked at through /proc.

No database connection is opened in the gunicorn master and inherited by a worker: the master
prepares the database (migrations, courses) before it forks; a connection left open there would be
shared by every worker (SQLite forbids using one across fork; on PostgreSQL it sat "idle in
transaction" holding locks, and stops hung). Several workers by default, sharing the sign-in
slowdowns; a stop under load (kept-alive connections, a client stalled halfway through its request)
takes a few seconds and leaves no process and no database session behind.
"""
from __future__ import annotations

import contextlib
import http.client
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks._harness import Database, Server
from elearn.auth.throttle import SLOWDOWNS
from elearn.wsgi_server import GRACEFUL_TIMEOUT, cores, default_workers
from tests.conftest import FIXTURE_COURSES

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def scratch(database_url, tmp_path):
    """A new database of the kind the suite runs on (a SQLite file, or a PostgreSQL database)."""
    if database_url.startswith("sqlite"):
        database = Database("sqlite", tmp_path)
    else:
        parsed = make_url(database_url)
        database = Database("postgresql", tmp_path, parsed.set(database="postgres").render_as_string(
            hide_password=False), f"{parsed.database}_serve")
    database.create()
    yield database
    database.drop()


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
        if ((database.kind == "sqlite" and target.startswith(database.name))
                or (target.startswith("socket:[") and target[8:-1] in sockets)):
            found.add(target)
    return found


def test_no_connection_is_opened_before_the_workers_fork(scratch, tmp_path):
    database = scratch
    server = Server(database, tmp_path, workers=2, courses=FIXTURE_COURSES)
    try:
        server.start()
        for _ in range(6):  # the workers answer from their own connections
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            connection.request("GET", "/healthz")
            assert connection.getresponse().status == 200
            connection.close()
        # gunicorn starts its workers one after the other: on a busy machine the second may still be
        # on its way when the first has answered.
        workers = wait_for_workers(server, 2)
        assert len(workers) == 2
        master = server.process.pid
        in_master = database_handles(master, database)
        in_workers = [database_handles(pid, database) for pid in workers]
        assert any(in_workers), "the check must see the workers' own connections"
        assert in_master == set(), f"the master holds {in_master}, and every worker inherited it"
        if database.kind == "postgresql":  # no connection shared between two workers either
            assert not set.intersection(*in_workers)
    finally:
        server.stop()


class Browser:
    """One browser's cookies, shared by its kept-alive connections (each served by one worker)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connections: list[http.client.HTTPConnection] = []

    def connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.connections.append(connection)
        connection.connect()
        return connection

    def close(self) -> None:
        for connection in self.connections:
            connection.close()

    def request(self, connection, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> http.client.HTTPResponse:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.text = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def sign_in(self, connection, phone: str, password: str) -> int:
        return self.sign_in_answer(connection, phone, password).status

    def sign_in_answer(self, connection, phone: str, password: str) -> http.client.HTTPResponse:
        page = self.request(connection, "GET", "/sign-in").text.decode()
        token = CSRF.search(page).group(1)
        return self.request(connection, "POST", "/sign-in", {"phone": phone, "password": password, "csrf_token": token})

    def shown_again(self, connection, answer: http.client.HTTPResponse) -> str:
        """A refused form (Post/Redirect/Get): 303 back to the form, whose page shows the message."""
        assert answer.status == 303, answer.status
        page = self.request(connection, "GET", answer.getheader("Location"))
        assert page.status == 200, page.status
        return page.text.decode()


def serving_worker(server: Server, connection: http.client.HTTPConnection) -> int:
    """The worker process holding the server's end of `connection`."""
    client_port = connection.sock.getsockname()[1]
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{server.port:04X}") and fields[2].endswith(f":{client_port:04X}"):
            inodes.add(f"socket:[{fields[9]}]")
    for pid in server.pids()[1:]:  # the workers
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if str(fd.readlink()) in inodes:
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker holds the connection from port {client_port}")


def wait_for_workers(server: Server, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while len(server.pids()) - 1 < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return server.pids()[1:]


def test_serve_runs_workers_per_core_by_default_and_keeps_connections_open(scratch, tmp_path, monkeypatch):
    # README, `elearn serve`: one per core on SQLite, two on PostgreSQL, at least 2, at most 8.
    assert [default_workers(n, "sqlite:///x") for n in (1, 2, 3, 4, 16)] == [2, 2, 3, 4, 8]
    assert [default_workers(n, "postgresql+psycopg://x/y") for n in (1, 2, 3, 4, 16)] == [2, 4, 6, 8, 8]
    monkeypatch.delenv("ELEARN_WORKERS", raising=False)
    server = Server(scratch, tmp_path, courses=FIXTURE_COURSES)  # no --workers
    browser = Browser(server.port)
    expected = default_workers(cores(), scratch.url)
    try:
        server.start()
        assert len(wait_for_workers(server, expected)) == expected
        connection = browser.connect()
        first = browser.request(connection, "GET", "/sign-in", headers={"Accept-Encoding": "gzip"})
        assert first.status == 200 and first.getheader("Content-Encoding") == "gzip"
        worker = serving_worker(server, connection)
        time.sleep(3)  # gunicorn's own default closes a connection idle for 2 s
        again = browser.request(connection, "GET", "/sign-in", headers={"Accept-Encoding": "gzip"})
        assert again.status == 200 and serving_worker(server, connection) == worker
    finally:
        browser.close()
        server.stop()


def test_a_slowdown_earned_through_one_worker_holds_in_the_other(scratch, tmp_path):
    server = Server(scratch, tmp_path, workers=2, courses=FIXTURE_COURSES)
    browser = Browser(server.port)
    try:
        server.start()
        wait_for_workers(server, 2)
        by_worker: dict[int, http.client.HTTPConnection] = {}
        for _ in range(200):  # connections until each worker serves one (which worker accepts is luck)
            connection = browser.connect()
            browser.request(connection, "GET", "/healthz")
            by_worker.setdefault(serving_worker(server, connection), connection)
            if len(by_worker) == 2:
                break
        assert len(by_worker) == 2, "every connection went to the same worker"
        connections = list(by_worker.values())
        statuses = []
        for attempt in range(SLOWDOWNS["phone"].free + 2):
            connection = connections[attempt % 2]
            answer = browser.sign_in_answer(connection, "0912345678", "doan mat khau sai")
            statuses.append(answer.status)
            if answer.status == 303:  # refused: the form again, with the message by the password
                assert answer.getheader("Location") == "/sign-in"
                assert "mật khẩu chưa đúng" in browser.shown_again(connection, answer)
        # Half the failures were counted by each worker: counted apart, neither would slow anyone down.
        assert statuses == [303] * (SLOWDOWNS["phone"].free + 1) + [429]
        assert {serving_worker(server, connection) for connection in connections} == set(by_worker)
    finally:
        browser.close()
        server.stop()


def database_sessions(database: Database) -> int:
    """Connections to the scratch PostgreSQL database other than this one."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(database.admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                                      {"name": database.name}).scalar()
    finally:
        engine.dispose()


def test_serve_stops_within_seconds_under_load_and_leaves_nothing_behind(scratch, tmp_path):
    server = Server(scratch, tmp_path, workers=2, courses=FIXTURE_COURSES)
    idle_browser, browsers = Browser(server.port), []
    try:
        server.start()
        processes = [server.process.pid, *wait_for_workers(server, 2)]
        idle = [idle_browser.connect() for _ in range(6)]  # kept alive after one page each
        for connection in idle:
            assert idle_browser.request(connection, "GET", "/sign-in").status == 200
        # A phone on a weak signal, stalled halfway through the body of its sign-in.
        stalled = socket.create_connection(("127.0.0.1", server.port))
        browsers.append(stalled)
        stalled.sendall(b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-"
                        b"urlencoded\r\nContent-Length: 200\r\n\r\nphone=0912")
        answers: list[int] = []
        stop = threading.Event()

        def residents_signing_in() -> None:
            browser = Browser(server.port)
            browsers.append(browser)
            while not stop.is_set():
                # Once the server stops listening, a browser shows "cannot connect".
                with contextlib.suppress(OSError, http.client.HTTPException, AttributeError):
                    answers.append(browser.sign_in(browser.connect(), "0987654321", "doan mat khau sai"))
        load = [threading.Thread(target=residents_signing_in) for _ in range(4)]
        for thread in load:
            thread.start()
        deadline = time.monotonic() + 60
        while len(answers) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(answers) >= 8, "the load never got going"
        took = server.stop()
        stop.set()
        for thread in load:
            thread.join(timeout=60)
        # The stalled client is cut off after the grace period; a busy machine needs a few seconds more.
        assert took is not None and took <= GRACEFUL_TIMEOUT + 6, f"elearn serve took {took} s to stop"
        assert all(status < 500 for status in answers), answers
        deadline = time.monotonic() + 5
        while any(Path(f"/proc/{pid}").exists() for pid in processes) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in processes if Path(f"/proc/{pid}").exists()], "a worker outlived the stop"
        if scratch.kind == "postgresql":
            deadline = time.monotonic() + 5
            while database_sessions(scratch) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert database_sessions(scratch) == 0, "a session outlived the server"
    finally:
        for each in [idle_browser, *browsers]:
            each.close()
        server.stop()
