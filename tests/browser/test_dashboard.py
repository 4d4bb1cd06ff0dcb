"""An official opens the commune's dashboard on a 360-px phone: readable, nothing scrolls sideways,
the table can be sorted by tapping a heading, and the charts are drawn without any script."""
from __future__ import annotations

import pytest

from tests.browser.helpers import horizontal_overflow
from tests.conftest import PASSWORD, app_code
from tests.reports.conftest import commune, staff  # noqa: F401  (fixtures of the reports' tests)

pytestmark = pytest.mark.browser


def test_an_official_reads_and_sorts_the_dashboard_on_a_phone(app, db, commune, live_server, phone,
                                                               tmp_path):
    from playwright.sync_api import expect

    staff(db, "official", commune.commune, "+84933000009")
    page = phone.page
    page.goto("/sign-in")
    page.get_by_label("Số điện thoại").fill("0933 000 009")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").tap()
    page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(app_code())  # the second step
    page.get_by_role("button", name="Đăng nhập", exact=True).tap()
    page.get_by_role("link", name="Báo cáo").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xã Một")
    page.get_by_label("Số liệu tính đến ngày").fill("30/06/2026")
    page.get_by_role("button", name="Xem").tap()

    expect(page.locator(".big")).to_have_text("63,3%")
    expect(page.get_by_text("Cần đào tạo thêm 3 người để đạt trên 70%.")).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the dashboard scrolls sideways at 360 px"
    rows = page.locator("#rows-table tbody th[scope=row]")
    expect(rows.first).to_contain_text("Thôn A")  # 40%: the worst first
    page.get_by_label("Sắp xếp").select_option(label="Tỷ lệ cao nhất trước")
    page.get_by_role("button", name="Sắp xếp").tap()
    expect(rows.first).to_contain_text("Thôn B")  # 75%
    assert horizontal_overflow(page) <= 0
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    box = charts.first.bounding_box()
    assert box["width"] <= 360 and box["height"] > 50
    # The table is stacked into labelled blocks on a phone: each figure says what it is.
    expect(page.locator("td[data-label='Tỷ lệ']").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert not [url for url in phone.requests if not live_server.is_local(url)]
