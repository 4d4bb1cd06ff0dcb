"""The admin's audit view (/admin/audit): newest first, filtered by action, days (dd/mm/yyyy) and
actor, a page at a time, with nothing about people beyond the ids the rows hold."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from elearn.admin.audit_log import PAGE_SIZE
from elearn.models import AuditEvent
from tests.app.trainers import make_resident, make_staff, signed_in

ADMIN_PHONE = "+84933000004"


@pytest.fixture
def admin(app, db, villages):
    return make_staff(db, "admin", None, ADMIN_PHONE, name="Quản Trị Viên")


@pytest.fixture
def browser(app, admin):
    return signed_in(app, ADMIN_PHONE)


def at(text: str) -> datetime:
    """A Việt Nam local time as the naive UTC the table stores."""
    return datetime.strptime(text, "%d/%m/%Y %H:%M") - timedelta(hours=7)


def rows(page: str) -> list[str]:
    return [chunk.split("</code>")[0] for chunk in page.split("<code>")[1:]]


@pytest.fixture
def trail(db, admin, villages):
    resident = make_resident(db, villages[0], "+84912345678", name="Nguyễn Thị Lan")
    db.add_all([
        AuditEvent(action="signed_in", actor_id=resident.id, subject_id=resident.id, at=at("01/03/2026 08:00")),
        AuditEvent(action="data_exported", actor_id=resident.id, subject_id=resident.id, at=at("02/03/2026 00:30")),
        AuditEvent(action="role_assigned", actor_id=admin.id, subject_id=resident.id, at=at("03/03/2026 23:30"),
                   detail={"role": "trainer", "unit_id": villages[0]}),
    ])
    db.commit()
    return resident


def test_newest_first_with_ids_only_and_staff_linked(browser, trail, admin):
    response = browser.get("/admin/audit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rows(page)[0] in ("signed_in", "second_factor_passed")  # the admin's own sign-in, just now
    assert rows(page)[-3:] == ["role_assigned", "data_exported", "signed_in"]
    assert f"#{trail.id}" in page and f'href="/admin/staff/{admin.id}">#{admin.id}</a>' in page
    assert f'href="/admin/staff/{trail.id}"' not in page  # a resident has no staff page
    for personal in ("Nguyễn Thị Lan", "0912", "912345678", "1975"):
        assert personal not in page
    assert 'class="table-stack"' in page  # labelled blocks on a 360-px phone


def listed(browser, query: str) -> list[str]:
    response = browser.get(f"/admin/audit?{query}")
    assert response.status_code == 200, query
    return rows(response.get_data(as_text=True))


def test_filters_by_action_local_days_and_actor(browser, trail, admin):
    assert listed(browser, "action=data_exported") == ["data_exported"]
    # 02/03/2026 00:30 in Việt Nam is 01/03 17:30 UTC: the day is the local one.
    assert listed(browser, "since=02/03/2026&until=02/03/2026") == ["data_exported"]
    assert listed(browser, "since=03/03/2026")[-1] == "role_assigned"
    by_admin = listed(browser, f"actor={admin.id}&until=31/12/2026")
    assert "role_assigned" in by_admin and "data_exported" not in by_admin


@pytest.mark.parametrize("query, field, message", [
    ("since=31/02/2026", "since", "Ngày chưa đúng"),
    ("since=05/03/2026&until=01/03/2026", "until", "Ngày kết thúc phải sau ngày bắt đầu"),
    ("actor=%C2%B2", "actor", "Mã người làm là một số"),
    ("actor=" + "9" * 5000, "actor", "Mã người làm là một số"),
    ("action=no_such_thing", "action", "Chưa có việc nào như thế"),
])
def test_a_wrong_filter_is_explained_next_to_its_field_and_kept(browser, trail, query, field, message):
    response = browser.get(f"/admin/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert len(rows(page)) >= 1  # the rest of the page still works


def test_pages_of_fifty_keep_the_filter(app, db, browser, admin):
    start = datetime(2026, 1, 1)
    db.add_all(AuditEvent(action="report_exported", actor_id=admin.id, at=start + timedelta(minutes=n),
                          detail={"n": n}) for n in range(PAGE_SIZE + 10))
    db.commit()
    first = browser.get("/admin/audit?action=report_exported").get_data(as_text=True)
    assert len(rows(first)) == PAGE_SIZE and f"n: {PAGE_SIZE + 9}<" in first
    assert "/admin/audit?page=2&amp;action=report_exported" in first
    second = browser.get("/admin/audit?action=report_exported&page=2").get_data(as_text=True)
    assert len(rows(second)) == 10 and "n: 0<" in second
    beyond = browser.get("/admin/audit?action=report_exported&page=99999999999")
    assert beyond.status_code == 200 and "n: 0<" in beyond.get_data(as_text=True)


def test_only_admins_see_the_trail(app, db, villages, admin):
    make_staff(db, "official", villages[0], "+84933000001")
    assert signed_in(app, "+84933000001").get("/admin/audit").status_code == 404
    assert app.test_client().get("/admin/audit").status_code == 302
