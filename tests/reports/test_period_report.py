"""The six-monthly and yearly report: the printable page, the XLSX and the CSV agree with each
other and with the dashboard; a unit name can never become a spreadsheet formula."""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from elearn.models import AuditEvent, Unit
from tests.conftest import csrf_token


@pytest.fixture
def official(client, commune, sign_in_as):
    return sign_in_as("official", commune.commune)


def export(client, unit_id, kind, start="2026-01-01", end="2026-06-30"):
    token = csrf_token(client, f"/reports/{unit_id}/period?kind=h1&year=2026")
    return client.post(f"/reports/{unit_id}/period.{kind}", data={"csrf_token": token, "start": start, "end": end})


def test_the_first_half_report_shows_the_period_and_every_table(client, commune, official):
    page = client.get(f"/reports/{commune.commune.id}/period?kind=h1&year=2026").get_data(as_text=True)
    assert "BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2026" in page and "từ 01/01/2026 đến 30/06/2026" in page
    for title in ("Tổng hợp", "Theo thôn", "Theo giới tính", "Theo nhóm tuổi", "Theo tháng", "Theo khóa học",
                  "Chỉ tiêu xã hội số"):
        assert title in page
    assert "NGƯỜI LẬP BIỂU" in page and "63,3%" in page


def test_the_xlsx_holds_numbers_equal_to_the_page_and_the_csv(client, db, commune, official):
    response = export(client, commune.commune.id, "xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Tổng hợp", "Theo thôn", "Theo giới tính", "Theo nhóm tuổi", "Theo tháng",
                               "Theo khóa học", "Khảo sát"]
    villages = {row[0]: row for row in book["Theo thôn"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert villages["Thôn A"][1:7] == (10, "2026", 0, 4, 4, pytest.approx(0.4))
    assert villages["Tổng cộng"][1] == 30 and villages["Tổng cộng"][4] == 21
    assert villages["Tổng cộng"][6] == pytest.approx(19 / 30) and villages["Tổng cộng"][7:9] == (3, 6)
    assert isinstance(villages["Thôn B"][4], int)  # numbers stay numbers
    rows = list(csv.reader(io.StringIO(export(client, commune.commune.id, "csv").data.decode("utf-8-sig"))))
    by_name = {row[0]: row for row in rows[2:]}
    assert by_name["Thôn A"][1:7] == ["10", "2026", "0", "4", "4", "40.0"]
    assert by_name["Tổng cộng"][6:9] == ["63.3", "3", "6"]
    page = client.get(f"/reports/{commune.commune.id}?as_of=30/06/2026").get_data(as_text=True)
    assert "63,3%" in page and "Cần đào tạo thêm 3 người" in page


def test_exports_are_audited_and_never_made_by_a_get(client, db, commune, official):
    assert client.get(f"/reports/{commune.commune.id}/period.xlsx").status_code == 405
    export(client, commune.commune.id, "csv")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "report_exported"))
    assert event.detail == {"unit_id": commune.commune.id, "format": "csv", "start": "2026-01-01",
                            "end": "2026-06-30"}


def test_a_unit_name_is_never_a_formula_in_the_files(client, db, commune, official):
    db.get(Unit, commune.a.id).name = "=HYPERLINK(\"http://evil.example\",\"Bấm\")"
    db.get(Unit, commune.b.id).name = "@SUM(1+1)"
    db.commit()
    book = load_workbook(io.BytesIO(export(client, commune.commune.id, "xlsx").data))
    cells = [row[0] for row in book["Theo thôn"].iter_rows(min_row=3, values_only=True)]
    assert "=HYPERLINK(\"http://evil.example\",\"Bấm\")" in cells  # a string, not a formula
    assert all(cell.data_type != "f" for row in book["Theo thôn"].iter_rows() for cell in row)
    text = export(client, commune.commune.id, "csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text


@pytest.mark.parametrize("query, message", [
    ("kind=custom&start=01/07/2026&end=01/01/2026", "Ngày kết thúc phải sau ngày bắt đầu"),
    ("kind=custom&start=01/01/2026&end=01/01/2999", "Ngày này chưa đến"),
    ("kind=custom&start=hôm qua&end=01/01/2026", "Ngày chưa đúng"),
])
def test_a_bad_period_gets_a_message_next_to_its_field(client, commune, official, query, message):
    response = client.get(f"/reports/{commune.commune.id}/period?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_a_period_not_over_yet_is_counted_up_to_today(client, commune, official):
    past = client.get(f"/reports/{commune.commune.id}/period?kind=year&year=2025").get_data(as_text=True)
    assert "BÁO CÁO TỔNG KẾT NĂM 2025" in past and "Kỳ báo cáo chưa kết thúc" not in past
    year = date.today().year
    page = client.get(f"/reports/{commune.commune.id}/period?kind=year&year={year}").get_data(as_text=True)
    if date.today() < date(year, 12, 30):  # a day's margin for Việt Nam being ahead of UTC
        assert "Kỳ báo cáo chưa kết thúc" in page
