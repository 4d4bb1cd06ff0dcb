"""Signing in and out: one generic message, safe redirects, sessions that really end."""
import pytest
from sqlalchemy import select

from elearn.models import AuditEvent
from tests.conftest import PASSWORD, csrf_token


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
    wrong_password = resident.sign_in(password="not the password").get_data(as_text=True)
    unknown_phone = resident.sign_in(phone="0987 654 321").get_data(as_text=True)
    message = "Số điện thoại hoặc mật khẩu chưa đúng"
    assert message in wrong_password and message in unknown_phone
    assert "chưa đăng ký" not in unknown_phone and "không tồn tại" not in unknown_phone


def test_the_phone_is_kept_after_a_failed_sign_in(resident):
    page = resident.sign_in(password="nope nope nope").get_data(as_text=True)
    assert 'value="0912345678"' in page


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
    token = csrf_token(other_phone, "/sign-in")
    other_phone.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD, "csrf_token": token})
    assert other_phone.get("/courses").status_code == 200
    resident.sign_out()
    assert client.get("/courses").status_code == 302
    assert other_phone.get("/courses").status_code == 302


def test_a_password_change_signs_out_other_phones(app, client, resident):
    resident.sign_in()
    other_phone = app.test_client()
    token = csrf_token(other_phone, "/sign-in")
    other_phone.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD, "csrf_token": token})
    token = csrf_token(client, "/me/password")
    response = client.post("/me/password", data={"current_password": PASSWORD,
                                                  "new_password": "mot cau moi de nho", "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/courses").status_code == 200
    assert other_phone.get("/courses").status_code == 302
    resident.sign_out()
    assert resident.sign_in().status_code == 400
    assert resident.sign_in(password="mot cau moi de nho").status_code == 302


def test_forms_without_a_csrf_token_are_refused(client, resident):
    response = client.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/courses").status_code == 302


def test_repeated_failures_for_one_phone_are_slowed_down(app, client, resident):
    for _ in range(10):
        assert resident.sign_in(password="wrong password!").status_code == 400
    response = resident.sign_in()
    assert response.status_code == 429
    assert "15 phút" in response.get_data(as_text=True)
    # Another resident on the same network is not locked out.
    assert resident.sign_in(phone="0987654321", password="whatever it is").status_code == 400


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
    assert all("0912" not in str(e.detail) and "Lan" not in str(e.detail) for e in events)


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
