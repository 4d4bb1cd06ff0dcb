"""Serving speed: a signed-in lesson page against a bare Flask + Jinja page of the same size.

Budget (issue 11, ARCHITECTURE.md "speed is a feature"): the lesson page serves at least half as
many requests per second as the bare page, under the same server. Both run through
`elearn.wsgi_server.run`, so they get exactly the gunicorn settings `elearn serve` uses (worker
class, threads, keep-alive); the bare app is plain Flask rendering one Jinja template sized to the
lesson page's bytes, with no database, no session and no compression. The load comes from wrk
(Debian's package), never from Python in this process, with the headers a phone sends
(`Accept-Encoding: gzip`, the session cookie).

The resident is made as a person would be: registered through the form, then the welcome message is
read once, so every measured page is the plain lesson (checked before the run: the lesson's title,
no notice). The two servers are measured one after the other, three times interleaved (bare, lesson,
bare, lesson, ...): the ratio of each pair is printed and the median ratio is the verdict.

    .venv/bin/python benchmarks/throughput.py [--seconds 10] [--connections 8] [--workers 1]
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import (
    PROJECT_ROOT, Database, Figures, Resident, Server, free_port, log, verdict)

BUDGET = 0.5
LESSON_COURSE = "dien-thoai-thong-minh"
WRK = shutil.which("wrk") or "/usr/bin/wrk"

BARE_TEMPLATE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}</main></body></html>"""


def bare_app(size: int):
    """Plain Flask + Jinja: one template rendered per request, `size` bytes of Vietnamese text."""
    from flask import Flask, render_template
    from jinja2 import DictLoader

    app = Flask("bare")
    app.jinja_loader = DictLoader({"page.html": BARE_TEMPLATE})
    sentence = "Không bấm vào đường dẫn lạ, không đọc mã OTP cho ai. "
    paragraphs = []
    while sum(len(p.encode()) + 8 for p in paragraphs) < size - 200:
        paragraphs.append(sentence * 4)

    @app.get("/")
    def page():
        return render_template("page.html", title="Bài học", paragraphs=paragraphs)

    return app


def start_bare(size: int, workers: int, threads: int, folder: Path) -> tuple[subprocess.Popen, int]:
    """The bare app under `elearn.wsgi_server.run`: the very settings `elearn serve` passes to gunicorn."""
    port = free_port()
    code = ("import sys; from benchmarks.throughput import bare_app; from elearn.wsgi_server import run; "
            f"run(bare_app({size}), '127.0.0.1', {port}, {workers}, {threads})")
    with (folder / "bare.log").open("wb") as output:
        process = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the bare app did not start:\n{(folder / 'bare.log').read_text()[-2000:]}")


def signed_in_lesson(port: int) -> tuple[str, str, int]:
    """Register a resident through the form, read the welcome once; the cookie header, a lesson's
    path and its size in bytes (uncompressed)."""
    figures = Figures()
    resident = Resident(0, port, figures, threading.Event(), __import__("random").Random(1), 0, 0)
    resident.register()
    resident.phone.request("GET", "/courses", "GET /courses")  # shows and so clears the welcome message
    _, _, course = resident.phone.request("GET", f"/courses/{LESSON_COURSE}", "GET course")
    path = re.search(rf'href="(/courses/{LESSON_COURSE}/lessons/[^"]+)"', course).group(1)
    _, _, page = resident.phone.request("GET", path, "GET lesson")
    if 'class="notice' in page or "<article" not in page:
        raise SystemExit(f"{path} is not the plain lesson page for this resident")
    # wrk comes from another address than the registration did: like a phone moving to another
    # mast, the first page from there marks the session "not fresh" once (Flask-Login's session
    # protection) and sends the cookie back changed. wrk keeps the cookie it is given, so give it that one.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": _cookie_header(resident.phone.cookies)})
    response = connection.getresponse()
    response.read()
    resident.phone._keep_cookies(response)
    return _cookie_header(resident.phone.cookies), path, len(page.encode())


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_BAD = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)")


def wrk(url: str, cookie: str, seconds: float, connections: int) -> tuple[float, float, str]:
    """Requests/s and p99 (ms) of `url` under wrk; the third item names anything that went wrong."""
    headers = ["-H", "Accept-Encoding: gzip", "-H", "Accept-Language: vi"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([WRK, "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--latency",
                             *headers, url], capture_output=True, text=True, check=True).stdout
    problem = WRK_BAD.search(output)
    p99 = WRK_P99.search(output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else 0
    return (float(WRK_RATE.search(output).group(1)), float(p99.group(1)) * scale if p99 else 0.0,
            problem.group(0) if problem else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers for both apps (default 1)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="elearn-throughput-") as name:
        folder = Path(name)
        database = Database("sqlite", folder)
        database.create()
        server = Server(database, folder, workers=args.workers, threads=args.threads)
        server.start()
        bare = None
        try:
            cookie, lesson, size = signed_in_lesson(server.port)
            bare, bare_port = start_bare(size, args.workers, args.threads, folder)
            targets = {"bare": (f"http://127.0.0.1:{bare_port}/", ""),
                       "lesson": (f"http://127.0.0.1:{server.port}{lesson}", cookie)}
            for url, header in targets.values():  # warm up both
                wrk(url, header, 2, args.connections)
            results: dict[str, list[tuple[float, float]]] = {"bare": [], "lesson": []}
            failures = []
            for run in range(args.runs):
                for label, (url, header) in targets.items():
                    rate, p99, problem = wrk(url, header, args.seconds, args.connections)
                    if problem:
                        failures.append(f"{label} run {run + 1}: {problem}")
                    results[label].append((rate, p99))
        finally:
            if bare is not None:
                bare.terminate()
                bare.wait(timeout=30)
            server.stop()
            database.drop()
    log(f"{os.cpu_count()} cores; both apps under elearn.wsgi_server.run: {args.workers} worker(s) × "
        f"{args.threads} threads; wrk -t2 -c{args.connections}, {args.seconds:.0f} s per run, "
        f"Accept-Encoding: gzip; page size {size:,} bytes uncompressed")
    log(f"{'run':<5}{'bare req/s':>12}{'p99 ms':>9}{'lesson req/s':>14}{'p99 ms':>9}{'ratio':>8}")
    ratios = []
    for run, ((bare_rate, bare_p99), (lesson_rate, lesson_p99)) in enumerate(zip(results["bare"], results["lesson"])):
        ratios.append(lesson_rate / bare_rate)
        log(f"{run + 1:<5}{bare_rate:>12.0f}{bare_p99:>9.1f}{lesson_rate:>14.0f}{lesson_p99:>9.1f}{ratios[-1]:>8.2f}")
    ratio = statistics.median(ratios)
    log(f"median ratio {ratio:.2f} (budget: at least {BUDGET:.2f}) for {lesson}")
    if ratio < BUDGET:
        failures.append(f"the lesson page serves at {ratio:.2f} of the bare page (budget {BUDGET:.2f})")
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
