"""What load.py and faults.py share: a scratch database, a real `elearn serve`, and simulated residents.

A resident is a phone with its own loopback address (127.x.y.z, as each phone has its own address,
so per-address limits apply to it alone), its own cookies and a keep-alive connection. It registers
or signs in through the real forms (CSRF tokens parsed from the HTML), reads lessons and submits
quizzes with the form's idempotency key, sometimes twice at once (a double tap). Every request is
timed per endpoint; every quiz submission is remembered, answered (303) or not, so that the
database can be checked afterwards: each acknowledged attempt stored exactly once.
"""
from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ELEARN = Path(sys.executable).parent / "elearn"
PASSWORD = "gio thoi qua dong lua 2025"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HIDDEN = re.compile(r'<input id="(idempotency_key|quiz_version_id)" name="\1" type="hidden" value="([^"]*)"')
VILLAGE = re.compile(r'<option value="([1-9]\d*)"')
COURSE_LINK = re.compile(r'href="/courses/([a-z0-9-]+)"')
QUESTION = re.compile(r'<input type="(radio|checkbox)" name="(q\d+)" value="(\d+)"')


def add_server_options(parser) -> None:
    """The database and `elearn serve` options every load script takes."""
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("ELEARN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="A PostgreSQL server to create the scratch database on (default: %(default)s).")
    parser.add_argument("--db-prefix", default="elearn_bench", help="Name of the scratch database: PREFIX_<random>.")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: what `elearn serve` chooses).")
    parser.add_argument("--threads", type=int, help="Threads per worker (default: what `elearn serve` chooses).")


def stop_gracefully(process: subprocess.Popen | None, timeout: float) -> float | None:
    """SIGTERM to a server's master, as an operator or systemd stops it: the seconds it took, or None
    when it had to be killed (its whole process group) after `timeout`."""
    if process is None or process.poll() is not None:
        return 0.0
    started = time.monotonic()
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None
    return time.monotonic() - started


def log(message: str) -> None:
    print(message, flush=True)


def verdict(failures: list[str]) -> int:
    """Print each failure and OK or FAILED; the exit status."""
    for failure in failures:
        log(f"FAIL: {failure}")
    log("OK" if not failures else "FAILED")
    return 1 if failures else 0


# --------------------------------------------------------------------------- the database


class Database:
    """A new SQLite file in `folder`, or a new PostgreSQL database on the server of `admin_url`
    named `<prefix>_<random>` (created here and dropped by `drop`)."""

    def __init__(self, kind: str, folder: Path, admin_url: str = DEFAULT_POSTGRES, prefix: str = "elearn_bench"):
        self.kind = kind
        self.admin_url = admin_url
        if kind == "sqlite":
            self.name = str(folder / "elearn.sqlite")
            self.url = f"sqlite:///{self.name}"
        else:
            self.name = f"{prefix}_{secrets.token_hex(4)}"
            self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def _admin(self, statement: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()

    def create(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def engine(self):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        return create_engine(self.url, poolclass=NullPool)

    def attempt_counts(self) -> dict[str, int]:
        """Stored quiz attempts: {idempotency key: rows with it}."""
        from sqlalchemy import text

        with self.engine().connect() as connection:
            rows = connection.execute(text(
                "SELECT idempotency_key, count(*) FROM quiz_attempts GROUP BY idempotency_key")).all()
        return dict(rows)

    def attempts_without_answers(self) -> int:
        """Attempts stored without their answers: a partial write."""
        from sqlalchemy import text

        with self.engine().connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM quiz_attempts a WHERE NOT EXISTS "
                "(SELECT 1 FROM attempt_answers b WHERE b.attempt_id = a.id)")).scalar()

    def integrity_problems(self) -> list[str]:
        """SQLite: `PRAGMA integrity_check` and `foreign_key_check`. PostgreSQL: every B-tree index
        checked against its table (amcheck's bt_index_check) and every foreign key with a target."""
        from sqlalchemy import text

        problems: list[str] = []
        with self.engine().connect() as connection:
            if self.kind == "sqlite":
                found = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check").all()]
                if found != ["ok"]:
                    problems += [f"integrity_check: {line}" for line in found]
                problems += [f"foreign_key_check: {row}" for row in
                             connection.exec_driver_sql("PRAGMA foreign_key_check").all()]
                return problems
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            indexes = connection.execute(text(
                "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = 'public'")).all()
            for oid, name in indexes:
                try:
                    connection.execute(text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
                except Exception as error:  # report every broken index, not the first
                    problems.append(f"index {name}: {error}")
            keys = connection.execute(text(
                "SELECT conrelid::regclass::text, a.attname, confrelid::regclass::text, af.attname "
                "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
                "WHERE c.contype = 'f' AND cardinality(c.conkey) = 1")).all()
            for table, column, target, target_column in keys:
                orphans = connection.execute(text(
                    f'SELECT count(*) FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM {target} r WHERE r."{target_column}" = t."{column}")')).scalar()
                if orphans:
                    problems.append(f"{table}.{column}: {orphans} row(s) point at nothing in {target}")
            connection.commit()
        return problems


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`elearn serve` in its own process group, as an operator starts it (migrations, courses,
    gunicorn), on `database`, with its instance folder (secret key) in `folder`."""

    def __init__(self, database: Database, folder: Path, workers: int | None = None, threads: int | None = None,
                 courses: Path | None = None):
        self.database = database
        self.folder = folder
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        self.courses = courses
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def environment(self) -> dict:
        env = {**os.environ, "ELEARN_INSTANCE_PATH": str(self.folder), "ELEARN_DATABASE_URL": self.database.url,
               "ELEARN_ADMIN_PASSWORD": "quan tri may chu thu nghiem"}
        env.pop("ELEARN_REDIS_URL", None)
        if self.courses:
            env["ELEARN_COURSES_PATH"] = str(self.courses)
        return env

    def start(self, timeout: float = 60) -> float:
        """Start and wait until /healthz answers 200; the seconds it took."""
        command = [str(ELEARN), "serve", "--port", str(self.port)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        if self.threads:
            command += ["--threads", str(self.threads)]
        self.starts += 1
        started = time.monotonic()
        with (self.folder / f"serve-{self.starts}.log").open("wb") as output:
            self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.environment(), stdout=output,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"elearn serve exited with {self.process.returncode}: see {self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"elearn serve did not answer /healthz within {timeout:.0f} s\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        text = (self.folder / f"serve-{self.starts}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def pids(self) -> list[int]:
        """The master and every process under it (the gunicorn workers)."""
        if self.process is None or self.process.poll() is not None:
            return []
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(parent, []).append(int(entry.name))
        found, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop()
            found.append(pid)
            queue += children.get(pid, [])
        return found

    def kill9(self) -> list[int]:
        """SIGKILL to the master and every worker at once (their process group): no clean-up runs."""
        pids = self.pids()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in pids):
            if time.monotonic() > deadline:
                raise SystemExit(f"server processes outlived kill -9: {pids}")
            time.sleep(0.05)
        return pids

    def stop(self, timeout: float = 40) -> float | None:
        """SIGTERM to the master, as an operator or systemd stops it: the seconds it took, or None
        when it had to be killed after `timeout`."""
        return stop_gracefully(self.process, timeout)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"


# --------------------------------------------------------------------------- measuring


class ServerGone(Exception):
    """No answer: the connection was refused or dropped before a response came."""


@dataclass
class Submission:
    """One quiz form sent: its key, the resident's cookies and body (to replay), and what came back."""
    key: str
    path: str
    body: str
    cookies: dict
    source: str
    attempt: str | None = None  # the result page it was answered with (303 Location)


@dataclass
class Figures:
    """Everything the residents saw, shared between their threads."""
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    outage_failures: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> attempt path
    unacknowledged: list[Submission] = field(default_factory=list)
    double_taps: int = 0
    double_taps_split: list[str] = field(default_factory=list)  # taps answered with two different attempts
    signed_in: int = 0
    registered: int = 0
    stale_reconnects: int = 0
    outage: tuple[float, float] | None = None  # (killed at, answering again at), monotonic
    lock: threading.Lock = field(default_factory=threading.Lock)

    def time(self, label: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(label, []).append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def failure(self, message: str, started: float, ended: float, outage_now: bool) -> None:
        """A request without an answer: expected while the server is down (faults.py), else an error."""
        with self.lock:
            outage = self.outage
            if outage_now or (outage and started <= outage[1] and ended >= outage[0]):
                self.outage_failures += 1
            else:
                self.errors.append(message)

    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_latencies(figures: Figures, seconds: float) -> None:
    log(f"{'endpoint':<28}{'requests':>9}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for label in sorted(figures.latencies):
        values = figures.latencies[label]
        log(f"{label:<28}{len(values):>9}{len(values) / seconds:>8.1f}{percentile(values, .5) * 1000:>9.0f}"
            f"{percentile(values, .99) * 1000:>9.0f}{max(values) * 1000:>9.0f}")
    total = figures.requests()
    log(f"{'all':<28}{total:>9}{total / seconds:>8.1f}")


# --------------------------------------------------------------------------- a resident


def source_address(index: int) -> str:
    """A loopback address of its own for resident `index` (Linux answers on all of 127.0.0.0/8)."""
    return f"127.{1 + index // 62500}.{index // 250 % 250}.{index % 250 + 2}"


# A keep-alive connection idle longer than this is not used again (`elearn serve` closes idle ones
# after 75 s, ELEARN_KEEPALIVE; a browser that finds one closed sends again, which `Phone.receive`
# does too).
IDLE_REUSE = 60


class Phone:
    """One browser: cookies, keep-alive connections from its own address, every request timed."""

    def __init__(self, port: int, source: str, figures: Figures, outage: threading.Event):
        self.port = port
        self.source = source
        self.figures = figures
        self.outage = outage
        self.cookies: dict[str, str] = {}
        self.connections: list[http.client.HTTPConnection | None] = [None, None]
        self.last_used = [0.0, 0.0]

    def _connection(self, slot: int) -> tuple[http.client.HTTPConnection, bool]:
        connection = self.connections[slot]
        if connection is not None and time.monotonic() - self.last_used[slot] > IDLE_REUSE:
            connection.close()  # the server has closed it by now, or is about to
            connection = self.connections[slot] = None
        self.last_used[slot] = time.monotonic()
        if connection is not None:
            return connection, True
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60,
                                                source_address=(self.source, 0))
        self.connections[slot] = connection
        return connection, False

    def close(self) -> None:
        for slot, connection in enumerate(self.connections):
            if connection is not None:
                connection.close()
            self.connections[slot] = None

    def _headers(self, body: str | None) -> dict:
        headers = {"Accept-Encoding": "identity", "Accept-Language": "vi"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=Thu, 01 Jan 1970" in header or "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def send(self, method: str, path: str, label: str, body: str | None = None, slot: int = 0):
        """Send without waiting for the answer (a double tap sends on two connections first)."""
        started = time.monotonic()
        for attempt in range(2):
            connection, reused = self._connection(slot)
            try:
                connection.request(method, path, body=body, headers=self._headers(body))
                return started, slot
            except OSError as error:
                self.connections[slot] = None
                connection.close()
                if not reused or attempt:
                    self.figures.failure(f"{label}: {error!r}", started, time.monotonic(), self.outage.is_set())
                    raise ServerGone() from error
        raise AssertionError("unreachable")

    def receive(self, sent, label: str, body_sent: str | None = None, retry=None):
        started, slot = sent
        connection = self.connections[slot]
        try:
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.connections[slot] = None
            connection.close()
            if retry is not None and isinstance(error, (http.client.RemoteDisconnected, ConnectionResetError,
                                                        BrokenPipeError)) and not self.outage.is_set():
                # The server closed an idle keep-alive connection just as we used it: a browser
                # sends again on a new connection (safe here: GETs, and POSTs carry their key).
                with self.figures.lock:
                    self.figures.stale_reconnects += 1
                return retry()
            self.figures.failure(f"{label}: {error!r}", started, time.monotonic(), self.outage.is_set())
            raise ServerGone() from error
        self.figures.time(label, time.monotonic() - started)
        self.last_used[slot] = time.monotonic()
        self._keep_cookies(response)
        if response.getheader("Connection", "").lower() == "close":
            self.connections[slot] = None
            connection.close()
        return response.status, response.getheader("Location", ""), text

    def request(self, method: str, path: str, label: str, body: str | None = None, expect=(200,), retried=False):
        sent = self.send(method, path, label, body)
        retry = None if retried else (lambda: self.request(method, path, label, body, expect, True))
        status, location, text = self.receive(sent, label, body, retry)
        if status not in expect:
            self.figures.error(f"{label} {path}: {status} (expected {'/'.join(map(str, expect))})")
            raise UnexpectedAnswer(status)
        return status, location, text


class UnexpectedAnswer(Exception):
    pass


class Stopped(Exception):
    """The run is over: the resident leaves between two pages."""


def local_path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


class Resident:
    """One simulated resident, run in its own thread until `stop` is set."""

    def __init__(self, index: int, port: int, figures: Figures, outage: threading.Event, rng: random.Random,
                 think: float, double_tap: float):
        self.index = index
        self.port = port
        self.figures = figures
        self.outage = outage
        self.rng = rng
        self.think = think
        self.double_tap = double_tap
        self.phone_number = f"09{(index * 7919 + 1_000_000) % 100_000_000:08d}"
        self.phone = Phone(port, source_address(index), figures, outage)
        self.signed_in = False
        self.account = "no"  # "yes" once registered, "maybe" when the registration's answer was lost
        self.stop = threading.Event()

    # The pages -------------------------------------------------------------

    def register(self) -> None:
        _, _, page = self.phone.request("GET", "/register", "GET /register")
        villages = VILLAGE.findall(page)
        body = urlencode({
            "csrf_token": CSRF.search(page).group(1), "full_name": f"Người Thử Số {self.index}",
            "phone": self.phone_number, "birth_date": f"{1960 + self.index % 40}-0{1 + self.index % 9}-15",
            "sex": "female" if self.index % 2 else "male", "village_id": self.rng.choice(villages),
            "password": PASSWORD, "consent": "y"})
        try:
            self.phone.request("POST", "/register", "POST /register", body, expect=(302,))
        except ServerGone:
            self.account = "maybe"  # the server may have made it before the answer was lost
            raise
        self.account = "yes"
        self.signed_in = True
        with self.figures.lock:
            self.figures.registered += 1

    def sign_in(self) -> None:
        self.phone.cookies.pop("session", None)
        _, _, page = self.phone.request("GET", "/sign-in", "GET /sign-in")
        body = urlencode({"csrf_token": CSRF.search(page).group(1), "phone": self.phone_number,
                          "password": PASSWORD})
        status, _, _ = self.phone.request("POST", "/sign-in", "POST /sign-in", body,
                                          expect=(302, 400) if self.account == "maybe" else (302,))
        if status == 400:  # the registration whose answer was lost did not happen after all
            self.account = "no"
            return
        self.account = "yes"
        self.signed_in = True
        with self.figures.lock:
            self.figures.signed_in += 1

    def pause(self) -> None:
        if self.think:
            time.sleep(self.rng.uniform(0, 2 * self.think))
        if self.stop.is_set():
            raise Stopped()

    def visit(self) -> None:
        """The course list, one course, a few of its lessons (each read to its "next" button), and its quiz."""
        _, _, page = self.phone.request("GET", "/courses", "GET /courses")
        slugs = sorted(set(COURSE_LINK.findall(page)))
        if not slugs:
            self.figures.error("GET /courses: no course listed")
            raise UnexpectedAnswer(200)
        slug = self.rng.choice(slugs)
        self.pause()
        _, _, page = self.phone.request("GET", f"/courses/{slug}", "GET course")
        lessons = sorted(set(re.findall(rf'href="(/courses/{slug}/lessons/[^"]+)"', page)))
        for path in self.rng.sample(lessons, min(len(lessons), self.rng.randint(1, 3))):
            self.pause()
            _, _, lesson = self.phone.request("GET", path, "GET lesson")
            self.pause()  # reading; then the "next" button records the lesson as read (a POST)
            self.phone.request("POST", f"{path}/read", "POST lesson read",
                               urlencode({"csrf_token": CSRF.search(lesson).group(1)}), expect=(303,))
        if f'href="/courses/{slug}/quiz"' in page:
            self.pause()
            self.quiz(slug)

    def quiz(self, slug: str) -> None:
        path = f"/courses/{slug}/quiz"
        _, _, page = self.phone.request("GET", path, "GET quiz")
        fields = dict(HIDDEN.findall(page))
        questions: dict[str, tuple[str, list[str]]] = {}
        for kind, name, value in QUESTION.findall(page):
            questions.setdefault(name, (kind, []))[1].append(value)
        form = [("csrf_token", CSRF.search(page).group(1)), ("idempotency_key", fields["idempotency_key"]),
                ("quiz_version_id", fields["quiz_version_id"])]
        for name, (kind, values) in questions.items():
            picked = (self.rng.sample(values, self.rng.randint(1, len(values))) if kind == "checkbox"
                      else [self.rng.choice(values)])
            form += [(name, value) for value in picked]
        self.pause()
        submission = Submission(fields["idempotency_key"], path, urlencode(form), dict(self.phone.cookies),
                                self.phone.source)
        self.submit(submission, double=self.rng.random() < self.double_tap)
        if submission.attempt:
            self.pause()
            self.phone.request("GET", submission.attempt, "GET result")

    def submit(self, submission: Submission, double: bool) -> None:
        label = "POST quiz (double tap)" if double else "POST quiz"
        try:
            first = self.phone.send("POST", submission.path, label, submission.body, slot=0)
            second = self.phone.send("POST", submission.path, label, submission.body, slot=1) if double else None
            answers = [self.phone.receive(first, label)]
            if second:
                answers.append(self.phone.receive(second, label))
        except ServerGone:
            with self.figures.lock:
                self.figures.unacknowledged.append(submission)
            raise
        locations = {local_path(location) for status, location, _ in answers if status == 303}
        bad = [status for status, _, _ in answers if status != 303]
        if bad:
            self.figures.error(f"{label}: answered {bad} (expected 303)")
        if not locations:
            with self.figures.lock:
                self.figures.unacknowledged.append(submission)
            raise UnexpectedAnswer(bad[0])
        submission.attempt = sorted(locations)[0]
        with self.figures.lock:
            self.figures.acknowledged[submission.key] = submission.attempt
            if double:
                self.figures.double_taps += 1
                if len(locations) > 1:
                    self.figures.double_taps_split.append(f"{submission.key}: {sorted(locations)}")

    # The life --------------------------------------------------------------

    def run(self, stop: threading.Event, returning: bool) -> None:
        self.stop = stop
        self.account = "yes" if returning else self.account
        while not stop.is_set():
            try:
                if not self.signed_in:
                    self.register() if self.account == "no" else self.sign_in()
                    if not self.signed_in:
                        continue
                self.pause()
                self.visit()
            except ServerGone:
                self.phone.close()
                time.sleep(0.2)  # the server is down: try again shortly, as a person would
            except Stopped:
                break
            except UnexpectedAnswer:
                self.phone.close()
                time.sleep(self.think)
            except Exception as error:  # a broken page is an error to count, not to crash on
                self.figures.error(f"resident {self.index}: {error!r}")
                self.phone.close()
                time.sleep(0.2)
        self.phone.close()


def register_up_front(port: int, count: int, figures: Figures, concurrency: int = 8) -> None:
    """Accounts for the residents who will sign in (registered before the clock starts)."""
    outage = threading.Event()
    queue = list(range(count))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            resident = Resident(index, port, figures, outage, random.Random(index), 0, 0)
            resident.register()
            resident.phone.close()

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if figures.errors:
        raise SystemExit(f"registering residents before the run failed: {figures.errors[:3]}")


def start_residents(port: int, count: int, figures: Figures, stop: threading.Event, outage: threading.Event,
                    think: float, double_tap: float, seed: int, returning: int,
                    ramp: float = 0) -> list[threading.Thread]:
    """`count` residents arriving evenly over `ramp` seconds (those who register and those who sign
    in interleaved); the first `returning` have accounts already and sign in, the others register."""
    rng = random.Random(seed)
    threads = []
    order = sorted(range(count), key=lambda index: index if index < returning else index - returning + 0.5)
    for index in order:
        resident = Resident(index, port, figures, outage, random.Random(rng.random()), think, double_tap)
        thread = threading.Thread(target=resident.run, args=(stop, index < returning), daemon=True)
        threads.append(thread)
        thread.start()
        time.sleep(max(0.01, ramp / count))
    return threads


def wait_for_attempts(figures: Figures, count: int, until: float, longest: float) -> None:
    """Sleep until the monotonic time `until`, and on until `count` attempts are acknowledged
    (on a busy machine sign-ins are slow), but not past `longest`."""
    while time.monotonic() < until or (len(figures.acknowledged) < count and time.monotonic() < longest):
        time.sleep(0.05)


def replay(port: int, submissions: list[Submission], figures: Figures) -> dict[str, str]:
    """Send each unacknowledged quiz again exactly as the phone would (same key, same cookies):
    {key: the attempt it was answered with}."""
    answered: dict[str, str] = {}
    for submission in submissions:
        phone = Phone(port, submission.source, figures, threading.Event())
        phone.cookies = dict(submission.cookies)
        try:
            _status, location, _ = phone.request("POST", submission.path, "POST quiz (replay)", submission.body,
                                                 expect=(303,))
            answered[submission.key] = local_path(location)
        except (ServerGone, UnexpectedAnswer):
            pass
        finally:
            phone.close()
    return answered


def scratch_folder(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)
