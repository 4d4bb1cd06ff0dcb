"""A cheap phone on a slow network, for real: Debian's Chromium driven by Playwright at 360×740, the network
emulated as slow 3G (400 ms latency, 400 kbit/s each way, Chrome's Network.emulateNetworkConditions) and the
CPU 4× slower (Emulation.setCPUThrottlingRate).

It prints three figures against the budgets written below:
- the time to the first lesson text on a cold load: a fresh browser context (no cache, no service worker),
  from navigation start until the lesson's first paragraph is drawn (the first animation frame in which it
  has a box, and never before the first contentful paint); three runs interleaved over the lessons, median;
- the bytes each page transfers: every page a resident can reach by following links (signed in, and the
  public ones signed out), each loaded cold in a fresh context; everything the page and its service worker
  ask for is counted, headers included, by a byte-counting proxy between Chromium and the server, until
  the network has been quiet for a while (the manifest is fetched as Android Chrome fetches it, when the
  page names one and Chromium did not ask for it);
- whether a lesson read once opens again with the network off.

The measuring parts are shared with tests/browser/test_phone_budgets.py.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script (the tests import it as benchmarks.phone)
    sys.path.append(str(PROJECT_ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402  (one definition of the phone)

# The budgets (issue 9).
FIRST_TEXT_BUDGET = 1.5  # seconds, cold load, slow 3G, CPU 4×
PAGE_BUDGET = 30 * 1024  # bytes transferred per page, service worker and manifest included

# Slow 3G as the issue defines it, and a CPU 4× slower than this machine's.
LATENCY_MS = 400
THROUGHPUT = 400_000 / 8  # bytes per second, each way
CPU_SLOWDOWN = 4

# The lesson's text: its first paragraph with words in it (its title when it has none, once the page is read).
FIND_FIRST_TEXT = """[...document.querySelectorAll("article.lesson p")].find(p => p.textContent.trim())
    || (document.readyState !== "loading" && document.querySelector("article.lesson h1"))"""
LESSON_PATH = re.compile(r"^/courses/[^/]+/lessons/[^/?]+$")
HREF = re.compile(r'href="([^"#]*)')
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
# Not pages: the static files and lesson pictures (counted with the page that loads them), signing out.
NOT_PAGES = re.compile(r"^/(static/|courses/[^/]+/media/)|sign-out")


# --------------------------------------------------------------------------- counting the bytes


class CountingProxy:
    """A TCP relay on 127.0.0.1 in front of the server that counts every byte each way (HTTP headers and
    bodies as sent: what the phone's radio carries, less TCP/IP overhead)."""

    def __init__(self, target_port: int, port: int = 0):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.down = 0  # server to phone
        self.up = 0  # phone to server
        self.last_activity = time.monotonic()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, name="counting-proxy", daemon=True)
        self.accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                phone, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                phone.close()
                continue
            with self.lock:
                self.sockets |= {phone, server}
            pair = {"open": 2}
            for source, sink, direction in ((phone, server, "up"), (server, phone, "down")):
                thread = threading.Thread(target=self._pump, args=(source, sink, direction, pair, (phone, server)),
                                          daemon=True)
                self.threads.append(thread)
                thread.start()

    def _pump(self, source, sink, direction: str, pair: dict, both: tuple) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                with self.lock:
                    setattr(self, direction, getattr(self, direction) + len(data))
                    self.last_activity = time.monotonic()
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with self.lock:
            pair["open"] -= 1
            done = pair["open"] == 0
            if done:
                self.sockets -= set(both)
        if done:
            for each in both:
                each.close()

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return self.down, self.up

    def wait_quiet(self, quiet: float = 0.8, timeout: float = 20) -> None:
        """Until no byte has moved for `quiet` seconds (or `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                idle = time.monotonic() - self.last_activity
            if idle >= quiet:
                return
            time.sleep(0.05)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (closing alone does not)
        self.listener.close()
        self.accepting.join(timeout=5)
        with self.lock:
            left = list(self.sockets)
            self.sockets.clear()
        for each in left:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(timeout=5)
        for each in left:
            each.close()


# --------------------------------------------------------------------------- the phone


def new_phone(browser, base_url: str, cookies: list[dict] | None = None):
    """A fresh context (empty cache, no service worker, no connection open) with the resident's cookies.
    No request routing: Playwright's routing would switch the HTTP cache off and bypass service workers."""
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(30_000)
    if cookies:
        context.add_cookies([{**cookie, "url": base_url} for cookie in cookies])
    return context


def slow_down(context, page) -> None:
    """Slow 3G and a CPU 4× slower, on this page (kept across its navigations)."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LATENCY_MS, "downloadThroughput": THROUGHPUT, "uploadThroughput": THROUGHPUT})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


# Runs before the page's own scripts: notes the time (ms since navigation start) of the first animation
# frame in which the lesson's first paragraph is there, has a box and is not hidden.
WATCH_FIRST_TEXT = """(() => {
  const look = () => {
    const text = FIND;
    if (text && text.getClientRects().length && text.textContent.trim()
        && getComputedStyle(text).visibility !== "hidden") {
      window.__firstTextAt = performance.now();
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();""".replace("FIND", FIND_FIRST_TEXT)


@dataclass
class Load:
    seconds: float  # navigation start to the first lesson text drawn
    first_paint: float  # first contentful paint, seconds
    model: float  # what the network alone needs for it (see network_model)
    requests: list[str] = field(default_factory=list)


def network_model(page, sizes: dict[str, tuple[int, int]]) -> float:
    """The network-bound part of showing the text under the emulation, in seconds, from the bytes and round
    trips: the document (its request up, LATENCY, its bytes down), then everything that blocks drawing
    (stylesheets, scripts in <head> without defer/async) asked for together: LATENCY once and their bytes
    down one after the other. Chrome's emulation adds the latency to each request and shares the bandwidth;
    it does not slow the TCP handshake on a local connection, so neither does this. `sizes` is
    {url: (bytes up, bytes down)}, headers included."""
    blocking = page.evaluate("""() => [...document.querySelectorAll(
        'head link[rel=stylesheet], head script[src]:not([defer]):not([async]):not([type=module])')]
        .map(e => e.href || e.src)""")
    document_up, document_down = sizes.get(page.url, (0, 0))
    seconds = LATENCY_MS / 1000 + (document_up + document_down) / THROUGHPUT
    if blocking:
        up = sum(sizes.get(url, (0, 0))[0] for url in blocking)
        down = sum(sizes.get(url, (0, 0))[1] for url in blocking)
        seconds += LATENCY_MS / 1000 + max(up, down) / THROUGHPUT
    return seconds


def request_sizes(request) -> tuple[int, int]:
    sizes = request.sizes()
    return (sizes["requestHeadersSize"] + sizes["requestBodySize"],
            sizes["responseHeadersSize"] + sizes["responseBodySize"])


def cold_lesson_load(browser, base_url: str, path: str, cookies: list[dict]) -> Load:
    """Open a lesson on a fresh, slowed-down phone; how long until its first text is drawn."""
    context = new_phone(browser, base_url, cookies)
    try:
        context.add_init_script(WATCH_FIRST_TEXT)
        page = context.new_page()
        slow_down(context, page)
        finished: dict[str, object] = {}
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        context.on("requestfinished", lambda request: finished.__setitem__(request.url, request))
        page.goto(path, wait_until="commit")
        page.wait_for_function("() => window.__firstTextAt !== undefined", polling=100)
        page.wait_for_load_state("load")
        at, paint = page.evaluate("""() => [window.__firstTextAt,
            (performance.getEntriesByName("first-contentful-paint")[0] || {startTime: 0}).startTime]""")
        if not page.url.endswith(path):
            raise RuntimeError(f"{path} ended on {page.url}")
        sizes = {url: request_sizes(request) for url, request in list(finished.items())}
        return Load(seconds=max(at, paint) / 1000, first_paint=paint / 1000, model=network_model(page, sizes),
                    requests=requests)
    finally:
        context.close()


@dataclass
class Transfer:
    path: str
    down: int  # bytes to the phone
    up: int  # bytes from the phone
    requests: list[str]
    elsewhere: list[str]  # requests to another host (none allowed)
    service_worker: bool

    def within(self, budget: int = PAGE_BUDGET) -> bool:
        return self.down <= budget and not self.elsewhere


def page_transfer(browser, proxy: CountingProxy, path: str, cookies: list[dict] | None = None,
                  quiet: float = 0.8) -> Transfer:
    """Everything a cold load of `path` moves over the network, the service worker's own requests included
    (the network is not slowed down here: the bytes are the same, and it is quicker)."""
    context = new_phone(browser, proxy.url, cookies)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        proxy.wait_quiet(quiet=0.3, timeout=5)
        down, up = proxy.counts()
        page.goto(path, wait_until="load")
        manifest = page.evaluate("() => (document.querySelector('link[rel=manifest]') || {}).href || null")
        if manifest and manifest not in requests:
            page.evaluate("url => fetch(url, {credentials: 'include'}).then(r => r.arrayBuffer()).then(() => 1)",
                          manifest)
        # A service worker installs after the load (and may store pages then): wait until it is active.
        service_worker = page.evaluate("""() => !('serviceWorker' in navigator) ? false :
            navigator.serviceWorker.getRegistration().then(r => r === undefined ? false : Promise.race([
              navigator.serviceWorker.ready.then(() => true),
              new Promise(done => setTimeout(() => done(true), 15000))]))""")
        proxy.wait_quiet(quiet)
        after_down, after_up = proxy.counts()
        local = urlsplit(proxy.url).netloc
        elsewhere = [url for url in requests
                     if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != local]
        return Transfer(path, after_down - down, after_up - up, requests, elsewhere, bool(service_worker))
    finally:
        context.close()


@dataclass
class Offline:
    opened: bool
    how: str


def opens_offline(browser, base_url: str, path: str, cookies: list[dict]) -> Offline:
    """Read a lesson once, switch the network off, open it again: is its text there?"""
    context = new_phone(browser, base_url, cookies)
    try:
        page = context.new_page()
        page.goto(path, wait_until="load")
        title = page.locator("article.lesson h1").inner_text()
        registered = page.evaluate("""() => 'serviceWorker' in navigator &&
            navigator.serviceWorker.getRegistration().then(r => r !== undefined)""")
        if registered:
            # Wait (at most 15 s) until the worker is active and some cache holds the lesson.
            page.evaluate("""() => Promise.race([
                navigator.serviceWorker.ready.then(async () => {
                  for (let i = 0; i < 150; i++) {
                    if (await caches.match(location.href)) return true;
                    await new Promise(done => setTimeout(done, 100));
                  }
                  return false;
                }),
                new Promise(done => setTimeout(() => done(false), 15000))])""")
        context.set_offline(True)
        try:
            page.goto(path, wait_until="load", timeout=15_000)
        except Exception as error:  # Chromium's own "no internet" page raises here
            return Offline(False, f"no page ({str(error).splitlines()[0]})"
                           + ("" if registered else "; no service worker"))
        heading = page.locator("article.lesson h1")
        if heading.count() and heading.first.inner_text() == title and page.evaluate(f"() => !!({FIND_FIRST_TEXT})"):
            return Offline(True, "the lesson, from the service worker")
        return Offline(False, f"another page: {page.title()!r}")
    finally:
        context.close()


# --------------------------------------------------------------------------- what pages there are


def crawl(base_url: str, starts: list[str], cookie: str | None = None, limit: int = 300) -> list[str]:
    """Every HTML page reachable from `starts` by same-host links, as a GET with `cookie` (in order found)."""
    parts = urlsplit(base_url)
    seen: list[str] = []
    queue = list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        if response.status != 200 or not response.getheader("Content-Type", "").startswith("text/html"):
            continue
        seen.append(path)
        for href in HREF.findall(body):
            target = urlsplit(urljoin(base_url + path, href.replace("&amp;", "&")))
            if target.netloc != parts.netloc:
                continue
            query = "&".join(part for part in target.query.split("&") if part and not part.startswith("next="))
            found = target.path + (f"?{query}" if query else "")
            if not NOT_PAGES.search(found) and found not in seen and found not in queue:
                queue.append(found)
    return seen


def sign_in(base_url: str, phone: str, password: str) -> list[dict]:
    """The session cookie of a resident signed in through the form, with the flashed message read."""
    parts = urlsplit(base_url)
    cookies: dict[str, str] = {}

    def ask(method: str, path: str, body: str | None = None):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    _, page = ask("GET", "/sign-in")
    status, _ = ask("POST", "/sign-in", urlencode({"csrf_token": CSRF.search(page).group(1), "phone": phone,
                                                   "password": password}))
    if status not in (302, 303):
        raise SystemExit(f"the resident could not sign in ({status})")
    ask("GET", "/courses")  # shows, and so clears, what was flashed on signing in
    return [{"name": name, "value": value} for name, value in cookies.items()]


def cookie_header(cookies: list[dict]) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


# --------------------------------------------------------------------------- the benchmark


RESIDENT_PHONE = "0912345678"
RESIDENT_PASSWORD = "gio thoi qua dong lua 2025"


def make_resident(database_url: str, folder: Path, courses: Path) -> None:
    """A resident of the first village, made by the registration service (the form is not what is measured)."""
    from datetime import date

    from flask import current_app
    from sqlalchemy import select

    from elearn import create_app
    from elearn.auth.services import Registration, register_resident
    from elearn.db import db_session
    from elearn.models import Unit

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(folder), "COURSES_PATH": str(courses),
                      "RATELIMIT_STORAGE_URI": "memory://"})
    try:
        with app.app_context():
            session = db_session()
            village = session.scalar(select(Unit.id).where(Unit.kind == "village").order_by(Unit.id))
            register_resident(session, Registration(
                full_name="Nguyễn Thị Lan", phone="+84" + RESIDENT_PHONE[1:], birth_date=date(1975, 3, 25),
                sex="female", village_id=village, password=RESIDENT_PASSWORD,
                notice_version=current_app.config["PRIVACY_NOTICE_VERSION"]))
            session.commit()
    finally:
        app.extensions["elearn_engine"].dispose()


def kb(size: float) -> str:
    return f"{size / 1024:.1f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("courses", nargs="?", type=Path, default=PROJECT_ROOT / "courses",
                        help="folder of course folders (default: the project's courses/)")
    parser.add_argument("--runs", type=int, default=3, help="cold loads of each lesson, interleaved (median)")
    parser.add_argument("--lessons", type=int, default=0,
                        help="time only the first N lessons found (default: the first lesson of every course)")
    parser.add_argument("--port", type=int, default=0,
                        help="port of the byte-counting proxy; the server gets the next one (default: any free ports)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _harness import Database, Server, log

    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="elearn-phone-") as scratch:
        folder = Path(scratch)
        database = Database("sqlite", folder)
        server = Server(database, folder, workers=1, courses=args.courses.resolve())
        if args.port:
            server.port = args.port + 1
        server.start()
        proxy = CountingProxy(server.port, args.port)
        try:
            make_resident(database.url, folder, args.courses.resolve())
            cookies = sign_in(proxy.url, RESIDENT_PHONE, RESIDENT_PASSWORD)
            public = crawl(proxy.url, ["/", "/sign-in", "/register", "/privacy"])
            resident = crawl(proxy.url, ["/courses", "/"], cookie_header(cookies))
            lessons = [path for path in resident if LESSON_PATH.match(path)]
            if not lessons:
                raise SystemExit(f"no lessons in {args.courses}")
            if args.lessons:
                timed = lessons[:args.lessons]
            else:
                timed = list({path.split("/lessons/")[0]: path for path in reversed(lessons)}.values())[::-1]
            log(f"Courses: {args.courses}; {len(public)} public pages, {len(resident)} resident pages found by "
                f"following links; Chromium {CHROMIUM} at {PHONE['viewport']['width']}×"
                f"{PHONE['viewport']['height']}; slow 3G ({LATENCY_MS} ms, {THROUGHPUT * 8 / 1000:.0f} kbit/s each "
                f"way), CPU {CPU_SLOWDOWN}× slower.")
            log(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start (timings on a "
                f"busy machine come out longer).")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    failures += time_lessons(browser, proxy.url, timed, cookies, args.runs, log)
                    failures += weigh_pages(browser, proxy, public, resident, cookies, log)
                    offline = opens_offline(browser, proxy.url, lessons[0], cookies)
                    log("")
                    log(f"A lesson read once opens offline: {'yes' if offline.opened else 'NO'} ({lessons[0]}: "
                        f"{offline.how})")
                    if not offline.opened:
                        failures.append("a lesson read once does not open offline")
                finally:
                    browser.close()
        finally:
            proxy.close()
            server.stop()
    log("")
    log(f"Load average at the end: {os.getloadavg()[0]:.1f}")
    for failure in failures:
        log(f"FAIL: {failure}")
    log("OK" if not failures else "OVER BUDGET")
    return 1 if failures else 0


def time_lessons(browser, base_url: str, lessons: list[str], cookies: list[dict], runs: int, log) -> list[str]:
    loads: dict[str, list[Load]] = {path: [] for path in lessons}
    for _ in range(runs):
        for path in lessons:  # interleaved: a slow moment of the machine touches every lesson a little
            loads[path].append(cold_lesson_load(browser, base_url, path, cookies))
    log("")
    log(f"Time to the first lesson text, cold (median of {runs}; budget {FIRST_TEXT_BUDGET:.1f} s):")
    width = max(len(path) for path in lessons)
    log(f"{'lesson':<{width}}  {'median':>7}  {'best':>6}  {'runs':<22}  {'FCP':>6}  {'network':>7}  requests")
    medians = []
    for path, measured in loads.items():
        median = statistics.median(load.seconds for load in measured)
        medians.append(median)
        runs_text = " ".join(f"{load.seconds:.2f}" for load in measured)
        paint = statistics.median(m.first_paint for m in measured)
        best = min(load.seconds for load in measured)
        log(f"{path:<{width}}  {median:>6.2f}s  {best:>5.2f}s  {runs_text:<22}  {paint:>5.2f}s  "
            f"{measured[0].model:>6.2f}s  {len(measured[0].requests)}")
    log("(network: what the bytes and round trips alone need under the emulation, before the text can be drawn)")
    worst = max(medians)
    log(f"Slowest lesson (median): {worst:.2f} s of {FIRST_TEXT_BUDGET:.1f} s: "
        f"{'ok' if worst < FIRST_TEXT_BUDGET else 'OVER'}")
    if worst < FIRST_TEXT_BUDGET:
        return []
    return [f"first lesson text after {worst:.2f} s (budget {FIRST_TEXT_BUDGET} s)"]


def weigh_pages(browser, proxy: CountingProxy, public: list[str], resident: list[str], cookies: list[dict],
                log) -> list[str]:
    transfers = [("signed out", page_transfer(browser, proxy, path)) for path in public]
    transfers += [("resident", page_transfer(browser, proxy, path, cookies)) for path in resident]
    log("")
    log(f"Bytes transferred per page, cold (headers included; budget {kb(PAGE_BUDGET)}):")
    width = max(len(t.path) for _, t in transfers)
    log(f"{'page':<{width}}  {'as':<10}  {'down':>8}  {'up':>7}  {'requests':>8}  sw  budget")
    for who, transfer in transfers:
        log(f"{transfer.path:<{width}}  {who:<10}  {transfer.down:>8}  {transfer.up:>7}  {len(transfer.requests):>8}  "
            f"{'yes' if transfer.service_worker else 'no ':<3} {'ok' if transfer.within() else 'OVER'}")
    others = sorted({url for _, t in transfers for url in t.elsewhere})
    log(f"Requests to another host: {', '.join(others) if others else 'none'}")
    largest = max((t for _, t in transfers), key=lambda t: t.down)
    over = [t for _, t in transfers if not t.within()]
    log(f"Largest page: {largest.path} {kb(largest.down)} of {kb(PAGE_BUDGET)}; {len(over)} of {len(transfers)} "
        f"pages over budget")
    return [f"{t.path}: {kb(t.down)} transferred" + (f", {len(t.elsewhere)} requests elsewhere" if t.elsewhere else "")
            for t in over]


if __name__ == "__main__":
    sys.exit(main())
