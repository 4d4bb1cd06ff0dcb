"""The registration form on a 360 px phone (issue 9): the birth date typed in three boxes and said
back in words, "Hiện mật khẩu", and the guardian's box there before sending for a 15-year-old,
with JavaScript on and off."""
from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import open_phone
from tests.browser.helpers import fits, village_name

pytestmark = pytest.mark.browser

PASSWORD = "mua xuan tren ruong bac thang"
GUARDIAN = "Cha, mẹ hoặc người giám hộ của tôi đồng ý cho tôi đăng ký."


def type_date(page, day: str, month: str, year: str) -> None:
    for label, value in (("Ngày", day), ("Tháng", month), ("Năm", year)):
        box = page.get_by_label(label, exact=True)
        box.fill("")
        box.press_sequentially(value)


def test_a_15_year_old_registers_on_a_phone_seeing_every_step(app, live_server, phone, villages):
    from playwright.sync_api import expect

    page = phone.page
    page.goto("/register")
    fits(page, "the registration form")
    guardian = page.get_by_label(GUARDIAN)
    expect(guardian).to_be_visible()  # the age is not known yet: shown

    # The date, typed the Vietnamese way, is said back in words while typing; a grown-up needs no guardian.
    expect(page.get_by_label("Ngày", exact=True)).to_have_attribute("inputmode", "numeric")
    type_date(page, "12", "05", "1985")
    expect(page.locator("#birth_date-understood")).to_have_text("Đã hiểu là: ngày 12 tháng 5 năm 1985.")
    expect(guardian).to_be_hidden()

    # Fifteen years old (1 January): the guardian's box is there before sending.
    fifteen = date.today().year - 15
    type_date(page, "1", "1", str(fifteen))
    expect(page.locator("#birth_date-understood")).to_have_text(f"Đã hiểu là: ngày 1 tháng 1 năm {fifteen}.")
    expect(guardian).to_be_visible()

    page.get_by_label("Họ và tên").fill("Lò Văn Nam")
    page.get_by_label("Số điện thoại").press_sequentially("0912 345 670")
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Thôn / tổ dân phố nơi bạn ở").select_option(label=village_name(app, villages[0]))

    # "Hiện mật khẩu" shows both boxes as text while ticked.
    password, again = page.get_by_label("Mật khẩu (ít nhất 8 ký tự)"), page.get_by_label("Nhập lại mật khẩu")
    password.fill(PASSWORD)
    again.fill(PASSWORD)
    show = page.get_by_label("Hiện mật khẩu")
    expect(show).to_be_visible()
    expect(password).to_have_attribute("type", "password")
    show.check()
    expect(password).to_have_attribute("type", "text")
    expect(again).to_have_attribute("type", "text")
    show.uncheck()
    expect(password).to_have_attribute("type", "password")
    fits(page, "the registration form, filled in")

    page.get_by_label("Tôi đã đọc và đồng ý với Thông báo về dữ liệu cá nhân.").check()
    guardian.check()
    page.get_by_role("button", name="Đăng ký").tap()
    expect(page).to_have_url(f"{live_server.url}/courses")
    expect(page.get_by_role("status").first).to_contain_text("Chào mừng Lò Văn Nam!")


def test_without_javascript_the_guardians_box_is_there_and_the_date_is_said_back(chromium, live_server, villages):
    from playwright.sync_api import expect

    with open_phone(chromium, live_server, java_script_enabled=False) as phone:
        page = phone.page
        page.goto("/register")
        expect(page.get_by_label(GUARDIAN)).to_be_visible()
        expect(page.get_by_text("Nếu bạn dưới 16 tuổi")).to_be_visible()
        expect(page.get_by_label("Hiện mật khẩu")).to_be_hidden()  # it would do nothing: typed twice instead
        expect(page.get_by_label("Nhập lại mật khẩu")).to_be_visible()
        fits(page, "the registration form without JavaScript")
        # A whole date typed in the day box and a mistake elsewhere: the page comes back saying what it read.
        page.get_by_label("Ngày", exact=True).fill("12051985")
        page.get_by_role("button", name="Đăng ký").tap()
        expect(page.locator("#birth_date-understood")).to_have_text("Đã hiểu là: ngày 12 tháng 5 năm 1985.")
        expect(page.get_by_label("Tháng", exact=True)).to_have_value("5")
        expect(page.get_by_label("Năm", exact=True)).to_have_value("1985")
