"""Back and double taps on a phone (issue 9): after a refused form, Back shows a page (never Chromium's
"Confirm Form Resubmission" / ERR_CACHE_MISS); a double tap of "Đăng ký" on a slow network ends signed
in on the course list with one account; Back from there shows a page that says so."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from elearn.db import db_session
from elearn.models import User
from tests.browser.conftest import copy_cookies
from tests.browser.helpers import required_courses, village_name

pytestmark = pytest.mark.browser

PASSWORD = "mua xuan tren ruong bac thang"


def no_error_page(page) -> None:
    body = page.evaluate("document.body ? document.body.innerText : ''")
    assert "ERR_CACHE_MISS" not in body and "Confirm Form Resubmission" not in body, body[:300]
    assert page.url.startswith("http"), page.url  # not chrome-error://


def test_back_after_a_quiz_with_a_blank_answer_shows_a_page(app, live_server, phone, auth):
    from playwright.sync_api import expect

    auth.register()
    copy_cookies(auth.client, phone.page.context, live_server)
    page = phone.page
    alpha = next(course for course in required_courses(app) if course.slug == "alpha")
    page.goto("/courses/alpha/quiz")
    second = alpha.quiz[1]
    page.locator(f'input[name="q{second.question_id}"][value="{second.correct_choice_ids[0]}"]').check()
    page.get_by_role("button", name="Nộp bài").tap()

    # Post/Redirect/Get: the quiz's own address, the answer kept, the blank one linked and marked.
    expect(page.get_by_role("alert").first).to_contain_text("chưa trả lời")
    assert page.url == f"{live_server.url}/courses/alpha/quiz"
    first = f"q{alpha.quiz[0].question_id}"
    link = page.get_by_role("link", name="Đến câu chưa trả lời đầu tiên (câu 1)")
    assert link.get_attribute("href") == f"#{first}"
    expect(page.locator(f"fieldset#{first}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f'input[name="q{second.question_id}"][value="{second.correct_choice_ids[0]}"]')).to_be_checked()
    link.tap()

    # Answer everything now and send: the result page.
    for question in alpha.quiz:
        for choice_id in question.correct_choice_ids:
            page.locator(f'input[name="q{question.question_id}"][value="{choice_id}"]').check()
    page.get_by_role("button", name="Nộp bài").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kết quả")

    # Back, and Back again: pages each time, never "resend the form?".
    for _ in range(2):
        page.go_back()
        page.wait_for_load_state("load")
        no_error_page(page)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Bài kiểm tra")


def slow_registrations(app, seconds: float) -> list[float]:
    """A slow network: each POST /register waits before the app sees it. Returns the list of their times."""
    seen: list[float] = []
    lock = threading.Lock()
    inner = app.wsgi_app

    def slow(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/register":
            with lock:
                seen.append(time.monotonic())
            time.sleep(seconds)
        return inner(environ, start_response)

    app.wsgi_app = slow
    return seen


def test_a_double_tapped_registration_ends_signed_in_on_the_course_list_with_one_account(
        app, live_server, phone, villages):
    from playwright.sync_api import expect

    page = phone.page
    page.goto("/register")
    page.get_by_label("Họ và tên").fill("Phạm Văn Hai")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    for label, value in zip(("Ngày", "Tháng", "Năm"), ("3", "4", "1970")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Thôn / tổ dân phố nơi bạn ở").select_option(label=village_name(app, villages[0]))
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Tôi đã đọc và đồng ý với Thông báo về dữ liệu cá nhân.").check()

    posts = slow_registrations(app, 1.0)
    # Two taps 150 ms apart: the second cancels the first navigation (the first request still reaches the
    # server and creates the account) and sends the same form again.
    page.evaluate("""() => {
        const button = [...document.querySelectorAll('main form button')].find(b => b.textContent.trim() === 'Đăng ký');
        button.click();
        setTimeout(() => button.click(), 150);
    }""")
    expect(page).to_have_url(f"{live_server.url}/courses", timeout=20_000)
    no_error_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Khóa học của bạn")
    text = page.evaluate("document.body.innerText")
    assert "đã có tài khoản" not in text and "Trang đã mở quá lâu" not in text
    assert len(posts) == 2, "the second tap did not reach the server"
    with app.app_context():
        assert db_session().scalar(select(func.count(User.id)).where(User.phone == "+84912345678")) == 1

    # Back from the course list: a page saying who is signed in, with the way on (no redirect loop).
    page.go_back()
    page.wait_for_load_state("load")
    no_error_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bạn đã đăng nhập")
    page.get_by_role("link", name="Đến danh sách khóa học").tap()
    expect(page).to_have_url(f"{live_server.url}/courses")
