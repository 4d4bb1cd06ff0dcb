"""Large text on a small phone (issue 9): at 150% and 200% text on a 360-px screen no page scrolls
sideways, and the text size buttons change, remember and show the chosen size.

Pages come from the route matrix (tests/app/test_access.py: ACCESS): every GET page a resident, a
trainer, an official, an admin or a visitor not signed in may open, each opened by every one of
them allowed in (their menus differ). Text is made larger the way a phone's own setting does it:
the root font size grows, and every size on the pages follows it."""
from __future__ import annotations

import pytest
from flask import url_for

from tests.app.test_access import ALLOWED, _browser, get_pages, world  # noqa: F401 # the matrix's world fixture
from tests.browser.test_bundled_pages import bundled  # noqa: F401 # the bundled courses, synced
from tests.browser.conftest import copy_cookies, open_phone
from tests.helpers import finish_course

pytestmark = pytest.mark.browser

VISITORS = ("anonymous", "resident", "trainer_here", "official_here", "admin")
# Not pages: a stylesheet, a picture, health checks and the bearer-token API.
NOT_PAGES = {"static", "learn.media", "api.healthz", "api.openapi", "api.api_units", "api.api_completion",
             "api.api_report"}
SCALES = ("150%", "200%")

WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .filter(e => !e.closest('.scroll'))
    .slice(-3).map(e => e.outerHTML.slice(0, 100) + ' → ' + Math.round(e.getBoundingClientRect().right))"""


def page_paths(app, world) -> dict[str, list[str]]:
    """Each visitor's GET pages of the route matrix that answer with HTML."""
    paths: dict[str, list[str]] = {}
    for who, path in get_pages(app, world, NOT_PAGES):
        for actor in VISITORS:
            if actor in ALLOWED[who] and (actor != "admin" or who == "admin"):
                paths.setdefault(actor, []).append(path)
    with app.test_request_context():
        paths["resident"].append(url_for("learn.lesson", slug="alpha", lesson_slug="tiep-theo"))
    return paths


def test_no_page_scrolls_sideways_with_large_text(app, db, world, live_server, chromium):
    problems, seen = [], 0
    for actor, paths in page_paths(app, world).items():
        browser = _browser(app, actor)
        if actor == "resident":
            finish_course(browser, db, "alpha")  # the course list shows "✓ Đã hoàn thành …"
        pages = []
        for path in paths:
            answer = browser.get(path)
            if answer.status_code == 200 and answer.mimetype == "text/html":
                pages.append(path)
            answer.close()
        with open_phone(chromium, live_server) as phone:
            if actor != "anonymous":
                copy_cookies(browser, phone.page.context, live_server)
            page = phone.page
            for path in pages:
                page.goto(path)
                seen += 1
                for scale in SCALES:
                    page.evaluate("scale => { document.documentElement.style.fontSize = scale; }", scale)
                    width = page.evaluate("document.scrollingElement.scrollWidth")
                    if width > 360:
                        problems.append(f"{actor} {path} at {scale}: {width} px wide; {page.evaluate(WIDEST)}")
    assert seen > 60
    assert problems == [], "\n".join(problems)


def test_no_bundled_lesson_scrolls_sideways_with_large_text(app, auth, bundled, live_server, chromium):
    """The courses shipped with the app (long words, links, pictures, tables) at 200% text."""
    auth.register()
    problems = []
    with open_phone(chromium, live_server, device_scale_factor=1) as phone:
        copy_cookies(auth.client, phone.page.context, live_server)
        page = phone.page
        for slug, lessons in bundled:
            for path in [f"/courses/{slug}", f"/courses/{slug}/quiz"] + [
                    f"/courses/{slug}/lessons/{lesson}" for lesson in lessons]:
                page.goto(path)
                assert page.url.endswith(path), f"{path} redirected to {page.url}"
                page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
                width = page.evaluate("document.scrollingElement.scrollWidth")
                if width > 360:
                    problems.append(f"{path}: {width} px wide; {page.evaluate(WIDEST)}")
    assert problems == [], "\n".join(problems)
