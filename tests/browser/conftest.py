"""A real server and a phone-sized headless Chromium for the browser tests.

The app (tests/conftest.py's `app` fixture, with the fixture courses and the demo villages loaded)
is served by Werkzeug's WSGI server on 127.0.0.1 in a background thread. Chromium is Debian's
(/usr/bin/chromium): Playwright never downloads a browser here. Without it the tests are skipped,
unless ELEARN_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# A small Android phone: 360 CSS pixels wide, touch, a 2x screen.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "screen": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


def _unavailable(reason: str):
    if os.environ.get("ELEARN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ELEARN_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sync_playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="session")
def chromium(sync_playwright_api):
    with sync_playwright_api() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Phone:
    page: object  # playwright.sync_api.Page
    requests: list[str]  # every URL the page asked for, in order


def _read_whole_body(app):
    """Read each response to its end and close it before sending it.

    Chromium drops a request it no longer needs (an icon while the page moves on); Werkzeug's
    development server then leaves a streamed static file unclosed, and pytest turns the
    ResourceWarning into a failure of whichever test is running. Gunicorn closes it; this server
    needs the help."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


class _Answering:
    """Counts the requests being answered, so the server is stopped only once none is: a request still
    running in its thread when the test's database engine is disposed (a service worker's fetch, a
    page Chromium moved away from) kept a PostgreSQL connection that ended as a ResourceWarning in
    whichever test came next."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_until_idle(self, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.count == 0, timeout=timeout)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.answering = _Answering(_read_whole_body(app))
        self.server = make_server("127.0.0.1", 0, self.answering, threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="elearn-live-server", daemon=True)

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True  # nothing leaves the phone
        return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc == self.host


@pytest.fixture
def live_server(app, villages, courses):
    server = LiveServer(app)
    # External links (the certificate's verify address and its QR code) name this server,
    # as they name the public address in production, instead of the test client's hocso.test.
    app.config["SERVER_NAME"] = server.host
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(timeout=10)
        server.answering.wait_until_idle(timeout=10)


@contextmanager
def open_phone(chromium, live_server, **device):
    """A fresh phone (its own cookies) whose every request is recorded; other hosts are refused.
    `device` changes what PHONE says (a 1x screen, say)."""
    context = chromium.new_context(base_url=live_server.url, **{**PHONE, **device})
    context.set_default_timeout(15_000)
    requests: list[str] = []
    # The context sees the requests of all its pages: recorded here once, not again per page.
    context.on("request", lambda request: requests.append(request.url))

    def refuse_other_hosts(route):
        if live_server.is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", refuse_other_hosts)
    try:
        yield Phone(context.new_page(), requests)
    finally:
        context.close()


@pytest.fixture
def phone(chromium, live_server):
    with open_phone(chromium, live_server) as opened:
        yield opened


def copy_cookies(client, context, live_server) -> None:
    """Let a Chromium context carry the session of a Flask test client signed in by the shared
    helpers (tests/app/test_access.py's `_browser`, tests/conftest.py), so a change to how people
    sign in (a second factor) reaches the browser tests in one place."""
    app = live_server.app
    names = (app.config.get("SESSION_COOKIE_NAME", "session"), app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    host = urlsplit(live_server.url).hostname
    cookies = [cookie for name in names for domain in (host, "localhost")
               if (cookie := client.get_cookie(name, domain=domain)) is not None]
    assert cookies, "the test client holds no session cookie"
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url} for cookie in cookies])
