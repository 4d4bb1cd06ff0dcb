"""A trainer registers residents in person, finds them and opens their page; only in their villages."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from elearn.models import AuditEvent, ConsentRecord, OneTimeCode, Unit, User
from elearn.records.codes import code_hash
from tests.app.trainers import (RESIDENT_PHONE, counts, error_for, make_resident, make_staff, register,  # noqa: F401
                                registration, shown_code, signed_in, trainers)
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import shown_again, statements_of


def test_a_trainer_registers_a_resident_and_reads_them_the_code_once(app, db, trainers, villages):
    here, _ = trainers
    phone = signed_in(app, here.phone)
    response = register(phone, villages)
    assert response.status_code == 302
    resident = db.scalar(select(User).where(User.phone == "+84987654321"))
    assert response.headers["Location"].endswith(f"/trainer/residents/{resident.id}/code")
    page = phone.get(response.headers["Location"]).get_data(as_text=True)
    code = shown_code(page)
    assert code and "Đã đăng ký cho Phạm Văn Minh" in page and "0987 654 321" in page
    assert "Tôi có mã: đặt mật khẩu" in page and "24 giờ" in page
    # Shown once: the same address again shows the resident's page, without the code.
    again = phone.get(f"/trainer/residents/{resident.id}/code")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/trainer/residents/{resident.id}")
    assert code not in phone.get(again.headers["Location"]).get_data(as_text=True)
    assert resident.registered_by_id == here.id and resident.village_id == villages[0]
    consent = db.scalar(select(ConsentRecord).where(ConsentRecord.user_id == resident.id))
    assert (consent.witnessed_by_id, consent.witness_name) == (here.id, "Trần Văn Hướng")
    assert consent.notice_version == app.config["PRIVACY_NOTICE_VERSION"] and consent.purpose == "learning"
    stored = db.scalar(select(OneTimeCode).where(OneTimeCode.user_id == resident.id))
    assert stored.purpose == "first-password" and stored.issued_by_id == here.id
    assert stored.code_hash == code_hash("test-secret", code.replace(" ", "")) and code not in stored.code_hash
    hours = (stored.expires_at - stored.created_at).total_seconds() / 3600
    assert hours == 24


def test_the_account_has_no_usable_password_until_the_code_is_used(app, db, trainers, villages):
    phone = signed_in(app, trainers[0].phone)
    register(phone, villages)
    stranger = app.test_client()
    for guess in ("", PASSWORD, "12345678", "password"):
        response = stranger.post("/sign-in", data={"phone": "0987654321", "password": guess,
                                                   "csrf_token": csrf_token(stranger, "/sign-in")})
        assert response.status_code == 303 and response.headers["Location"] == "/sign-in"  # refused: asked again
    assert stranger.get("/me").status_code == 302  # never signed in


def test_registering_logs_who_did_it_without_personal_data(app, db, trainers, villages):
    phone = signed_in(app, trainers[0].phone)
    register(phone, villages)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ("registered_in_person", "one_time_code_issued")))).all()
    assert {e.action for e in events} == {"registered_in_person", "one_time_code_issued"}
    assert all(e.actor_id == trainers[0].id for e in events)
    text = json.dumps([e.detail for e in events], ensure_ascii=False)
    assert "987" not in text and "Minh" not in text and "1980" not in text


def test_the_village_list_holds_only_the_trainers_villages(app, db, trainers, villages):
    phone = signed_in(app, trainers[0].phone)
    page = phone.get("/trainer/residents/new").get_data(as_text=True)
    offered = set(map(int, re.findall(r'<option[^>]*value="(\d+)"', page))) - {0}
    assert offered == {villages[0]}
    assert '<label for="full_name">' in page and '<label for="phone">' in page
    consent = re.search(r'<input[^>]*name="consent"[^>]*>', page).group(0)
    assert "checked" not in consent


def test_a_village_of_another_trainer_is_refused_and_nothing_recorded(app, db, trainers, villages):
    phone = signed_in(app, trainers[0].phone)
    before = counts(db)
    page = shown_again(phone, register(phone, villages, village_id=str(villages[1])), "/trainer/residents/new")
    assert "Vui lòng chọn thôn nơi người dân ở" in error_for(page, "village_id")
    assert counts(db) == before


def test_without_consent_nothing_is_recorded_and_every_typed_value_stays(app, db, trainers, villages):
    phone = signed_in(app, trainers[0].phone)
    before = counts(db)
    response = register(phone, villages, consent=None, full_name="Đỗ Thị Hồng Nhung", birth_date="17/05/1980")
    page = shown_again(phone, response, "/trainer/residents/new")  # Post/Redirect/Get: Back never resends
    assert "Hãy đọc Thông báo về dữ liệu cá nhân cho người dân nghe" in error_for(page, "consent")
    assert 'aria-describedby="consent-hint consent-error"' in page
    assert 'value="Đỗ Thị Hồng Nhung"' in page and 'value="0987 654 321"' in page
    assert "Đã hiểu là: ngày 17 tháng 5 năm 1980." in page
    assert re.search(r'value="male"[^>]*checked|checked[^>]*value="male"', page)
    assert re.search(rf'<option selected value="{villages[0]}"|<option value="{villages[0]}" selected', page)
    assert counts(db) == before


@pytest.mark.parametrize("changes, field, message", [
    ({"full_name": "   "}, "full_name", "Vui lòng nhập họ và tên"),
    ({"full_name": "A" * 121}, "full_name", "dài quá 120"),
    ({"full_name": "Lan\x00"}, "full_name", "ký tự không hợp lệ"),
    ({"full_name": "Lan\u202e\x07"}, "full_name", "ký tự không hợp lệ"),
    ({"phone": "０９８７６５４３２１"}, "phone", "Số điện thoại chưa đúng"),  # full-width digits
    ({"phone": "٠٩٨٧٦٥٤٣٢١"}, "phone", "Số điện thoại chưa đúng"),  # Arabic-Indic digits
    ({"phone": "0987\x00654321"}, "phone", "Số điện thoại chưa đúng"),
    ({"phone": "9" * 400}, "phone", "Số điện thoại chưa đúng"),
    ({"birth_date": "99999999-01-01"}, "birth_date", "Chưa đọc được ngày sinh"),
    ({"birth_date": "31/02/1980"}, "birth_date", "Tháng 2 năm 1980 không có ngày 31"),
    ({"birth_date": "2020-01-01"}, "birth_date", "Người dân cần đủ 15 tuổi"),
    ({"sex": "x"}, "sex", "Vui lòng chọn Nam hoặc Nữ"),
    ({"village_id": "9" * 40}, "village_id", "Vui lòng chọn thôn"),
    ({"village_id": "-1"}, "village_id", "Vui lòng chọn thôn"),
    ({"village_id": "١"}, "village_id", "Vui lòng chọn thôn"),
    ({"village_id": "\x00"}, "village_id", "Vui lòng chọn thôn"),
])
def test_bad_input_is_answered_next_to_its_field(app, db, trainers, villages, changes, field, message):
    phone = signed_in(app, trainers[0].phone)
    before = counts(db)
    page = shown_again(phone, register(phone, villages, **changes), "/trainer/residents/new")
    assert message in error_for(page, field)
    assert counts(db) == before


def test_a_resident_of_15_needs_a_guardian_too(app, db, trainers, villages):
    from datetime import date

    phone = signed_in(app, trainers[0].phone)
    birth = date.today().replace(year=date.today().year - 15, day=1).isoformat()
    page = shown_again(phone, register(phone, villages, birth_date=birth))
    assert "cần cha, mẹ hoặc người giám hộ đồng ý" in error_for(page, "guardian_consent")
    assert register(phone, villages, birth_date=birth, guardian_consent="y").status_code == 302
    purposes = set(db.scalars(select(ConsentRecord.purpose)))
    assert purposes == {"learning", "guardian"}


def test_a_phone_already_here_is_offered_not_registered_twice(app, db, trainers, villages):
    resident = make_resident(db, villages[0], "+84987654321", name="Vũ Thị Sen")
    phone = signed_in(app, trainers[0].phone)
    before = counts(db)
    page = shown_again(phone, register(phone, villages, full_name="Sen"), "/trainer/residents/new")
    assert "đã có tài khoản của một người dân ở thôn bạn phụ trách" in error_for(page, "phone")
    assert "Vũ Thị Sen" in page and f'href="/trainer/residents/{resident.id}"' in page
    assert counts(db) == before


@pytest.mark.parametrize("whose", ["other village", "staff"])
def test_a_phone_of_someone_out_of_scope_tells_nothing_about_them(app, db, trainers, villages, whose):
    if whose == "staff":
        make_staff(db, "official", db.get(Unit, villages[0]).parent_id, "+84987654321", name="Hoàng Văn Bí Mật")
    else:
        make_resident(db, villages[1], "+84987654321", name="Hoàng Văn Bí Mật")
    phone = signed_in(app, trainers[0].phone)
    before = counts(db)
    page = shown_again(phone, register(phone, villages), "/trainer/residents/new")
    assert "Số điện thoại này đã có tài khoản nên không đăng ký lại được" in error_for(page, "phone")
    assert "Bí Mật" not in page and not re.search(r"/trainer/residents/\d", page)
    assert "Người này đã có tài khoản" not in page
    assert counts(db) == before


# The list of residents.

def test_search_by_name_without_accents_or_by_part_of_the_phone(app, db, trainers, villages):
    make_resident(db, villages[0], "+84912000001", name="Nguyễn Thị Lan")
    make_resident(db, villages[0], "+84912000002", name="Đặng Văn Đức")
    make_resident(db, villages[1], "+84912000003", name="Nguyễn Thị Lan Khác")  # another trainer's village
    make_staff(db, "trainer", villages[0], "+84912000004", name="Nguyễn Thị Lan Cán Bộ")
    phone = signed_in(app, trainers[0].phone)

    def names(query):
        page = phone.get("/trainer/residents", query_string={"q": query}).get_data(as_text=True)
        return re.findall(r'<a href="/trainer/residents/\d+">([^<]+)</a>', page)

    assert names("nguyen thi lan") == ["Nguyễn Thị Lan"]
    assert names("LAN") == ["Nguyễn Thị Lan"]
    assert names("dang duc") == ["Đặng Văn Đức"]
    assert names("0912 000 002") == ["Đặng Văn Đức"]
    assert names("000001") == ["Nguyễn Thị Lan"]
    assert names("") == ["Đặng Văn Đức", "Nguyễn Thị Lan"]
    assert names("không có ai") == []


@pytest.mark.parametrize("query", ["\x00", "%", "_", "' OR 1=1 --", "9" * 500, "١٢٣", "０９１２", "\u202e"])
def test_any_search_text_is_answered_without_error(app, db, trainers, villages, query):
    make_resident(db, villages[0], "+84912000001")
    phone = signed_in(app, trainers[0].phone)
    assert phone.get("/trainer/residents", query_string={"q": query}).status_code == 200


def test_the_list_is_paginated(app, db, trainers, villages):
    for number in range(23):
        make_resident(db, villages[0], f"+849120001{number:02d}", name=f"Người {number:02d}")
    phone = signed_in(app, trainers[0].phone)
    first = phone.get("/trainer/residents").get_data(as_text=True)
    assert first.count('<h2 class="card-title">') == 20 and "Trang 1 / 2" in first and "page=2" in first
    second = phone.get("/trainer/residents?page=2").get_data(as_text=True)
    assert second.count('<h2 class="card-title">') == 3 and "Người 22" in second
    for page in ("0", "-3", "abc", "٣", "9" * 50, "99999999", "\x00"):
        response = phone.get("/trainer/residents", query_string={"page": page})
        assert response.status_code == 200


# One resident's page.

def test_the_resident_page_shows_who_they_are_and_their_progress(app, db, trainers, villages, courses):
    resident = make_resident(db, villages[0], RESIDENT_PHONE)
    phone = signed_in(app, trainers[0].phone)
    page = phone.get(f"/trainer/residents/{resident.id}").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in page and "0912 345 678" in page and "Thôn Trà Bình" in page
    assert "Khóa Alpha" in page and "Khóa Beta" in page and "0/2 đã xong" in page
    assert "Cấp mã đặt mật khẩu" in page and page.count("Làm bài cùng người dân</a>") == 2


def test_the_link_to_training_done_elsewhere_appears_once_that_page_exists(app, db, trainers, villages):
    resident = make_resident(db, villages[0], RESIDENT_PHONE)
    if "author.external_training" not in app.view_functions:
        app.add_url_rule("/trainer/residents/<id:user_id>/elsewhere", "author.external_training",
                         lambda user_id: "")
    phone = signed_in(app, trainers[0].phone)
    page = phone.get(f"/trainer/residents/{resident.id}").get_data(as_text=True)
    assert "Ghi nhận chứng nhận học ở nơi khác" in page


@pytest.mark.parametrize("path", ["", "/code", "/courses/1/quiz", "/courses/1/attempts/1"])
def test_another_villages_trainer_gets_404_for_every_page_of_a_resident(app, db, trainers, villages, courses, path):
    resident = make_resident(db, villages[0], RESIDENT_PHONE)
    phone = signed_in(app, trainers[1].phone)
    assert phone.get(f"/trainer/residents/{resident.id}{path}").status_code == 404


@pytest.mark.parametrize("user_id", ["staff", "999999", "99999999999", "0", "-1", "１"])
def test_a_staff_account_or_a_forged_id_is_404(app, db, trainers, villages, user_id):
    staff = make_staff(db, "official", db.get(Unit, villages[0]).parent_id, "+84933000099")
    phone = signed_in(app, trainers[0].phone)
    target = staff.id if user_id == "staff" else user_id
    assert phone.get(f"/trainer/residents/{target}").status_code == 404
    assert phone.post(f"/trainer/residents/{target}/codes",
                      data={"csrf_token": csrf_token(phone, "/trainer/residents")}).status_code == 404
    assert db.scalar(select(OneTimeCode.id)) is None


# A fixed number of statements, whatever the number of residents, villages and attempts.

@pytest.mark.parametrize("page", ["/trainer/residents", "/trainer/residents?q=lan", "/trainer/residents?q=0912",
                                  "/trainer/residents/{resident}", "/trainer/residents/new"])
def test_a_trainers_page_runs_as_many_statements_for_a_bigger_village(app, db, trainers, villages, courses, page):
    from tests.helpers import answers, quiz_form, submit

    resident = make_resident(db, villages[0], RESIDENT_PHONE)
    for number in range(3):
        make_resident(db, villages[0], f"+8491200010{number}", name=f"Lan {number}")
    phone = signed_in(app, trainers[0].phone)
    path = page.format(resident=resident.id)
    before = statements_of(app, phone, path)
    for number in range(30):
        make_resident(db, villages[0], f"+8491200020{number:02d}", name=f"Lan thêm {number}")
    parent = db.get(Unit, villages[0]).parent
    from elearn.units import add_unit
    for number in range(3):
        add_unit(db, kind="village", name=f"Thôn mới {number}", parent=parent)
    db.commit()
    own = signed_in(app, RESIDENT_PHONE)
    for _ in range(3):
        submit(own, "alpha", {**quiz_form(own, "alpha"), **answers(db, "alpha", right=False)})
    assert statements_of(app, phone, path) == before


@pytest.mark.parametrize("name", ["Lan\x00", "Lan\x07", "Lan\u202e"])
def test_self_registration_refuses_control_characters_in_a_name_too(auth, name):
    page = shown_again(auth.client, auth.register(full_name=name), "/register")
    assert "ký tự không hợp lệ" in error_for(page, "full_name")
