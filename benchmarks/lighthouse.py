"""Lighthouse 12 on the sign-in page and a lesson page, as a phone sees them: its four scores each.

It starts `elearn serve` on a temporary SQLite database with the bundled courses (as benchmarks/phone.py
does), makes a resident and signs them in through the form, and runs Lighthouse 12 (from the npm registry,
locked in tests/browser/package-lock.json: `npm ci --prefix tests/browser --ignore-scripts`) with Debian's
Chromium (CHROME_PATH=/usr/bin/chromium), its default mobile emulation (Moto G Power, simulated slow 4G,
CPU 4×) and the categories performance, accessibility, best practices and SEO. The lesson is opened signed
in: the session cookie goes with every request (--extra-headers). It prints each page's four scores and every
audit that did not get full marks, and exits 1 when a score is under the target (100 by default, --target).
A page with a score under target is measured again (--attempts, 3): the best of each category counts, as a
busy machine only ever lowers the performance score.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from phone import PROJECT_ROOT, RESIDENT_PASSWORD, RESIDENT_PHONE, cookie_header, make_resident, sign_in

LIGHTHOUSE = PROJECT_ROOT / "tests" / "browser" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
COURSE_LINK = re.compile(r'href="(/courses/[a-z0-9-]+)"')
LESSON_LINK = re.compile(r'href="(/courses/[a-z0-9-]+/lessons/[a-z0-9-]+)"')


def run_lighthouse(url: str, headers: dict[str, str] | None = None, timeout: float = 180) -> dict:
    """Lighthouse's JSON report (lhr) for `url`."""
    if not LIGHTHOUSE.is_file():
        raise FileNotFoundError(f"{LIGHTHOUSE} is missing: run `npm ci --prefix tests/browser --ignore-scripts`")
    with tempfile.TemporaryDirectory(prefix="elearn-lighthouse-") as folder:
        report = Path(folder) / "report.json"
        command = ["node", str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
                   f"--only-categories={','.join(CATEGORIES)}",
                   "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
                   # Chromium's profile in the scratch folder, not the user's home.
                   f"--chrome-flags=--user-data-dir={folder}/profile"]
        if headers:
            command.append(f"--extra-headers={json.dumps(headers)}")
        environment = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROME), "TMPDIR": folder}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment)
        if done.returncode != 0 or not report.is_file():
            raise RuntimeError(f"lighthouse exited with {done.returncode}: {done.stderr[-3000:]}")
        return json.loads(report.read_text())


def scores(lhr: dict) -> dict[str, int]:
    return {name: round((lhr["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def shortfalls(lhr: dict) -> list[str]:
    """Every scored audit of the four categories that did not get full marks."""
    found = []
    for name in CATEGORIES:
        for ref in lhr["categories"][name]["auditRefs"]:
            audit = lhr["audits"][ref["id"]]
            if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
                value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                found.append(f"{name}: {ref['id']} {audit['score']:.2f}{value}: {audit['title']}")
    return found


def first_lesson(base_url: str, cookie: str) -> str:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)

    def page(path: str) -> str:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            return connection.getresponse().read().decode("utf-8", "replace")
        finally:
            connection.close()

    course = COURSE_LINK.search(page("/courses"))
    lesson = course and LESSON_LINK.search(page(course.group(1)))
    if not lesson:
        raise SystemExit("no lesson found from /courses")
    return lesson.group(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("courses", nargs="?", type=Path, default=PROJECT_ROOT / "courses",
                        help="folder of course folders (default: the project's courses/)")
    parser.add_argument("--port", type=int, default=0, help="port of the server (default: any free port)")
    parser.add_argument("--target", type=int, default=100, help="the score every category must reach")
    parser.add_argument("--attempts", type=int, default=3,
                        help="runs of a page while a score is under target (a busy machine slows one run; the best "
                             "score of each category counts)")
    args = parser.parse_args(argv)

    from _harness import Database, Server, log

    failures = []
    with tempfile.TemporaryDirectory(prefix="elearn-lighthouse-") as scratch:
        folder = Path(scratch)
        database = Database("sqlite", folder)
        server = Server(database, folder, workers=1, courses=args.courses.resolve())
        if args.port:
            server.port = args.port
        server.start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            make_resident(database.url, folder, args.courses.resolve())
            cookie = cookie_header(sign_in(base, RESIDENT_PHONE, RESIDENT_PASSWORD))
            pages = [("/sign-in", None), (first_lesson(base, cookie), {"Cookie": cookie})]
            log(f"Lighthouse 12, mobile, Chromium {os.environ.get('CHROME_PATH', CHROME)}; target {args.target} each")
            for path, headers in pages:
                best: dict[str, int] = {}
                for attempt in range(1, args.attempts + 1):
                    started = time.monotonic()
                    lhr = run_lighthouse(base + path, headers)
                    found = scores(lhr)
                    best = {name: max(score, best.get(name, 0)) for name, score in found.items()}
                    log("")
                    log(f"{path} ({'signed in' if headers else 'signed out'}; lighthouse {lhr['lighthouseVersion']}, "
                        f"run {attempt}, {time.monotonic() - started:.0f} s): "
                        + ", ".join(f"{name} {score}" for name, score in found.items()))
                    if lhr.get("finalDisplayedUrl", base + path) != base + path:
                        failures.append(f"{path} ended on {lhr['finalDisplayedUrl']}")
                    for line in shortfalls(lhr):
                        log(f"  {line}")
                    if min(best.values()) >= args.target:
                        break
                failures += [f"{path}: {name} {score} (best of the runs)" for name, score in best.items()
                             if score < args.target]
        finally:
            server.stop()
    log("")
    for failure in failures:
        log(f"FAIL: {failure}")
    log("OK" if not failures else "UNDER TARGET")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
