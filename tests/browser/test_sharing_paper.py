"""Paper and pictures from a real browser (issue 9): every course's poster prints on one A4 page, a
lesson's handout prints on one page, and the certificate's "Lưu ảnh" saves a PNG made on the phone."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.models import Certificate, User
from tests.browser.conftest import copy_cookies, open_phone
from tests.browser.test_bundled_pages import bundled  # noqa: F401  (a fixture: the bundled courses synced)
from tests.browser.helpers import horizontal_overflow, small_targets
from tests.helpers import finish_course

pytestmark = pytest.mark.browser


def pages_of(pdf: bytes) -> int:
    """Pages in a PDF Chromium printed (each page object is written as `/Type /Page`)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_every_course_poster_prints_on_one_a4_page(bundled, live_server, chromium):
    assert bundled
    with open_phone(chromium, live_server) as phone:
        for slug, _lessons in bundled:
            phone.page.goto(f"/courses/{slug}/poster")
            assert phone.page.locator(".poster .qr svg").count() == 1
            pdf = phone.page.pdf(format="A4", print_background=True)
            assert pages_of(pdf) == 1, f"the poster of {slug} prints on {pages_of(pdf)} pages"
    assert all(live_server.is_local(url) for url in phone.requests)


def test_every_lesson_handout_prints_on_one_sheet(app, auth, bundled, live_server, chromium):
    """At 11 pt for older readers: a short lesson on one side of A4, a long one on both sides."""
    auth.register()
    longer = []
    with open_phone(chromium, live_server) as phone:
        copy_cookies(auth.client, phone.page.context, live_server)
        for slug, lessons in bundled:
            for lesson in lessons:
                phone.page.goto(f"/courses/{slug}/lessons/{lesson}/handout")
                assert phone.page.locator(".handout .qr svg").count() == 1
                phone.page.wait_for_load_state("networkidle")  # its pictures take room too
                if (count := pages_of(phone.page.pdf(format="A4", print_background=True))) > 2:
                    longer.append(f"{slug}/{lesson}: {count} pages")
        phone.page.goto("/privacy")  # the measure counts: a long page is more than one
        assert pages_of(phone.page.pdf(format="A4")) > 1
    assert longer == []


def test_lưu_ảnh_saves_the_certificate_as_a_png(app, db, auth, courses, live_server, chromium):
    auth.register()
    user = db.scalar(select(User).where(User.phone == "+84912345678"))
    db.add(Certificate(user_id=user.id, code="ABCDEFGHJKMN", trained_on=user.created_at.date()))
    db.commit()
    with open_phone(chromium, live_server) as phone:
        copy_cookies(auth.client, phone.page.context, live_server)
        phone.page.goto("/certificate")
        with phone.page.expect_download() as saving:
            phone.page.get_by_role("link", name="Lưu ảnh").click()
        download = saving.value
        assert download.suggested_filename == "chung-nhan-hoc-so.png"
        saved = Path(download.path()).read_bytes()
        assert saved.startswith(b"\x89PNG") and len(saved) > 10_000
        # No Web Share for files in this browser: the button stays hidden rather than doing nothing.
        share_works = phone.page.evaluate("() => !!(navigator.share && navigator.canShare)")
        assert phone.page.locator("[data-share-picture]").is_visible() == share_works


def test_sharing_pages_fit_a_phone_even_at_200_percent_text(app, db, auth, courses, live_server, chromium):
    auth.register(full_name="Nguyễn Thị Phương Thảo Hồng Nhung")
    finish_course(auth.client, db, "alpha")
    user = db.scalar(select(User).where(User.phone == "+84912345678"))
    db.add(Certificate(user_id=user.id, code="ABCDEFGHJKMN", trained_on=user.created_at.date()))
    db.commit()
    public = ["/verify", "/verify?code=ABCD-EF", "/verify/ABCDEFGHJKMN", "/verify/ABCDEFGHJKMP", "/courses/alpha",
              "/courses/alpha/poster"]
    own = ["/certificate", "/me/data", "/courses/alpha/lessons/mo-dau/handout"]
    problems = []
    for signed_in, paths in ((False, public), (True, own)):
        with open_phone(chromium, live_server) as phone:
            if signed_in:
                copy_cookies(auth.client, phone.page.context, live_server)
            for path in paths:
                phone.page.goto(path)
                if small_targets(phone.page):
                    problems.append(f"{path}: small tap targets {small_targets(phone.page)}")
                for scale in ("100%", "200%"):
                    phone.page.evaluate("scale => { document.documentElement.style.fontSize = scale; }", scale)
                    if (wider := horizontal_overflow(phone.page)) > 0:
                        problems.append(f"{path} at {scale}: {wider} px too wide")
    assert problems == []
