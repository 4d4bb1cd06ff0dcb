"""Every bundled lesson and quiz fits a 360-px phone screen, with its pictures loading."""
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.content.sync import sync_folder
from elearn.db import db_session
from elearn.models import Course
from tests.browser.conftest import open_phone
from tests.browser.helpers import PHONE_WIDTH, horizontal_overflow

BUNDLED = Path(__file__).resolve().parent.parent.parent / "courses"


@pytest.fixture
def bundled(app, live_server):  # after the fixture courses (live_server's), which would archive these
    app.config["COURSES_PATH"] = str(BUNDLED)
    with app.app_context():
        sync_folder(db_session(), BUNDLED)
        db_session().commit()
        return [(course.slug, [lesson.slug for lesson in course.active_lessons])
                for course in db_session().scalars(select(Course).where(Course.is_published))]


@pytest.mark.browser
def test_no_bundled_page_is_wider_than_a_phone(app, auth, bundled, live_server, chromium):
    # Sign the phone in with the session cookie of a resident registered through the test client.
    auth.register()
    cookie = auth.client.get_cookie("session", domain=live_server.host.split(":")[0])
    problems = []
    # Cheap phones have 1x screens, where sub-pixel widths round up into a sideways scroll.
    with open_phone(chromium, live_server, device_scale_factor=1) as phone:
        phone.page.context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])
        page = phone.page
        for slug, lessons in bundled:
            for path in [f"/courses/{slug}"] + [f"/courses/{slug}/lessons/{lesson}" for lesson in lessons] + [
                    f"/courses/{slug}/quiz"]:
                page.goto(path)
                assert page.url.endswith(path), f"{path} redirected to {page.url}"
                if horizontal_overflow(page) > 0:
                    problems.append(f"{path} is {horizontal_overflow(page)} px too wide")
                # Sub-pixel overflow does not always show in scrollWidth: look at every box's right edge.
                widest = page.evaluate("() => Math.max(...[...document.querySelectorAll('main *')]"
                                       ".map(e => e.getBoundingClientRect().right))")
                if widest > PHONE_WIDTH + 0.5:
                    problems.append(f"{path}: a box reaches {widest:.1f} px")
                page.evaluate("() => document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
                for _ in range(50):
                    if page.evaluate("() => [...document.images].every(i => i.complete)"):
                        break
                    page.wait_for_timeout(100)
                broken = page.evaluate("() => [...document.images].filter(i => !i.naturalWidth).map(i => i.src)")
                problems.extend(f"{path}: picture did not load: {src}" for src in broken)
    elsewhere = sorted({url for url in phone.requests if not live_server.is_local(url)})
    assert problems == [] and elsewhere == []


SMALLEST_TEXT_PX = 14
# Each text of a picture drawn as the phone draws it: the SVG put at the width its <img> has on the
# lesson page, every text's font size times the scale the viewBox and transforms give it.
TEXT_SIZES = """([svg, width]) => {
  const box = document.createElement('div');
  box.innerHTML = svg;
  document.body.appendChild(box);
  const drawing = box.querySelector('svg');
  drawing.removeAttribute('width');
  drawing.removeAttribute('height');
  drawing.style.width = width + 'px';
  drawing.style.height = 'auto';
  const sizes = [...drawing.querySelectorAll('text, tspan')]
    .filter(t => t.textContent.trim() && !t.querySelector('tspan'))
    .map(t => { const m = t.getScreenCTM();
                const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
                return [t.textContent.trim().slice(0, 50), size]; });
  box.remove();
  return sizes;
}"""


@pytest.mark.browser
def test_every_picture_text_is_at_least_14_px_on_a_360_px_phone(app, auth, bundled, live_server, chromium):
    """The review found a developer name, the very thing a lesson teaches to read, at 7.5 px."""
    auth.register()
    cookie = auth.client.get_cookie("session", domain=live_server.host.split(":")[0])
    too_small, measured = [], 0
    with open_phone(chromium, live_server, device_scale_factor=1) as phone:
        phone.page.context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])
        page = phone.page
        for slug, lessons in bundled:
            for lesson in lessons:
                page.goto(f"/courses/{slug}/lessons/{lesson}")
                pictures = page.evaluate("() => [...document.querySelectorAll('main img')]"
                                         ".map(i => [i.getAttribute('src'), i.getBoundingClientRect().width])")
                for src, width in pictures:
                    if not src.endswith(".svg"):
                        continue
                    svg = (BUNDLED / slug / "media" / src.rsplit("/", 1)[1]).read_text(encoding="utf-8")
                    for text, size in page.evaluate(TEXT_SIZES, [svg, width]):
                        measured += 1
                        if size < SMALLEST_TEXT_PX - 0.05:
                            name = src.rsplit("/", 1)[1]
                            too_small.append(f"{slug}/{name} at {width:.0f} px: {text!r} {size:.1f} px")
    assert measured > 100, "no picture text was measured"
    assert too_small == []
