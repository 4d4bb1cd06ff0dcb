"""A person without e-mail or SMS gets (back) into their account with a code read aloud by a trainer."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.models import AuditEvent, OneTimeCode, Unit
from tests.helpers import shown_again
from elearn.records import codes
from tests.app.trainers import (RESIDENT_PHONE, counts, error_for, issue_code, make_resident, make_staff,  # noqa: F401
                                page_token, register, shown_code, signed_in, trainers)
from tests.conftest import PASSWORD, csrf_token

NEW_PASSWORD = "ca phe sua da buoi sang"


# The code itself.

@pytest.mark.parametrize("typed, normal", [
    ("1234 5678", "12345678"), ("12345678", "12345678"), ("1234-5678", "12345678"), (" 1234  5678 ", "12345678"),
    ("12 34 56 78", "12345678"), ("1234\u00a05678", "12345678"),
])
def test_a_code_is_accepted_with_spaces_or_dashes(typed, normal):
    assert codes.normalize_code(typed) == normal


@pytest.mark.parametrize("typed", [
    "", "1234567", "123456789", "1234 567a", "١٢٣٤٥٦٧٨", "１２３４５６７８", "1234\x005678", "12345678\x00",
    "9" * 10_000, "1234.5678", "+12345678", "²²²²²²²²", None,
])
def test_anything_but_eight_ascii_digits_is_not_a_code(typed):
    assert codes.normalize_code(typed) is None


def test_codes_are_eight_random_digits_shown_in_two_groups_and_stored_keyed():
    drawn = {codes.new_code() for _ in range(200)}
    assert all(len(c) == 8 and c.isascii() and c.isdigit() for c in drawn) and len(drawn) > 190
    assert codes.display_code("01234567") == "0123 4567"
    assert codes.code_hash("key-a", "12345678") != codes.code_hash("key-b", "12345678")
    assert len(codes.code_hash("key-a", "12345678")) == 64


# Using a code on /code.

def use(browser, code, phone="0912 345 678", password=NEW_PASSWORD, confirm=None):
    return browser.post("/code", data={"phone": phone, "code": code, "new_password": password,
                                       "confirm_password": password if confirm is None else confirm,
                                       "csrf_token": csrf_token(browser, "/code")})


@pytest.fixture
def resident(db, villages):
    return make_resident(db, villages[0], RESIDENT_PHONE)


def test_the_sign_in_page_explains_the_code_and_links_to_it(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "mã gồm 8 chữ số" in page and 'href="/code"' in page


def refused_page(browser, *args, **changes) -> str:
    """The code page refused the form: Post/Redirect/Get to it, with what was typed and the messages."""
    return shown_again(browser, use(browser, *args, **changes), "/code")


def test_a_resident_sets_a_new_password_with_the_code_and_every_other_session_ends(app, db, trainers, resident):
    old_phone = signed_in(app, RESIDENT_PHONE)  # a phone still signed in with the forgotten password
    code = issue_code(signed_in(app, trainers[0].phone), resident.id)
    browser = app.test_client()
    response = use(browser, code)
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses")
    assert "Đã đặt mật khẩu mới" in browser.get("/courses", follow_redirects=True).get_data(as_text=True)
    assert old_phone.get("/me").status_code == 302  # signed out
    assert signed_in(app, RESIDENT_PHONE, NEW_PASSWORD)
    stranger = app.test_client()
    assert stranger.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD,
                                           "csrf_token": csrf_token(stranger, "/sign-in")}).status_code == 303
    stored = db.scalar(select(OneTimeCode))
    assert stored.used_at is not None and stored.purpose == "reset"


def test_the_code_works_once(app, db, trainers, resident):
    code = issue_code(signed_in(app, trainers[0].phone), resident.id)
    assert use(app.test_client(), code).status_code == 302
    again = refused_page(app.test_client(), code, password="mot mat khau khac nua")
    assert "Mã này đã được dùng rồi" in error_for(again, "code")
    assert signed_in(app, RESIDENT_PHONE, NEW_PASSWORD)


def test_five_wrong_tries_void_the_code(app, db, trainers, resident):
    code = issue_code(signed_in(app, trainers[0].phone), resident.id)
    wrong = "0000 0000" if code != "0000 0000" else "1111 1111"
    browser = app.test_client()
    for left in (4, 3, 2, 1):
        page = refused_page(browser, wrong)
        assert f"Mã chưa đúng. Bạn còn {left} lần thử." in error_for(page, "code")
    page = refused_page(browser, wrong)
    assert "Mã đã bị hủy vì nhập sai 5 lần" in error_for(page, "code") and "cấp cho bạn mã mới" in page
    page = refused_page(browser, code)
    assert "Mã đã bị hủy" in error_for(page, "code")
    assert db.scalar(select(OneTimeCode)).voided_at is not None
    assert signed_in(app, RESIDENT_PHONE, PASSWORD)  # the password did not change


def test_an_expired_code_is_refused(app, db, trainers, resident):
    code = issue_code(signed_in(app, trainers[0].phone), resident.id)
    stored = db.scalar(select(OneTimeCode))
    stored.expires_at = stored.created_at + timedelta(hours=24) - timedelta(hours=25)  # issued 25 hours ago
    db.commit()
    page = refused_page(app.test_client(), code)
    assert "Mã này đã hết hạn" in error_for(page, "code")


def test_a_newer_code_voids_the_older_one(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    first = issue_code(trainer, resident.id)
    second = issue_code(trainer, resident.id)
    if first == second:
        pytest.skip("the same eight digits drawn twice")
    page = refused_page(app.test_client(), first)
    assert "đã được thay bằng một mã mới hơn" in error_for(page, "code")
    assert use(app.test_client(), second).status_code == 302
    voided = db.scalars(select(AuditEvent).where(AuditEvent.action == "one_time_code_voided")).all()
    assert [e.detail["reason"] for e in voided] == ["replaced"]


def test_an_unknown_phone_and_a_wrong_code_read_the_same(app, db, trainers, resident):
    issue_code(signed_in(app, trainers[0].phone), resident.id)
    unknown = refused_page(app.test_client(), "1234 5678", phone="0999 999 999")
    assert "Số điện thoại hoặc mã chưa đúng" in error_for(unknown, "code")


@pytest.mark.parametrize("changes, field, message", [
    ({"code": ""}, "code", "Vui lòng nhập mã"),
    ({"code": "١٢٣٤٥٦٧٨"}, "code", "Mã gồm 8 chữ số"),
    ({"code": "１２３４５６７８"}, "code", "Mã gồm 8 chữ số"),
    ({"code": "1234\x005678"}, "code", "Mã gồm 8 chữ số"),
    ({"code": "9" * 5000}, "code", "Mã gồm 8 chữ số"),
    ({"code": "1234 567"}, "code", "Mã gồm 8 chữ số"),
    ({"phone": "0912\x00345678"}, "phone", "Số điện thoại chưa đúng"),
    ({"phone": "٠٩١٢٣٤٥٦٧٨"}, "phone", "Số điện thoại chưa đúng"),
    ({"password": "ngan"}, "new_password", "ít nhất 8 ký tự"),
    ({"password": "12345678"}, "new_password", "quá dễ đoán"),
    ({"password": "x" * 129}, "new_password", "dài quá 128"),
    ({"confirm": "khac hoan toan"}, "confirm_password", "Hai mật khẩu chưa giống nhau"),
    ({"confirm": ""}, "confirm_password", "Vui lòng nhập lại mật khẩu mới"),
])
def test_bad_input_on_the_code_page_is_answered_next_to_its_field(app, db, trainers, resident, changes, field,
                                                                   message):
    code = issue_code(signed_in(app, trainers[0].phone), resident.id)
    data = {"code": code, **changes}
    page = refused_page(app.test_client(), **data)
    assert message in error_for(page, field)
    if field != "phone":
        assert 'value="0912 345 678"' in page  # the phone stays typed
    assert db.scalar(select(OneTimeCode)).used_at is None and db.scalar(select(OneTimeCode)).failed_attempts == 0


def test_failed_tries_are_limited_per_phone_and_per_address(app, db, trainers, resident):
    from elearn.auth.throttle import Slowdown

    # Slowed down, not locked out (tests/app/test_slowdown.py): after 2 free failures per phone, 4 per address.
    app.config["LOGIN_SLOWDOWN"] = {"phone": Slowdown(free=2, first_wait=5, max_wait=60),
                                    "address": Slowdown(free=4, first_wait=5, max_wait=30),
                                    "device": Slowdown(free=10, first_wait=5, max_wait=60)}
    issue_code(signed_in(app, trainers[0].phone), resident.id)
    browser = app.test_client()
    statuses = [use(browser, "0000 0001").status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    # Other phones from the same address: the address's own limit.
    statuses = [use(browser, "0000 0001", phone=f"0912 345 67{n}").status_code for n in range(3)]
    assert statuses == [303, 303, 429]


def test_a_first_password_code_leads_straight_to_the_courses_without_asking_consent_again(app, db, trainers,
                                                                                          villages, courses):
    trainer = signed_in(app, trainers[0].phone)
    response = register(trainer, villages)
    code = shown_code(trainer.get(response.headers["Location"]).get_data(as_text=True))
    browser = app.test_client()
    response = use(browser, code, phone="0987 654 321")
    assert response.status_code == 302
    courses_page = browser.get("/courses")
    assert courses_page.status_code == 200 and "Khóa Alpha" in courses_page.get_data(as_text=True)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "password_reset")).all()
    assert [e.detail["purpose"] for e in events] == ["first-password"]


def test_the_same_code_page_on_the_trainers_phone_signs_the_trainer_out(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    code = issue_code(trainer, resident.id)
    assert use(trainer, code).status_code == 302
    assert "Nguyễn Thị Lan" in trainer.get("/me").get_data(as_text=True)
    assert trainer.get("/trainer/").status_code == 404  # now the resident's session


def test_logs_hold_neither_codes_nor_phones(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    first = issue_code(trainer, resident.id)
    code = issue_code(trainer, resident.id)
    use(app.test_client(), "0000 0000" if code != "0000 0000" else "1111 1111")
    use(app.test_client(), code)
    events = db.scalars(select(AuditEvent)).all()
    actions = {e.action for e in events}
    assert {"one_time_code_issued", "one_time_code_voided", "one_time_code_failed", "one_time_code_used",
            "password_reset"} <= actions
    text = json.dumps([e.detail for e in events])
    for secret in (first.replace(" ", ""), code.replace(" ", ""), "912345678", NEW_PASSWORD):
        assert secret not in text


# Issuing codes.

def test_a_trainer_may_issue_20_codes_an_hour(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    for _ in range(codes.ISSUE_LIMIT):
        issue_code(trainer, resident.id)
    response = trainer.post(f"/trainer/residents/{resident.id}/codes", data={"csrf_token": page_token(trainer)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trainer/residents/{resident.id}")
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bạn đã cấp 20 mã trong một giờ qua" in page and not shown_code(page)
    assert counts(db)["codes"] == codes.ISSUE_LIMIT


def test_a_trainer_of_another_village_cannot_issue_a_code(app, db, trainers, resident):
    other = signed_in(app, trainers[1].phone)
    before = counts(db)
    response = other.post(f"/trainer/residents/{resident.id}/codes", data={"csrf_token": page_token(other)})
    assert response.status_code == 404 and counts(db) == before


def test_a_trainer_never_issues_a_code_for_a_staff_account(app, db, trainers, villages):
    colleague = make_staff(db, "trainer", villages[0], "+84933000077")
    official = make_staff(db, "official", db.get(Unit, villages[0]).parent_id, "+84933000078")
    trainer = signed_in(app, trainers[0].phone)
    before = counts(db)
    for person in (colleague, official, trainers[0]):
        assert trainer.post(f"/trainer/residents/{person.id}/codes",
                            data={"csrf_token": page_token(trainer)}).status_code == 404
    assert counts(db) == before


def test_an_admin_gives_a_staff_member_a_code_shown_once(app, db, trainers):
    make_staff(db, "admin", None, "+84933000004", name="Quản Trị")
    admin = signed_in(app, "+84933000004")
    staff = trainers[1]
    response = admin.post(f"/admin/staff/{staff.id}/code", data={"csrf_token": page_token(admin)})
    assert response.status_code == 302
    page = admin.get(f"/admin/staff/{staff.id}").get_data(as_text=True)
    code = re.search(r'<strong class="code">(\d{4} \d{4})</strong>', page).group(1)
    assert "Tôi có mã: đặt mật khẩu" in page and "Dùng được đến" in page
    assert code not in admin.get(f"/admin/staff/{staff.id}").get_data(as_text=True)
    assert use(app.test_client(), code, phone="0933 000 003").status_code == 302
    assert signed_in(app, staff.phone, NEW_PASSWORD)
    issued = db.scalar(select(OneTimeCode))
    assert issued.issued_by_id != staff.id and issued.used_at is not None


def test_a_trainer_cannot_reach_the_admins_code_button(app, db, trainers):
    trainer = signed_in(app, trainers[0].phone)
    before = counts(db)
    assert trainer.post(f"/admin/staff/{trainers[1].id}/code",
                        data={"csrf_token": page_token(trainer)}).status_code == 404
    assert counts(db) == before
