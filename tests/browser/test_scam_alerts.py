"""Scam alerts on a 360-px phone: a trainer posts one for their village, a resident there sees it on
their course list and marks it read; the trainer's list then counts one reader."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.app.trainers import make_resident, make_staff
from tests.browser.conftest import open_phone
from tests.browser.helpers import fits
from tests.browser.test_trainer_journey import sign_in

pytestmark = pytest.mark.browser


def test_a_trainer_posts_an_alert_and_a_resident_of_the_village_reads_it(app, db, live_server, chromium, villages):
    from playwright.sync_api import expect

    make_staff(db, "trainer", villages[0], "+84933000005", name="Trần Văn Hướng")
    make_resident(db, villages[0], "+84912345678", name="Vũ Thị Mai")
    expires = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date() + timedelta(days=7)

    with open_phone(chromium, live_server) as trainer:
        page = trainer.page
        sign_in(page, "0933 000 005")
        page.get_by_role("link", name="Tổ CNS").tap()
        page.get_by_role("link", name="Cảnh báo lừa đảo").tap()
        page.get_by_role("link", name="Gửi cảnh báo mới").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Gửi cảnh báo lừa đảo")
        fits(page, "the new alert form")
        page.get_by_label("Tiêu đề").fill("Giả danh công an gọi điện")
        page.get_by_label("Nội dung").fill("Kẻ gian xưng là **công an**, đòi chuyển tiền để giải quyết hồ sơ.")
        page.get_by_label("Hiện đến hết ngày").fill("")  # a mistake first: the message sits next to the field
        page.get_by_role("button", name="Gửi cảnh báo").tap()
        expect(page.locator("#expires_on-error")).to_contain_text("Hãy nhập ngày hết hạn")
        expect(page.get_by_label("Tiêu đề")).to_have_value("Giả danh công an gọi điện")
        page.get_by_label("Hiện đến hết ngày").fill(expires.strftime("%d/%m/%Y"))
        page.get_by_role("button", name="Gửi cảnh báo").tap()
        expect(page.get_by_role("heading", level=2, name="Giả danh công an gọi điện")).to_be_visible()
        expect(page.get_by_text("Đã đọc: 0/1 người dân")).to_be_visible()
        fits(page, "the trainer's list of alerts")

        with open_phone(chromium, live_server) as resident:
            mine = resident.page
            sign_in(mine, "0912 345 678")
            expect(mine.get_by_role("heading", level=1)).to_have_text("Khóa học của bạn")
            alert = mine.locator("#alerts li.alert")
            expect(alert).to_have_count(1)
            expect(alert.get_by_role("heading", level=3)).to_have_text("Giả danh công an gọi điện")
            expect(alert.locator("strong", has_text="công an")).to_be_visible()
            today = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()
            expect(alert).to_contain_text(f"Đăng ngày {today:%d/%m/%Y}")
            expect(alert).to_contain_text("Bạn nên làm gì:")
            fits(mine, "the course list with an alert")
            alert.get_by_role("button", name="Tôi đã đọc").tap()
            expect(mine.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đọc cảnh báo")
            expect(mine.locator("#alerts")).to_have_count(0)
            mine.reload()
            expect(mine.locator("#alerts")).to_have_count(0)

        page.reload()
        expect(page.get_by_text("Đã đọc: 1/1 người dân")).to_be_visible()
