"""Reading and answering with no network, on a phone (issue 9, "Install and offline"): a lesson read
once opens offline, an unread page shows the offline page, "read, next" and quiz answers given
offline (on a quiz kept on the phone) are sent once when the network is back, and signing out
leaves no lesson on the phone."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from elearn.models import Lesson, LessonView, QuizAttempt
from tests.browser.conftest import open_phone
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LESSON = "/courses/alpha/lessons/mo-dau"
KEPT = """path => caches.keys()
  .then(names => Promise.all(names.filter(name => name.indexOf('hocso-pages-') === 0)
    .map(name => caches.open(name).then(cache => cache.match(path)))))
  .then(hits => hits.some(Boolean))"""


def within(seconds: float, check) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def eventually(check, what: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def sign_in(page):
    page.goto("/sign-in")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.tap()
    page.wait_for_url("**/courses")


def count(db, query) -> int:
    db.rollback()  # a fresh look at what the server committed
    return db.scalar(query)


def open_and_keep(page, path):
    page.goto(path)
    page.evaluate("navigator.serviceWorker.ready")
    eventually(lambda: page.evaluate(KEPT, path), f"{path} was not kept by the service worker")


def test_a_lesson_read_once_opens_with_no_network_and_its_reading_counts(db, live_server, chromium, auth):
    from playwright.sync_api import expect

    auth.register()
    with open_phone(chromium, live_server) as phone:
        page = phone.page
        sign_in(page)
        open_and_keep(page, LESSON)  # the first visit, before the service worker ran
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == live_server.url + "/"

        page.context.set_offline(True)
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mở đầu")
        expect(page.get_by_text("Đây là bài mở đầu.")).to_be_visible()

        # "Read, next" offline: kept for later, and on to the next lesson, not on the phone yet.
        page.get_by_role("button", name="Đã đọc xong, sang bài tiếp theo").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bạn đang không có mạng")
        expect(page.get_by_role("link", name="Mở đầu")).to_be_visible()  # what can be read offline
        assert count(db, select(func.count(LessonView.id))) == 0

        page.context.set_offline(False)  # the offline page opens the lesson asked for, which sends the reading
        expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp theo")
        sent = lambda: count(db, select(func.count(LessonView.id))) == 1  # noqa: E731
        if not within(10, sent):
            # On a loaded machine the first send can be lost with the page the network's return reloads
            # (seen twice with two suites running side by side); what is kept goes at the next page's load.
            page.reload()
        eventually(sent, "the reading was not sent")
        read = db.scalar(select(Lesson.slug).join(LessonView, LessonView.lesson_id == Lesson.id))
        assert read == "mo-dau"
        eventually(lambda: page.evaluate("localStorage.getItem('hocso-outbox')") is None, "kept after it was sent")


def test_quiz_answers_given_offline_are_kept_and_count_once(db, live_server, chromium, auth):
    from playwright.sync_api import expect

    auth.register()
    attempts = select(func.count(QuizAttempt.id))
    with open_phone(chromium, live_server) as phone:
        page = phone.page
        sign_in(page)
        open_and_keep(page, "/courses/alpha/quiz")
        key = page.locator("input[name=idempotency_key]")
        online_key = key.input_value()
        page.context.set_offline(True)
        page.reload()  # the quiz kept on the phone, as a new attempt: a key of its own
        expect(page.get_by_role("heading", level=1)).to_contain_text("Bài kiểm tra")
        offline_key = key.input_value()
        assert len(offline_key) >= 16 and offline_key != online_key
        page.get_by_label("Đúng một").check()
        page.get_by_label("Đúng A").check()
        page.get_by_label("Đúng B").check()
        page.get_by_label("Gác máy").check()
        page.get_by_role("button", name="Nộp bài").tap()
        expect(page.get_by_role("status").filter(has_text="đã được lưu")).to_be_visible()
        page.get_by_role("button", name="Nộp bài").tap()  # a second tap keeps it once
        kept = page.evaluate("localStorage.getItem('hocso-outbox')")
        assert kept.count('"quiz"') == 1
        assert count(db, attempts) == 0

        page.context.set_offline(False)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Kết quả")
        assert "/quiz/attempts/" in page.url
        assert count(db, attempts) == 1
        assert db.scalar(select(QuizAttempt.idempotency_key)) == offline_key

        # The same answers sent again (a second phone tab, a retry): still one attempt.
        page.evaluate("kept => localStorage.setItem('hocso-outbox', kept)", kept)
        page.goto("/courses")
        eventually(lambda: page.evaluate("localStorage.getItem('hocso-outbox')") is None, "not sent again")
        assert count(db, attempts) == 1


def test_signing_out_leaves_no_lesson_on_the_phone(live_server, chromium, auth):
    from playwright.sync_api import expect

    auth.register()
    with open_phone(chromium, live_server) as phone:
        page = phone.page
        sign_in(page)
        open_and_keep(page, LESSON)
        page.goto("/me")
        page.get_by_role("button", name="Đăng xuất").tap()
        expect(page.get_by_text("Bạn đã đăng xuất")).to_be_visible()
        eventually(lambda: not page.evaluate(KEPT, LESSON), "the lesson stayed on the phone after signing out")

        page.context.set_offline(True)
        page.goto(LESSON)
        expect(page.get_by_role("heading", level=1)).to_have_text("Bạn đang không có mạng")


def test_the_offline_page_opens_the_page_asked_for_once_the_network_really_works(db, live_server, chromium, auth):
    """"online" can come before the network carries anything: the offline page looks (/healthz) before it
    reloads, and keeps looking, instead of reloading into itself with nothing left to wake it."""
    from playwright.sync_api import expect

    auth.register()
    with open_phone(chromium, live_server) as phone:
        page = phone.page
        sign_in(page)
        open_and_keep(page, LESSON)
        page.context.set_offline(True)
        page.goto("/courses/alpha/lessons/tiep-theo")  # never opened: not on the phone
        expect(page.get_by_role("heading", level=1)).to_have_text("Bạn đang không có mạng")
        probes = []

        def network_not_back_yet(route):
            probes.append(route.request.url)
            if len(probes) == 1:
                route.abort()
            else:
                route.continue_()

        page.route("**/healthz", network_not_back_yet)
        page.context.set_offline(False)
        expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp theo", timeout=20_000)
        assert len(probes) >= 2
