"""A new trainer adds the authenticator app at the first sign-in, on a 360-px phone with JavaScript
off: the QR code is drawn inline, the secret wraps in groups of four, the code box brings up the
number pad, and the recovery codes fit the screen."""
from __future__ import annotations

import re

import pyotp
import pytest

from tests.app.trainers import make_staff
from tests.browser.helpers import fits, horizontal_overflow
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_new_trainer_adds_the_app_on_a_phone_and_writes_down_the_recovery_codes(app, db, live_server, chromium,
                                                                                villages):
    from playwright.sync_api import expect

    trainer = make_staff(db, "trainer", villages[0], "+84933000005")
    db.delete(trainer.second_factor)
    db.commit()
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False,
                                   viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Số điện thoại").fill("0933 000 005")
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").tap()

        expect(page.get_by_role("heading", level=1)).to_have_text("Bật xác thực hai bước")
        qr = page.get_by_role("img", name="Mã QR để thêm tài khoản vào ứng dụng xác thực")
        assert qr.locator("svg").bounding_box()["width"] >= 150
        fits(page, "the enrolment page")
        code_box = page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực")
        assert code_box.get_attribute("inputmode") == "numeric"
        assert code_box.get_attribute("autocomplete") == "one-time-code"
        secret = re.sub(r"\s+", "", page.locator("#secret").inner_text())
        code_box.fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Xác nhận và đăng nhập").tap()

        expect(page.get_by_role("heading", level=1)).to_have_text("Mã dự phòng của bạn")
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        assert horizontal_overflow(page) <= 0, "the recovery codes scroll sideways at 360 px"
        page.get_by_role("link", name="Tôi đã ghi lại các mã, tiếp tục").tap()
        page.goto("/trainer/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.url.endswith("/trainer/")
        assert all(live_server.is_local(url) for url in requests), "a request left the server (a CDN?)"
    finally:
        context.close()
