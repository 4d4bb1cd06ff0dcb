"""The phone budgets of issue 9 on a cheap phone (benchmarks/phone.py measures them; this asserts them):
every page a resident can reach transfers under 30 KB, service worker and manifest included; the first
lesson text shows within 1.5 s on a cold load over slow 3G with a CPU 4× slower; a lesson read once opens
with the network off (once the app has a service worker)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.phone import (FIRST_TEXT_BUDGET, LESSON_PATH, PAGE_BUDGET, CountingProxy, cold_lesson_load,
                              cookie_header, crawl, opens_offline, page_transfer)

STATIC = Path(__file__).resolve().parent.parent.parent / "elearn" / "static"
LESSON = "/courses/alpha/lessons/mo-dau"


@pytest.fixture
def proxy(live_server):
    """The byte-counting relay in front of the live server; links and cookies name it."""
    relay = CountingProxy(live_server.server.server_port)
    live_server.app.config["SERVER_NAME"] = urlsplit(relay.url).netloc
    try:
        yield relay
    finally:
        relay.close()


@pytest.fixture
def resident_cookies(app, auth, proxy):
    """A resident registered through the shared helper (tests/conftest.py), as cookies for a fresh phone."""
    auth.register()
    auth.client.get("/courses")  # reads, and so clears, the welcome message
    names = (app.config.get("SESSION_COOKIE_NAME", "session"), app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    cookies = [{"name": cookie.key, "value": cookie.value} for name in names
               for domain in ("127.0.0.1", "localhost", "hocso.test")
               if (cookie := auth.client.get_cookie(name, domain=domain)) is not None]
    assert cookies, "the test client holds no session cookie"
    return cookies


@pytest.mark.browser
def test_every_page_a_resident_reaches_transfers_under_30_kb(chromium, proxy, resident_cookies):
    # Not timing: the bytes are the same on a fast network, so it is not slowed down here.
    public = crawl(proxy.url, ["/", "/sign-in", "/register", "/privacy"])
    resident = crawl(proxy.url, ["/courses", "/"], cookie_header(resident_cookies))
    assert LESSON in resident and "/register" in public, (public, resident)
    transfers = [page_transfer(chromium, proxy, path, quiet=0.5) for path in public]
    transfers += [page_transfer(chromium, proxy, path, resident_cookies, quiet=0.5) for path in resident]
    over = {t.path: t.down for t in transfers if t.down > PAGE_BUDGET}
    elsewhere = {t.path: t.elsewhere for t in transfers if t.elsewhere}
    assert over == {} and elsewhere == {}, f"over {PAGE_BUDGET} bytes: {over}; other hosts: {elsewhere}"


@pytest.mark.browser
def test_the_first_lesson_text_shows_within_1_5_s_on_slow_3g(chromium, proxy, resident_cookies):
    # Two checks, so that a busy CI machine cannot fail it while a real regression still does:
    # - the network-bound part, computed from the bytes and round trips Chromium reports (the document,
    #   then everything that blocks drawing, each with 400 ms of latency, at 400 kbit/s): deterministic,
    #   and it catches what makes lessons slow on 3G (more bytes, another render-blocking request, a chain);
    # - the time measured with the emulation (CPU 4× slower too), best of up to five cold loads: a slow
    #   moment of a shared machine only lengthens a run, so the best run is the phone's own figure, and
    #   the first run under budget ends the test (on a quiet machine the first run: about 1.15 s here,
    #   with 0.99 s of it the network).
    loads = []
    for _ in range(5):
        loads.append(cold_lesson_load(chromium, proxy.url, LESSON, resident_cookies))
        if loads[-1].seconds < FIRST_TEXT_BUDGET:
            break
    assert loads[0].model < FIRST_TEXT_BUDGET, f"the network alone needs {loads[0].model:.2f} s: {loads[0].requests}"
    best = min(load.seconds for load in loads)
    assert best < FIRST_TEXT_BUDGET, f"first lesson text after {[round(load.seconds, 2) for load in loads]} s"


def _has_service_worker(app) -> bool:
    """Whether the app ships a service worker (a script or a route named for one)."""
    names = ("sw.js", "service-worker", "serviceworker", "service_worker")
    files = [path.name.lower() for path in STATIC.rglob("*.js")]
    routes = [rule.rule.lower() for rule in app.url_map.iter_rules()]
    return any(name in each for name in names for each in files + routes)


@pytest.mark.browser
def test_a_lesson_read_once_opens_offline(app, chromium, proxy, resident_cookies):
    if not _has_service_worker(app):
        pytest.skip("the app has no service worker yet (issue 9: install and offline)")
    assert LESSON_PATH.match(LESSON)
    offline = opens_offline(chromium, proxy.url, LESSON, resident_cookies)
    assert offline.opened, offline.how
