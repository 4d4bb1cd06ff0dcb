"""Two app servers behind one nginx, on one PostgreSQL database and one Redis: what a province runs.

    .venv/bin/python benchmarks/two_servers.py [--short] [--redis-db 11] [--no-redis]

Starts, on this machine only (loopback):
- a new PostgreSQL database `bench_h8_<random>` (dropped at the end, unless --keep);
- two `elearn serve` processes (A and B), each with its own instance folder, sharing the database,
  the secret key and Redis database --redis-db (flushed before and after; no other is touched);
  ELEARN_TRUSTED_PROXIES and ELEARN_ALLOWED_HOSTS set as behind a real proxy;
- Debian's nginx as an unprivileged configuration in a temporary folder (its own pid, logs and
  temp paths) in front of both: round robin, or one server when the request says
  `X-App-Server: a|b` (so the checks can choose the server and still go through nginx). Each
  answer names the server that made it (X-Upstream).

Then shows, through nginx, and exits 1 if any fails:
1. a sign-in slowdown earned through A holds on B: six wrong passwords for one phone through A,
   then the right password through B is refused (429) until the wait has passed, then accepted;
2. a session made on A works on B (a resident's own page), and signing out on B ends it on A;
3. requests are shared between A and B, and nothing fails under a short load (signed-in lesson
   pages): requests/s and p50/p99 through nginx with both servers and with A alone.
--no-redis starts the servers without Redis: check 1 must then fail (each server counts alone).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ELEARN = Path(sys.executable).parent / "elearn"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "dong ruong xanh muot 2026"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VILLAGE = re.compile(r'<option value="([1-9]\d*)"')
LESSON = "/courses/dien-thoai-thong-minh"


def log(message: str = "") -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- the pieces


class Database:
    def __init__(self, admin_url: str):
        import psycopg

        self.psycopg = psycopg
        self.admin_url = admin_url
        self.name = f"bench_h8_{secrets.token_hex(4)}"
        self.url = "postgresql+psycopg://" + admin_url.split("://", 1)[1].rsplit("/", 1)[0] + "/" + self.name

    def _admin(self, statement: str) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(statement)

    def create(self) -> None:
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class AppServer:
    def __init__(self, label: str, folder: Path, env: dict, workers: int):
        self.label, self.folder, self.workers = label, folder, workers
        self.port = free_port()
        self.env = {**env, "ELEARN_INSTANCE_PATH": str(folder)}
        self.process: subprocess.Popen | None = None
        folder.mkdir()

    def start(self, timeout: float = 180) -> float:
        started = time.monotonic()
        with (self.folder / "serve.log").open("wb") as output:
            self.process = subprocess.Popen(
                [str(ELEARN), "serve", "--port", str(self.port), "--workers", str(self.workers), "--threads", "4"],
                cwd=self.folder, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"server {self.label} exited:\n{self.log_tail()}")
            if _status("127.0.0.1", self.port, "/healthz") == 200:
                return time.monotonic() - started
            time.sleep(0.2)
        raise SystemExit(f"server {self.label} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return "\n".join((self.folder / "serve.log").read_text(errors="replace").splitlines()[-25:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


NGINX_CONFIG = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 512; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream both {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 16; keepalive_timeout 1s; }}
    upstream server_a {{ server 127.0.0.1:{a}; keepalive 16; keepalive_timeout 1s; }}
    upstream server_b {{ server 127.0.0.1:{b}; keepalive 16; keepalive_timeout 1s; }}
    map $http_x_app_server $pool {{ a server_a; b server_b; default both; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://$pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, folder: Path, a: int, b: int):
        self.folder = folder
        self.port = free_port()
        folder.mkdir()
        # Run as root, its workers are "nobody": they must reach their temp paths (large answers).
        folder.parent.chmod(0o711)
        folder.chmod(0o755)
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        self.config = folder / "nginx.conf"
        self.config.write_text(NGINX_CONFIG.format(user=user, folder=folder, a=a, b=b, port=self.port))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        check = subprocess.run([NGINX, "-t", "-q", "-p", str(self.folder), "-e", str(self.folder / "error.log"),
                                "-c", str(self.config)], capture_output=True, text=True)
        if check.returncode:
            raise SystemExit(f"nginx refused its configuration:\n{check.stderr}")
        self.process = subprocess.Popen([NGINX, "-p", str(self.folder), "-e", str(self.folder / "error.log"),
                                         "-c", str(self.config)], start_new_session=True)
        deadline = time.monotonic() + 15
        while _status("127.0.0.1", self.port, "/healthz") != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"nginx did not start:\n{(self.folder / 'error.log').read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _status(host: str, port: int, path: str) -> int | None:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=3)
        try:
            connection.request("GET", path)
            return connection.getresponse().status
        finally:
            connection.close()
    except OSError:
        return None


class Browser:
    """One phone: its cookies and its own loopback address, talking to nginx."""

    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None, server: str | None = None):
        """(status, the server that answered, body)."""
        headers = {"Accept-Language": "vi", "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if server:
            headers["X-App-Server"] = server
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60,
                                                             source_address=(self.source, 0))
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # nginx closed an idle keep-alive connection: a browser sends again
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "01 Jan 1970" in header or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.getheader("X-Upstream", ""), text

    def form(self, path: str, fields: dict, server: str | None = None):
        """GET the form (for its CSRF token) and POST it, both to `server`."""
        status, _, page = self.request("GET", path, server=server)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        return self.request("POST", path, {"csrf_token": CSRF.search(page).group(1), **fields}, server=server)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def new_phone() -> str:
    return "09" + "".join(secrets.choice("0123456789") for _ in range(8))


def register(port: int, source: str, server: str | None = None) -> tuple[Browser, str]:
    browser, phone = Browser(port, source), new_phone()
    _, _, page = browser.request("GET", "/register", server=server)
    status, _, _ = browser.request("POST", "/register", {
        "csrf_token": CSRF.search(page).group(1), "full_name": "Người Thử Hai Máy", "phone": phone,
        "birth_date": "1985-03-15", "sex": "male", "village_id": VILLAGE.search(page).group(1),
        "password": PASSWORD, "consent": "y"}, server=server)
    if status != 302:
        raise SystemExit(f"registering a resident answered {status}")
    return browser, phone


# --------------------------------------------------------------------------- the checks


class Result:
    def __init__(self):
        self.failures: list[str] = []

    def check(self, ok: bool, message: str) -> None:
        log(f"  [{'ok' if ok else 'FAILED'}] {message}")
        if not ok:
            self.failures.append(message)


def upstream_label(upstream: str, servers: dict[str, AppServer]) -> str:
    for label, server in servers.items():
        if upstream.endswith(f":{server.port}"):
            return label
    return upstream or "?"


def check_slowdown_holds(port: int, servers: dict[str, AppServer], result: Result) -> None:
    log("1. A sign-in slowdown earned through A holds on B")
    owner, phone = register(port, "127.0.9.1", server="a")
    owner.close()
    guesser = Browser(port, "127.0.9.2")
    answered_by = set()
    for number in range(1, 7):
        status, upstream, _ = guesser.form("/sign-in", {"phone": phone, "password": f"doan sai lan {number}"},
                                           server="a")
        answered_by.add(upstream_label(upstream, servers))
    guesser.close()
    result.check(answered_by == {"A"}, f"six wrong passwords for {phone} answered by server {sorted(answered_by)}")
    resident = Browser(port, "127.0.9.3")  # the owner on another browser, on another address
    status, upstream, page = resident.form("/sign-in", {"phone": phone, "password": PASSWORD}, server="b")
    result.check(status == 429 and upstream_label(upstream, servers) == "B",
                 f"the right password through {upstream_label(upstream, servers)} at once: {status} (429 expected)")
    if status != 429:
        resident.close()
        return
    wait = re.search(r"(\d+) giây", page)
    time.sleep(int(wait.group(1)) + 1 if wait else 6)
    status, upstream, _ = resident.form("/sign-in", {"phone": phone, "password": PASSWORD}, server="b")
    result.check(status == 302, f"the right password through {upstream_label(upstream, servers)} after the wait: "
                                f"{status} (302 expected)")
    resident.close()


def check_session_travels(port: int, servers: dict[str, AppServer], result: Result) -> None:
    log("2. A session made on A works on B")
    browser, phone = register(port, "127.0.9.4", server="a")
    browser.close()
    browser.cookies.pop("session", None)
    status, upstream, _ = browser.form("/sign-in", {"phone": phone, "password": PASSWORD}, server="a")
    result.check(status == 302 and upstream_label(upstream, servers) == "A", f"signed in on A: {status}")
    status, upstream, page = browser.request("GET", "/me", server="b")
    result.check(status == 200 and "Người Thử Hai Máy" in page and upstream_label(upstream, servers) == "B",
                 f"the resident's own page on {upstream_label(upstream, servers)}: {status}, name shown: "
                 f"{'Người Thử Hai Máy' in page}")
    _, _, page = browser.request("GET", "/me", server="b")
    status, upstream, _ = browser.request("POST", "/sign-out", {"csrf_token": CSRF.search(page).group(1)},
                                          server="b")
    result.check(status in (302, 303), f"signed out on {upstream_label(upstream, servers)}: {status}")
    stale = Browser(port, "127.0.9.4")
    stale.cookies = dict(browser.cookies)
    status, upstream, _ = stale.request("GET", "/me", server="a")
    result.check(status == 302, f"the same browser's page on {upstream_label(upstream, servers)} after signing out: "
                                f"{status} (302 to sign-in expected)")
    browser.close()
    stale.close()


def load(port: int, servers: dict[str, AppServer], browsers: list[Browser], seconds: float, pool: str | None):
    """Every browser reads the first lesson in a loop: (answers by server, latencies, errors)."""
    lesson_path = {}
    _, _, page = browsers[0].request("GET", LESSON)
    lesson_path["path"] = re.search(rf'href="({LESSON}/lessons/[^"]+)"', page).group(1)
    counts: dict[str, int] = {}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(browser: Browser) -> None:
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status, upstream, _ = browser.request("GET", lesson_path["path"], server=pool)
            except OSError as error:
                with lock:
                    errors.append(repr(error))
                continue
            with lock:
                latencies.append(time.monotonic() - started)
                label = upstream_label(upstream, servers)
                counts[label] = counts.get(label, 0) + 1
                if status != 200:
                    errors.append(f"{status} from {label}")

    threads = [threading.Thread(target=work, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts, sorted(latencies), errors


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def check_load(port: int, servers: dict[str, AppServer], result: Result, seconds: float, clients: int) -> None:
    log(f"3. Requests shared, nothing lost: {clients} signed-in residents read lessons for {seconds:.0f} s, "
        f"through nginx ({os.cpu_count()} cores on this machine)")
    browsers = []
    for index in range(clients):
        browser, _ = register(port, f"127.0.10.{index + 2}")
        browsers.append(browser)
    rates = {}
    for label, pool in (("A and B", None), ("A alone", "a")):
        counts, latencies, errors = load(port, servers, browsers, seconds, pool)
        total = sum(counts.values())
        rates[label] = total / seconds
        shares = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        log(f"  {label:<8} {total:>6} requests, {total / seconds:7.1f}/s, p50 {percentile(latencies, .5) * 1000:6.0f} ms, "
            f"p99 {percentile(latencies, .99) * 1000:6.0f} ms, errors {len(errors)} (answered by {shares})")
        result.check(not errors, f"{label}: no error ({errors[:3]})")
        if pool is None:
            result.check(all(counts.get(name, 0) > 0 for name in servers), "both servers answered")
    log(f"  two servers / one: x{rates['A and B'] / rates['A alone']:.2f}")
    for browser in browsers:
        browser.close()


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="CI mode: 3 s of load, 1 worker per server")
    parser.add_argument("--redis-db", type=int, default=11, help="the Redis database to use and flush (default 11)")
    parser.add_argument("--no-redis", action="store_true", help="no shared store: check 1 must fail")
    parser.add_argument("--postgres", default=ADMIN_URL, help="a PostgreSQL URL to create the database from")
    parser.add_argument("--keep", action="store_true", help="keep the database and the folder")
    args = parser.parse_args(argv)
    seconds, clients, workers = (3, 4, 1) if args.short else (20, 16, 2)

    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    if not args.no_redis:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    database = Database(args.postgres)
    database.create()
    folder = Path(tempfile.mkdtemp(prefix="two-servers-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")}
    env.update({"ELEARN_DATABASE_URL": database.url, "ELEARN_SECRET_KEY": secrets.token_hex(32),
                "ELEARN_ADMIN_PASSWORD": "quan tri hai may chu 2026",
                "ELEARN_TRUSTED_PROXIES": "127.0.0.1", "ELEARN_ALLOWED_HOSTS": "127.0.0.1"})
    if not args.no_redis:
        env["ELEARN_REDIS_URL"] = redis_url
    servers = {"A": AppServer("A", folder / "a", env, workers), "B": AppServer("B", folder / "b", env, workers)}
    nginx = Nginx(folder / "nginx", servers["A"].port, servers["B"].port)
    result = Result()
    try:
        log(f"database {database.name}, Redis {'none' if args.no_redis else redis_url}, folder {folder}")
        for server in servers.values():  # one after the other: the first applies the migrations
            log(f"server {server.label} on :{server.port} ready in {server.start():.1f} s")
        nginx.start()
        log(f"nginx on :{nginx.port} in front of both")
        check_slowdown_holds(nginx.port, servers, result)
        check_session_travels(nginx.port, servers, result)
        check_load(nginx.port, servers, result, seconds, clients)
    finally:
        nginx.stop()
        for server in servers.values():
            server.stop()
        if not args.keep:
            database.drop()
            shutil.rmtree(folder, ignore_errors=True)
        if not args.no_redis:
            redis.Redis.from_url(redis_url).flushdb()
    if result.failures:
        log(f"FAILED: {len(result.failures)} check(s): " + "; ".join(result.failures))
        return 1
    log("All checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
