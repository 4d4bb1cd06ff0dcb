"""A trainer's day on a 360-px phone, in a real browser against a real server.

The trainer registers a resident in person and reads them the code; the resident sets their own
password with it on their phone; the trainer and the resident then take both required quizzes
together on the trainer's phone; the commune official's dashboard counts the assisted completion.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from elearn.db import db_session
from elearn.models import Unit
from tests.app.trainers import make_staff
from tests.browser.conftest import open_phone
from tests.browser.helpers import fits, horizontal_overflow, required_courses, small_targets, village_name
from tests.conftest import PASSWORD, app_code

pytestmark = pytest.mark.browser

RESIDENT_NAME = "Hồ Thị Mận"
RESIDENT_PHONE = "0987 654 321"
RESIDENT_PASSWORD = "man chin do ca vuon 2026"


def sign_in(page, phone: str, password: str = PASSWORD) -> None:
    """The password, then (staff) the code their authenticator app shows, on the second step's page."""
    page.goto("/sign-in")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").tap()
    page.wait_for_url(lambda url: urlsplit(url).path != "/sign-in")
    if urlsplit(page.url).path == "/sign-in/verify":
        fits(page, "the second step of signing in")
        page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(app_code())
        page.get_by_role("button", name="Đăng nhập", exact=True).tap()
        page.wait_for_url(lambda url: urlsplit(url).path != "/sign-in/verify")


def test_a_trainer_registers_a_resident_who_sets_a_password_and_they_finish_the_courses_together(
        app, db, live_server, phone, chromium, villages, tmp_path):
    from playwright.sync_api import expect

    courses = required_courses(app)
    with app.app_context():
        commune_id = db_session().get(Unit, villages[0]).parent_id
    make_staff(db, "trainer", villages[0], "+84933000005", name="Trần Văn Hướng")
    make_staff(db, "official", commune_id, "+84933000001", name="Cán Bộ Xã")
    page = phone.page

    # The trainer registers the resident, with consent given in person.
    sign_in(page, "0933 000 005")
    page.get_by_role("link", name="Tổ CNS").tap()
    page.get_by_role("link", name="Đăng ký cho người dân").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký cho người dân")
    page.get_by_label("Họ và tên người dân").fill(RESIDENT_NAME)
    page.get_by_label("Số điện thoại của người dân").press_sequentially(RESIDENT_PHONE)
    page.get_by_label("Ngày", exact=True).fill("2")  # three plain boxes: ngày / tháng / năm
    page.get_by_label("Tháng", exact=True).fill("9")
    page.get_by_label("Năm", exact=True).fill("1979")
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Thôn / tổ dân phố nơi người dân ở").select_option(label=village_name(app, villages[0]))
    fits(page, "the registration form")
    page.get_by_role("button", name="Đăng ký và lấy mã").tap()
    # The consent box was left unticked: refused, with everything typed still there.
    expect(page.locator("#consent-error")).to_contain_text("Hãy đọc Thông báo về dữ liệu cá nhân")
    expect(page.get_by_label("Họ và tên người dân")).to_have_value(RESIDENT_NAME)
    expect(page.get_by_label("Năm", exact=True)).to_have_value("1979")
    expect(page.locator("#birth_date-understood")).to_have_text("Đã hiểu là: ngày 2 tháng 9 năm 1979.")
    page.get_by_label("Tôi đã đọc Thông báo về dữ liệu cá nhân cho người này nghe, và họ đồng ý.").check()
    page.get_by_role("button", name="Đăng ký và lấy mã").tap()
    code_box = page.locator("#one-time-code")
    expect(code_box).to_have_text(re.compile(r"^\d{4} \d{4}$"))
    code = code_box.inner_text()
    assert code_box.bounding_box()["height"] >= 30, "the code is not large enough to read aloud"
    fits(page, "the code page")
    page.screenshot(path=str(tmp_path / "code.png"), full_page=True)
    page.get_by_role("link", name="Xong, về trang của người dân").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESIDENT_NAME)
    resident_url = page.url

    # The resident sets their own password with the code, on their own phone.
    # (Blocked from other hosts and recorded, like the trainer's phone.)
    with open_phone(chromium, live_server) as resident_phone:
        own = resident_phone.page
        own.goto("/sign-in")
        own.get_by_role("link", name="Tôi có mã: đặt mật khẩu").tap()
        own.get_by_label("Số điện thoại của bạn").press_sequentially(RESIDENT_PHONE)
        own.get_by_label("Mã 8 chữ số").fill(code.replace(" ", "-"))
        own.get_by_label("Mật khẩu mới (ít nhất 8 ký tự)").fill(RESIDENT_PASSWORD)
        own.get_by_label("Nhập lại mật khẩu mới").fill(RESIDENT_PASSWORD)
        assert horizontal_overflow(own) <= 0 and not small_targets(own)
        own.get_by_role("button", name="Đặt mật khẩu và đăng nhập").tap()
        expect(own).to_have_url(f"{live_server.url}/courses")
        expect(own.get_by_role("status").first).to_contain_text("Đã đặt mật khẩu mới")
    assert resident_phone.requests and all(live_server.is_local(url) for url in resident_phone.requests)

    # Back on the trainer's phone: both required quizzes, answered together.
    for course in courses:
        page.goto(resident_url)
        card = page.locator("ul.cards > li", has=page.get_by_role("heading", name=re.compile(course.title)))
        card.get_by_role("link", name="Làm bài cùng người dân").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Bài kiểm tra: {course.title}")
        for key in course.quiz:
            for choice_id in key.correct_choice_ids:
                page.locator("label.check", has=page.locator(
                    f'input[name="q{key.question_id}"][value="{choice_id}"]')).tap()
        page.get_by_label("Tôi đã cùng người dân xem qua các bài học của khóa này trước khi làm bài.").check()
        fits(page, f"the assisted quiz of {course.slug}")
        with page.expect_navigation():
            page.get_by_role("button", name="Nộp bài").tap()
        expect(page.get_by_role("status").first).to_contain_text("Đã đạt!")
        expect(page.locator(".verdict").first).to_contain_text("Đúng")
        assert horizontal_overflow(page) <= 0
    page.goto(resident_url)
    expect(page.get_by_text("2/2 đã xong")).to_be_visible()
    expect(page.get_by_text("(có hỗ trợ)")).to_have_count(2)

    # The official sees the assisted completion on the commune's dashboard.
    page.goto("/me")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").tap()
    sign_in(page, "0933 000 001")
    page.get_by_role("link", name="Báo cáo").tap()
    expect(page.get_by_text("Trong 1 người đã học xong, 1 người học xong với sự hỗ trợ trực tiếp")).to_be_visible()
    for cell in page.locator("td[data-label='Có hỗ trợ']").all():
        expect(cell).to_have_text("1")
    assert horizontal_overflow(page) <= 0
    assert not [url for url in phone.requests if not live_server.is_local(url)]
