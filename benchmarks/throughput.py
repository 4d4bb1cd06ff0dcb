"""Serving speed: a lesson page against a bare Flask page, same server settings, same run.

Budget (ARCHITECTURE.md): the lesson page serves at least half as many requests per second as a
Flask view that returns a short string. Both apps run under gunicorn with the settings of
`elearn serve` without Redis (1 worker, 8 threads); a client with CONCURRENCY keep-alive
connections asks for the page for SECONDS each. The figures depend on the machine; the ratio is
what to watch.

    .venv/bin/python benchmarks/throughput.py [--seconds 10] [--concurrency 8]
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "lua nuoc tra binh 2025"
SERVER_SETTINGS = ["--workers", "1", "--threads", "8", "--worker-class", "gthread", "--log-level", "warning"]


def bare_app():
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule("/", "index", lambda: "Hello, Học số")
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(target: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *SERVER_SETTINGS, "--bind", f"127.0.0.1:{port}", target],
        cwd=PROJECT_ROOT, env=env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{target} did not start")


def load(port: int, path: str, cookie: str, seconds: float, concurrency: int) -> float:
    """Requests per second answered 200, over `seconds`, with keep-alive connections."""
    stop = time.monotonic() + seconds
    counts = [0] * concurrency
    failures: list[str] = []

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            connection.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path} answered {response.status}")
                return
            counts[index] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return sum(counts) / (time.monotonic() - started)


def prepare_instance(folder: Path) -> dict:
    """A SQLite database in `folder` with the bundled courses; returns the servers' environment."""
    env = {**os.environ, "ELEARN_INSTANCE_PATH": str(folder), "ELEARN_ADMIN_PASSWORD": "benchmark admin pw"}
    elearn_command = Path(sys.executable).parent / "elearn"
    subprocess.run([str(elearn_command), "prepare"], cwd=PROJECT_ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def sign_in_cookie(port: int) -> tuple[str, str]:
    """Register a resident through the real form; returns the session cookie and a lesson path."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/register")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    village = re.search(r'<option value="([1-9]\d*)"', page).group(1)
    body = urlencode({"csrf_token": token, "full_name": "Nguyễn Văn Đo", "phone": "0912 000 111",
                      "birth_date": "1970-05-01", "sex": "male", "village_id": village, "password": PASSWORD,
                      "consent": "y"})
    connection.request("POST", "/register", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"registration answered {response.status}")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    connection.request("GET", "/courses/dien-thoai-thong-minh", headers={"Cookie": cookie})
    page = connection.getresponse().read().decode()
    lesson = re.search(r'href="(/courses/dien-thoai-thong-minh/lessons/[^"]+)"', page).group(1)
    return cookie, lesson


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="elearn-throughput-") as folder:
        env = prepare_instance(Path(folder))
        bare, bare_port = start("benchmarks.throughput:bare_app()", env)
        elearn, elearn_port = start("elearn:create_app()", env)
        try:
            cookie, lesson = sign_in_cookie(elearn_port)
            load(bare_port, "/", "", 1, args.concurrency)  # warm up both
            load(elearn_port, lesson, cookie, 1, args.concurrency)
            bare_rate = load(bare_port, "/", "", args.seconds, args.concurrency)
            lesson_rate = load(elearn_port, lesson, cookie, args.seconds, args.concurrency)
        finally:
            for process in (bare, elearn):
                process.terminate()
                process.wait(timeout=10)
    ratio = lesson_rate / bare_rate
    print(f"server: gunicorn {' '.join(SERVER_SETTINGS[:6])}; client: {args.concurrency} keep-alive connections, "
          f"{args.seconds:.0f} s each, on this machine ({os.cpu_count()} cores)")
    print(f"bare Flask page       {bare_rate:8.0f} requests/s")
    print(f"lesson page (signed in, SQLite) {lesson_rate:8.0f} requests/s   {lesson}")
    print(f"ratio {ratio:.2f} (budget: at least 0.50): {'OK' if ratio >= 0.5 else 'UNDER BUDGET'}")
    return 0 if ratio >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
