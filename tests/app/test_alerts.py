"""Scam alerts: a trainer posts for their village, residents there see it on their course list until
they mark it read or it expires; staff see how many have read it; nobody posts outside their scope."""
from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo
from datetime import datetime

import pytest
from sqlalchemy import func, select

from elearn.models import Alert, AlertRead, AuditEvent
from tests.app.fieldwork import field, form_fields  # noqa: F401 (the fixture)
from tests.app.trainers import make_resident, signed_in
from tests.helpers import shown_again
from tests.reports.conftest import staff

EAST_PHONE, WEST_PHONE, OTHER_EAST_PHONE = "+84912100001", "+84912100002", "+84912100003"


def _today(app) -> date:
    return datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()


@pytest.fixture
def people(app, db, field):
    """Two residents who can sign in in Thôn Đông (six live there), one in Thôn Tây (two live there)."""
    return (make_resident(db, field.east.id, EAST_PHONE, name="Vũ Thị Mai"),
            make_resident(db, field.west.id, WEST_PHONE, name="Hồ Văn Nam"),
            make_resident(db, field.east.id, OTHER_EAST_PHONE, name="Đinh Thị Hạnh"))


def _post(browser, data: dict, path="/alerts/new"):
    page = browser.get(path).get_data(as_text=True)
    return browser.post(path, data={**form_fields(page), **data})


def _alert_form(app, unit_id: int, **changes) -> dict:
    expires = (_today(app) + timedelta(days=14)).strftime("%d/%m/%Y")
    return {"unit_id": str(unit_id), "title": "Giả danh công an gọi điện",
            "body": "Kẻ gian gọi điện, xưng là **công an**, đòi chuyển tiền.",
            "advice": "Cúp máy, không chuyển tiền.", "expires_on": expires, **changes}


def _alerts_shown(browser) -> list[str]:
    page = browser.get("/courses").get_data(as_text=True)
    return re.findall(r'<li class="alert" id="alert-\d+">\s*<h3>([^<]*)</h3>', page)


def test_a_resident_of_the_village_sees_the_alert_until_marked_read_and_the_count_goes_to_one(app, db, field, people):
    trainer = signed_in(app, "+84933000010")
    response = _post(trainer, _alert_form(app, field.east.id))
    assert response.status_code == 303 and response.headers["Location"].endswith("/alerts/")
    alert = db.scalar(select(Alert))
    assert alert.posted_on == _today(app) and alert.expires_on == _today(app) + timedelta(days=14)
    assert "<strong>công an</strong>" in alert.body_html

    mai, west = signed_in(app, EAST_PHONE), signed_in(app, WEST_PHONE)
    assert _alerts_shown(mai) == ["Giả danh công an gọi điện"]
    page = mai.get("/courses").get_data(as_text=True)
    assert _today(app).strftime("%d/%m/%Y") in page and "Cúp máy, không chuyển tiền." in page
    assert _alerts_shown(west) == []  # another village
    listing = trainer.get("/alerts/").get_data(as_text=True)
    assert "Đã đọc: 0/6 người dân" in listing

    read = f"/alerts/{alert.id}/read"
    token = form_fields(page)["csrf_token"]
    first, second = mai.post(read, data={"csrf_token": token}), mai.post(read, data={"csrf_token": token})
    assert first.status_code == second.status_code == 303  # a double tap lands where the first did
    assert first.headers["Location"].endswith("/courses#alerts")
    assert _alerts_shown(mai) == []
    assert db.scalar(select(func.count()).select_from(AlertRead)) == 1
    assert _alerts_shown(signed_in(app, OTHER_EAST_PHONE)) == ["Giả danh công an gọi điện"]
    assert "Đã đọc: 1/6 người dân" in trainer.get("/alerts/").get_data(as_text=True)
    # Someone of another village cannot mark it: as if it did not exist.
    assert west.post(read, data={"csrf_token": form_fields(west.get("/courses").get_data(as_text=True))[
        "csrf_token"]}).status_code == 404


def test_an_officials_commune_alert_reaches_every_village_of_the_commune(app, db, field, people):
    staff(db, "official", field.commune, "+84933000030")
    official = signed_in(app, "+84933000030")
    assert _post(official, _alert_form(app, field.commune.id, title="Tin nhắn giả ngân hàng")).status_code == 303
    assert _alerts_shown(signed_in(app, WEST_PHONE)) == ["Tin nhắn giả ngân hàng"]
    assert _alerts_shown(signed_in(app, EAST_PHONE)) == ["Tin nhắn giả ngân hàng"]
    assert "Đã đọc: 0/8 người dân" in official.get("/alerts/").get_data(as_text=True)


def test_newest_first_and_expired_or_ended_alerts_vanish(app, db, field, people):
    today = _today(app)
    for title, posted, expires in (("Cũ", today - timedelta(days=9), today - timedelta(days=1)),
                                   ("Hôm qua", today - timedelta(days=1), today),
                                   ("Hôm nay", today, today + timedelta(days=3))):
        db.add(Alert(unit_id=field.east.id, title=title, body="x", body_html="<p>x</p>", advice="y",
                     posted_on=posted, expires_on=expires, created_by_id=field.trainer_east.id))
    db.commit()
    mai = signed_in(app, EAST_PHONE)
    assert _alerts_shown(mai) == ["Hôm nay", "Hôm qua"]  # the expired one is gone

    trainer = signed_in(app, "+84933000010")
    listing = trainer.get("/alerts/").get_data(as_text=True)
    assert "Đã hết hạn" in listing
    ended = db.scalar(select(Alert).where(Alert.title == "Hôm nay"))
    token = form_fields(listing)["csrf_token"]
    for _ in range(2):  # a second tap changes nothing
        assert trainer.post(f"/alerts/{ended.id}/end", data={"csrf_token": token}).status_code == 303
    assert _alerts_shown(mai) == ["Hôm qua"]
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "alert_ended")) == 1


def test_a_trainer_cannot_post_for_a_village_outside_their_scope(app, db, field, people):
    trainer = signed_in(app, "+84933000010")
    page = trainer.get("/alerts/new").get_data(as_text=True)
    assert f'value="{field.west.id}"' not in page and f'value="{field.commune.id}"' not in page
    for unit in (field.west, field.commune):
        text = shown_again(trainer, _post(trainer, _alert_form(app, unit.id)), "/alerts/new")
        assert 'id="unit_id-error"' in text and "Hãy chọn một nơi trong danh sách" in text
        assert "Giả danh công an gọi điện" in text  # what was typed is kept
    assert db.scalar(select(func.count()).select_from(Alert)) == 0
    # Nor change or end another village's alert.
    other = Alert(unit_id=field.west.id, title="Tây", body="x", body_html="<p>x</p>", advice="y",
                  posted_on=_today(app), expires_on=_today(app), created_by_id=field.trainer_west.id)
    db.add(other)
    db.commit()
    assert trainer.get(f"/alerts/{other.id}/edit").status_code == 404
    assert trainer.post(f"/alerts/{other.id}/end", data={"csrf_token": form_fields(page)["csrf_token"]}
                        ).status_code == 404
    assert "Tây" not in trainer.get("/alerts/").get_data(as_text=True)


@pytest.mark.parametrize("changes, field_id, message", [
    ({"body": "   "}, "body", "Hãy viết nội dung cảnh báo"),
    ({"title": ""}, "title", "Hãy viết tiêu đề ngắn"),
    ({"advice": ""}, "advice", "Hãy viết một câu ngắn"),
    ({"expires_on": "31/02/2027"}, "expires_on", "Ngày chưa đúng"),
    ({"expires_on": "ngày mai"}, "expires_on", "Ngày chưa đúng"),
    ({"expires_on": ""}, "expires_on", "Hãy nhập ngày hết hạn"),
    ({"expires_on": "01/01/2020"}, "expires_on", "Ngày này đã qua"),
])
def test_bad_input_gets_a_message_next_to_the_field_and_keeps_what_was_typed(app, db, field, people, changes,
                                                                            field_id, message):
    trainer = signed_in(app, "+84933000010")
    data = _alert_form(app, field.east.id, **changes)
    page = shown_again(trainer, _post(trainer, data), "/alerts/new")  # Post/Redirect/Get: Back shows a page
    error = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field_id}-hint {field_id}-error"' in page
    for name in ("title", "advice", "expires_on"):
        if data[name].strip():
            assert f'value="{data[name]}"' in page
    assert db.scalar(select(func.count()).select_from(Alert)) == 0
    assert "Lỗi:" not in trainer.get("/alerts/new").get_data(as_text=True)  # shown once


def test_a_double_tapped_post_makes_one_alert_and_an_edit_changes_it(app, db, field, people):
    trainer = signed_in(app, "+84933000010")
    page = trainer.get("/alerts/new").get_data(as_text=True)
    data = {**form_fields(page), **_alert_form(app, field.east.id)}
    assert trainer.post("/alerts/new", data=data).status_code == 303
    assert trainer.post("/alerts/new", data=data).status_code == 303
    alert = db.scalar(select(Alert))
    assert db.scalar(select(func.count()).select_from(Alert)) == 1
    edit = f"/alerts/{alert.id}/edit"
    page = trainer.get(edit).get_data(as_text=True)
    assert "Giả danh công an gọi điện" in page and alert.expires_on.strftime("%d/%m/%Y") in page
    refused = shown_again(trainer, _post(trainer, _alert_form(app, field.east.id, title="", body="Giữ lại"), path=edit),
                          edit)
    assert 'id="title-error"' in refused and "Giữ lại</textarea>" in refused
    response = _post(trainer, _alert_form(app, field.east.id, title="Đã sửa", body="Nội dung *mới*"), path=edit)
    assert response.status_code == 303
    db.expire_all()
    assert (alert.title, alert.body_html) == ("Đã sửa", "<p>Nội dung <em>mới</em></p>")


def test_markdown_with_script_is_sanitised(app, db, field, people):
    trainer = signed_in(app, "+84933000010")
    body = ('Xem <script>alert(1)</script> [đây](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n'
            '# Tiêu đề to\n\n<a href="https://example.org" onclick="alert(4)">link</a>')
    assert _post(trainer, _alert_form(app, field.east.id, body=body)).status_code == 303
    html = db.scalar(select(Alert.body_html))
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html and "onclick" not in html
    assert "<h3>Tiêu đề to</h3>" in html  # below the alert's own title
    page = signed_in(app, EAST_PHONE).get("/courses").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "onerror=" not in page


def test_staff_and_residents_elsewhere_cannot_mark_an_alert_read(app, db, field, people):
    alert = Alert(unit_id=field.east.id, title="Đông", body="x", body_html="<p>x</p>", advice="y",
                  posted_on=_today(app), expires_on=_today(app), created_by_id=field.trainer_east.id)
    db.add(alert)
    db.commit()
    trainer = signed_in(app, "+84933000010")
    token = form_fields(trainer.get("/alerts/").get_data(as_text=True))["csrf_token"]
    assert trainer.post(f"/alerts/{alert.id}/read", data={"csrf_token": token}).status_code == 404
    assert db.scalar(select(func.count()).select_from(AlertRead)) == 0


def test_an_alert_follows_its_village_when_an_admin_merges_it_into_another(app, db, field, people):
    from elearn.units import merge_units

    alert = Alert(unit_id=field.east.id, title="Đông", body="x", body_html="<p>x</p>", advice="y",
                  posted_on=_today(app), expires_on=_today(app), created_by_id=field.trainer_east.id)
    db.add(alert)
    db.commit()
    merge_units(db, field.east, field.west, actor_id=None)
    db.commit()
    assert db.get(Alert, alert.id).unit_id == field.west.id
    assert _alerts_shown(signed_in(app, EAST_PHONE)) == ["Đông"]  # Mai lives in Thôn Tây now
    assert _alerts_shown(signed_in(app, WEST_PHONE)) == ["Đông"]
