"""The official's dashboard: the right numbers, for the right people, on the chosen day."""
import re
from datetime import date

import pytest

from elearn.models import PopulationFigure, Unit
from elearn.units import add_unit
from tests.helpers import statements_of
from tests.reports.conftest import trained


@pytest.fixture
def official(client, commune, sign_in_as):
    return sign_in_as("official", commune.commune)


def test_the_dashboard_shows_the_rate_gap_and_each_village_worst_first(client, commune, official):
    page = client.get(f"/reports/{commune.commune.id}?as_of=30/06/2026").get_data(as_text=True)
    assert "63,3%" in page and "19 trên 30 người" in page
    assert "Cần đào tạo thêm 3 người để đạt trên 70%" in page
    assert "Cần đào tạo thêm 6 người để đạt trên 80%" in page
    assert "1 thôn chưa có số dân" in page
    rows = re.findall(r'<th scope="row">\s*([^<]+?)\s*<', page.split('id="rows"')[1])
    assert rows[:3] == ["Thôn A", "Thôn B", "Thôn C"]  # 40%, 75%, then no figure last


def test_a_malformed_or_future_day_gets_a_message_and_todays_figures(client, commune, official):
    for bad, message in (("31/02/2026", "Ngày chưa đúng"), ("abc", "Ngày chưa đúng"),
                         ("01/01/2999", "Ngày này chưa đến")):
        response = client.get(f"/reports/{commune.commune.id}?as_of={bad}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page and "Đang hiển thị số liệu hôm nay" in page


def test_an_official_never_sees_another_communes_numbers(client, commune, official):
    assert client.get(f"/reports/{commune.other_commune.id}").status_code == 404
    assert client.get(f"/reports/{commune.province.id}").status_code == 404
    assert client.get(f"/reports/{commune.a.id}").status_code == 404  # a village is no report


def test_a_province_official_sees_communes_and_can_open_each(app, db, commune, sign_in_as):
    browser = sign_in_as("official", commune.province, phone="+84933000002", on=app.test_client())
    page = browser.get(f"/reports/{commune.province.id}?as_of=30/06/2026").get_data(as_text=True)
    assert "Xã Một" in page and "Xã Hai" in page and f'href="/reports/{commune.commune.id}?as_of=30/06/2026"' in page
    assert browser.get(f"/reports/{commune.commune.id}").status_code == 200


def test_residents_and_trainers_get_404_on_reports(app, client, db, commune, auth, sign_in_as):
    trainer = sign_in_as("trainer", commune.a, phone="+84933000003", on=app.test_client())
    assert trainer.get(f"/reports/{commune.commune.id}").status_code == 404
    assert trainer.get("/reports/").status_code == 404


def test_the_dashboard_runs_a_fixed_number_of_queries(app, db, commune, official, client):
    """Constant in the number of villages and residents: aggregates, never a query per row."""
    path = f"/reports/{commune.commune.id}?as_of=30/06/2026"
    before = statements_of(app, client, path)
    parent = db.get(Unit, commune.commune.id)
    for number in range(5):
        village = add_unit(db, kind="village", name=f"Thôn mới {number}", parent=parent)
        db.add(PopulationFigure(village_id=village.id, year=2026, total=50))
        db.add_all([trained(village, date(1980, 1, 1), set_id=1) for _ in range(3)])
    db.commit()
    assert statements_of(app, client, path) == before <= 14
