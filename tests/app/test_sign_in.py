"""Signing in and out: one generic message, safe redirects, sessions that really end."""
import pytest
from sqlalchemy import select

from elearn.models import AuditEvent
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import shown_again


@pytest.fixture
def resident(auth):
    auth.register()
    auth.sign_out()
    return auth


def test_sign_in_with_the_number_written_any_way(client, resident):
    response = resident.sign_in(phone="+84 912 345 678")
    assert response.status_code == 302
    assert client.get("/courses").status_code == 200


def test_a_wrong_password_and_an_unknown_phone_get_the_same_message(client, resident):
    wrong_password = shown_again(client, resident.sign_in(password="not the password"), "/sign-in")
    unknown_phone = shown_again(client, resident.sign_in(phone="0987 654 321"), "/sign-in")
    message = "Số điện thoại hoặc mật khẩu chưa đúng"
    assert message in wrong_password and message in unknown_phone
    assert "chưa đăng ký" not in unknown_phone and "không tồn tại" not in unknown_phone


def test_the_phone_is_kept_after_a_failed_sign_in(client, resident):
    page = shown_again(client, resident.sign_in(password="nope nope nope"))
    assert 'value="0912345678"' in page
    assert 'value="0912345678"' not in client.get("/sign-in").get_data(as_text=True)  # shown once


def test_pages_ask_for_sign_in_and_come_back_after(client, resident):
    response = client.get("/progress")
    assert response.status_code == 302 and "/sign-in?next=%2Fprogress" in response.headers["Location"]
    token = csrf_token(client, "/sign-in?next=/progress")
    response = client.post("/sign-in?next=/progress",
                           data={"phone": "0912345678", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/progress"


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/",
                                    "javascript:alert(1)", "/\r\nSet-Cookie:x=1", "evil.example", "/\tevil"])
def test_next_accepts_only_local_paths(client, resident, target):
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", query_string={"next": target},
                           data={"phone": "0912345678", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses"


def test_sign_out_ends_every_session_of_the_user(app, client, resident):
    resident.sign_in()
    other_phone = app.test_client()
    assert resident.on(other_phone).sign_in().status_code == 302
    assert other_phone.get("/courses").status_code == 200
    resident.sign_out()
    assert client.get("/courses").status_code == 302
    assert other_phone.get("/courses").status_code == 302


def test_a_password_change_signs_out_other_phones(app, client, resident):
    resident.sign_in()
    other_phone = app.test_client()
    assert resident.on(other_phone).sign_in().status_code == 302
    token = csrf_token(client, "/me/password")
    response = client.post("/me/password", data={"current_password": PASSWORD,
                                                  "new_password": "mot cau moi de nho", "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/courses").status_code == 200
    assert other_phone.get("/courses").status_code == 302
    resident.sign_out()
    assert resident.sign_in().status_code == 303  # refused: the sign-in page again
    assert resident.sign_in(password="mot cau moi de nho").status_code == 302


def test_forms_without_a_csrf_token_are_refused(client, resident):
    response = client.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/courses").status_code == 302


def test_repeated_failures_for_one_phone_are_slowed_down_for_seconds(app, client, resident):
    statuses = [resident.sign_in(password="wrong password!").status_code for _ in range(7)]
    assert statuses == [303] * 6 + [429]  # five free failures, then a wait (tests/app/test_slowdown.py)
    response = resident.sign_in()
    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 60
    page = response.get_data(as_text=True)
    assert "hãy chờ 5 giây rồi thử lại" in page and "15 phút" not in page
    # Another resident on the same network is not slowed down.
    assert resident.sign_in(phone="0987654321", password="whatever it is").status_code == 303


def test_a_good_sign_in_is_not_counted_against_the_limit(resident):
    for _ in range(12):
        assert resident.sign_in().status_code == 302
        resident.sign_out()


def test_sign_ins_are_audited_without_personal_data(db, resident):
    resident.sign_in(password="wrong one here")
    resident.sign_in()
    events = db.scalars(select(AuditEvent)).all()
    actions = [e.action for e in events]
    assert "sign_in_failed" in actions and "signed_in" in actions
    rows = [" ".join(str(getattr(e, column.key)) for column in AuditEvent.__table__.columns) for e in events]
    # The phone as stored (E.164), as typed (national, spaced, dotted) and bare; and the name.
    personal = ["+84912345678", "0912345678", "0912 345 678", "0912.345.678", "912345678", "912 345 678",
                "Nguyễn Thị Lan", "Lan"]
    assert [(value, row) for row in rows for value in personal if value in row] == []


def test_an_attacker_cannot_lock_a_resident_out_of_their_own_phone(app, client, resident):
    assert resident.sign_in().status_code == 302  # the resident's phone is now known
    resident.sign_out()
    attacker = app.test_client()
    for _ in range(10):
        token = csrf_token(attacker, "/sign-in")
        attacker.post("/sign-in", data={"phone": "0912345678", "password": "guess guess", "csrf_token": token})
    token = csrf_token(attacker, "/sign-in")
    blocked = attacker.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    assert resident.sign_in().status_code == 302


# The phone number is the sign-in name.

def edit_profile(client, password=None, phone="0987 654 321", **changes):
    data = {"full_name": "Nguyễn Thị Lan", "phone": phone, "birth_date": "1975-03-25", "sex": "female",
            "csrf_token": csrf_token(client, "/me/edit"), **changes}
    page = client.get("/me/edit").get_data(as_text=True)
    import re

    data.setdefault("village_id", re.search(r'<option selected value="(\d+)"', page).group(1))
    if password is not None:
        data["current_password"] = password
    return client.post("/me/edit", data=data)


@pytest.mark.parametrize("password", [None, "", "not my password"])
def test_changing_the_phone_needs_the_current_password(db, client, resident, password):
    from elearn.models import User

    resident.sign_in()
    page = shown_again(client, edit_profile(client, password), "/me/edit")
    assert "hãy nhập đúng mật khẩu hiện tại" in page and 'value="0987 654 321"' in page
    assert db.scalar(select(User.phone)) == "+84912345678"


def test_other_details_change_without_the_password(db, client, resident):
    from elearn.models import User

    resident.sign_in()
    assert edit_profile(client, phone="0912 345 678", full_name="Nguyễn Thị Lan Anh").status_code == 302
    assert db.scalar(select(User.full_name)) == "Nguyễn Thị Lan Anh"


def test_a_new_phone_number_ends_every_other_session_and_keeps_this_one(app, db, client, resident):
    resident.sign_in(remember="y")
    other_phone = app.test_client()
    assert resident.on(other_phone).sign_in(remember="y").status_code == 302
    assert other_phone.get("/courses").status_code == 200
    response = edit_profile(client, PASSWORD)
    assert response.status_code == 302
    assert "các điện thoại khác đã bị đăng xuất" in client.get("/me").get_data(as_text=True)
    assert client.get("/courses").status_code == 200
    assert other_phone.get("/courses").status_code == 302
    other_phone.delete_cookie("session", domain="hocso.test")  # only the remember-me cookie is left
    assert other_phone.get("/courses").status_code == 302
    resident.sign_out()
    assert resident.sign_in().status_code == 303  # refused: the old number is no sign-in name any more
    assert resident.sign_in(phone="0987 654 321").status_code == 302


def test_the_phone_change_is_audited_without_either_number(db, client, resident):
    resident.sign_in()
    edit_profile(client, PASSWORD)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "profile_corrected"))
    assert event.detail["fields"] == ["phone"]
    text = str(event.detail)
    assert "912345678" not in text and "987654321" not in text and "0987" not in text
