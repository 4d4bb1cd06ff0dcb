"""Staff sign in with a second factor (an authenticator app, TOTP, and recovery codes); residents
keep phone and password."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from elearn.auth import second_factor as factors
from elearn.auth.second_factor_views import PENDING
from elearn.models import AuditEvent, RecoveryCode, RoleAssignment, SecondFactor, User
from elearn.models.types import utcnow
from tests.app.trainers import (RESIDENT_PHONE, TRAINER_PHONE, error_for, make_resident, make_staff, page_token,
                                signed_in)
from tests.conftest import PASSWORD, STAFF_TOTP_SECRET, app_code, csrf_token
from tests.helpers import shown_again

NATIONAL = "0" + TRAINER_PHONE.removeprefix("+84")
STAFF_PAGES = ("/trainer/", "/trainer/residents", "/reports/", "/admin/", "/me/second-factor")


def password_step(browser, phone=NATIONAL, password=PASSWORD, next_path=None):
    path = "/sign-in" + (f"?next={next_path}" if next_path else "")
    token = csrf_token(browser, "/sign-in")
    return browser.post(path, data={"phone": phone, "password": password, "csrf_token": token})


def second_step(browser, code=None, recovery_code=None):
    token = csrf_token(browser, "/sign-in/verify")
    data = {"recovery_code": recovery_code} if recovery_code is not None else {"code": code}
    return browser.post("/sign-in/verify", data={**data, "csrf_token": token})


def wrong_code(groups=None) -> str:
    """Six digits that are none of the codes the app could show now."""
    totp = pyotp.TOTP("".join(groups) if groups else STAFF_TOTP_SECRET)
    valid = {totp.at(time.time(), counter_offset=offset) for offset in (-1, 0, 1, 2)}
    return next(code for code in ("123456", "654321", "111111", "999999", "000000") if code not in valid)


def new_staff_without_app(db, phone=TRAINER_PHONE, role="trainer", unit_id=None):
    user = make_staff(db, role, unit_id, phone)
    db.delete(user.second_factor)
    db.commit()
    return user


def enrol_on_the_page(browser):
    """Password done, on the enrolment page: read the secret, type the app's code, read the codes."""
    page = browser.get("/sign-in/enroll").get_data(as_text=True)
    secret = "".join(re.findall(r'<span class="code">([A-Z2-7]{4})</span>', page))
    response = browser.post("/sign-in/enroll", data={"code": pyotp.TOTP(secret).now(),
                                                     "csrf_token": csrf_token(browser, "/sign-in/enroll")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/second-factor/recovery-codes")
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    return secret, re.findall(r'<strong class="code">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</strong>', page), page


def audit_actions(db, user_id) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == user_id).order_by(AuditEvent.id)))


def is_signed_in_as_staff(browser) -> bool:
    return browser.get("/trainer/").status_code == 200


# Enrolment.

def test_a_staff_member_without_an_app_enrols_on_first_sign_in_and_sees_ten_codes_once(app, db, villages):
    trainer = new_staff_without_app(db, unit_id=villages[0])
    browser = app.test_client()

    response = password_step(browser, next_path="/trainer/residents")
    assert response.headers["Location"].endswith("/sign-in/enroll")
    assert not is_signed_in_as_staff(browser)  # not signed in yet for anything else
    page = browser.get("/sign-in/enroll").get_data(as_text=True)
    assert '<div class="qr"' in page and "<svg" in page and "https://" not in page
    assert "<script" not in page.split("<main", 1)[1]  # the QR code is drawn by the server, no script in the page
    assert all(' src="/static/' in tag for tag in re.findall(r"<script[^>]*>", page))  # only the site's own files
    groups = re.findall(r'<span class="code">([A-Z2-7]{4})</span>', page)
    db.expire_all()
    assert "".join(groups) == db.get(SecondFactor, trainer.id).secret and len(groups) == 8
    assert re.search(r'<input[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"[^>]*name="code"', page)

    token = csrf_token(browser, "/sign-in/enroll")
    wrong = browser.post("/sign-in/enroll", data={"code": wrong_code(groups), "csrf_token": token})
    again = shown_again(browser, wrong, "/sign-in/enroll")
    assert "Mã chưa đúng" in error_for(again, "code")
    assert re.findall(r'<span class="code">([A-Z2-7]{4})</span>', again) == groups  # the same key to scan
    assert not is_signed_in_as_staff(browser)

    _secret, codes, shown = enrol_on_the_page(browser)
    assert len(set(codes)) == 10 and "chép 10 mã này ra giấy" in shown
    assert 'href="/trainer/residents"' in shown  # then on to where they were going
    assert codes[0] not in browser.get("/me/second-factor/recovery-codes", follow_redirects=True).get_data(as_text=True)
    assert is_signed_in_as_staff(browser)
    db.expire_all()
    stored = db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == trainer.id)).all()
    assert len(stored) == 10 and not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    assert all(h.startswith("$argon2id$") for h in stored)
    assert audit_actions(db, trainer.id)[-3:] == ["second_factor_failed", "second_factor_enrolled",
                                                  "recovery_codes_created"]


def test_reloading_the_enrolment_page_keeps_the_secret_the_person_scanned(app, db, villages):
    new_staff_without_app(db, unit_id=villages[0])
    browser = app.test_client()
    password_step(browser)
    page = browser.get("/sign-in/enroll").get_data(as_text=True)
    shown = re.findall(r'<span class="code">([A-Z2-7]{4})</span>', page)
    password_step(app.test_client())  # signing in again elsewhere before confirming
    assert re.findall(r'<span class="code">([A-Z2-7]{4})</span>',
                      browser.get("/sign-in/enroll").get_data(as_text=True)) == shown


# Signing in with the app.

def test_an_enrolled_staff_member_is_signed_in_only_after_the_code_from_the_app(app, db, villages):
    make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    browser = app.test_client()

    response = password_step(browser, next_path="/trainer/residents")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/verify")
    for path in STAFF_PAGES:  # the password alone opens no staff page
        answer = browser.get(path)
        assert answer.status_code == 302 and "/sign-in?next=" in answer.headers["Location"], path
    page = browser.get("/sign-in/verify").get_data(as_text=True)
    assert re.search(r'<input[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"[^>]*name="code"', page)

    response = second_step(browser, app_code())
    assert response.status_code == 302 and response.headers["Location"].endswith("/trainer/residents")
    assert is_signed_in_as_staff(browser)


def test_a_code_from_the_app_works_once(app, db, villages):
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    first, second = app.test_client(), app.test_client()
    password_step(first)
    password_step(second)
    code = app_code(steps_ahead=1)
    assert second_step(first, code).status_code == 302

    replay = shown_again(second, second_step(second, code), "/sign-in/verify")
    assert "vừa được dùng" in error_for(replay, "code")
    older = second_step(second, app_code())  # the step before the one accepted: refused too
    assert older.status_code == 303 and not is_signed_in_as_staff(second)
    assert audit_actions(db, trainer.id).count("second_factor_failed") == 2


def test_the_app_code_accepts_the_neighbouring_steps_and_nothing_further(db, app, villages):
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    now = utcnow()
    code_in = {offset: factors.code_at(STAFF_TOTP_SECRET, now + timedelta(seconds=30 * offset))
               for offset in range(-2, 3)}
    for offset in (-2, 2):
        with pytest.raises(factors.SecondFactorRefused):
            factors.check_second_step(db, trainer, code_in[offset], now)
    for offset in (-1, 0, 1):
        factors.check_second_step(db, trainer, code_in[offset], now)
    for offset in (-1, 0, 1):
        with pytest.raises(factors.SecondFactorRefused, match="used"):
            factors.check_second_step(db, trainer, code_in[offset], now)
    db.rollback()


def test_the_step_between_password_and_code_lasts_five_minutes(app, db, villages):
    make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    browser = app.test_client()
    password_step(browser)
    token = csrf_token(browser, "/sign-in/verify")
    with browser.session_transaction() as stored:
        stored[PENDING] = dict(stored[PENDING], until=int(time.time()) - 1)
    response = browser.post("/sign-in/verify", data={"code": app_code(), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert "Đã quá 5 phút" in browser.get("/sign-in").get_data(as_text=True)
    assert not is_signed_in_as_staff(browser)


def test_wrong_codes_are_limited_per_person_and_audited_without_the_code(app, db, villages):
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    for _ in range(5):  # from several browsers: the count is the person's
        browser = app.test_client()
        password_step(browser)
        assert second_step(browser, wrong_code()).status_code == 303
    browser = app.test_client()
    password_step(browser)
    refused = second_step(browser, app_code())  # even the right code waits now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "quá nhiều lần" in error_for(refused.get_data(as_text=True), "code")
    assert not is_signed_in_as_staff(browser)
    db.expire_all()
    failures = db.scalars(select(AuditEvent).where(AuditEvent.action == "second_factor_failed")).all()
    assert len(failures) == 5 and all(e.subject_id == trainer.id for e in failures)
    assert all(set(e.detail) == {"reason"} for e in failures)


# Recovery codes.

def test_a_recovery_code_signs_in_once_and_the_page_says_how_many_are_left(app, db, villages):
    trainer = new_staff_without_app(db, unit_id=villages[0])
    browser = app.test_client()
    password_step(browser)
    _, codes, _ = enrol_on_the_page(browser)

    phone_lost = app.test_client()
    password_step(phone_lost)
    page = phone_lost.get("/sign-in/verify").get_data(as_text=True)
    assert "Mất điện thoại? Dùng mã dự phòng" in page
    response = second_step(phone_lost, recovery_code=codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    assert "Còn lại 9 mã chưa dùng" in phone_lost.get(response.headers["Location"], follow_redirects=True).get_data(
        as_text=True)
    assert is_signed_in_as_staff(phone_lost)
    assert audit_actions(db, trainer.id)[-2:] == ["recovery_code_used", "second_factor_passed"]

    again = app.test_client()
    password_step(again)
    refused = shown_again(again, second_step(again, recovery_code=codes[3]))
    assert "đã được dùng" in error_for(refused, "recovery_code")
    assert not is_signed_in_as_staff(again)


def test_staff_see_their_status_and_make_new_recovery_codes_with_a_current_code(app, db, villages):
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    with app.app_context():  # recovery codes are hashed with the app's password settings
        old = factors.new_recovery_codes(db, trainer, utcnow())
    db.commit()
    browser = signed_in(app, TRAINER_PHONE)
    assert "/me/second-factor" in browser.get("/me").get_data(as_text=True)
    page = browser.get("/me/second-factor").get_data(as_text=True)
    assert "Đã bật từ" in page and "10 trên 10" in page

    wrong = browser.post("/me/second-factor", data={"code": "12345", "csrf_token": page_token(browser)})
    assert "6 chữ số" in error_for(shown_again(browser, wrong, "/me/second-factor"), "code")
    wrong = browser.post("/me/second-factor", data={"code": wrong_code(), "csrf_token": page_token(browser)})
    assert "Mã chưa đúng" in error_for(shown_again(browser, wrong, "/me/second-factor"), "code")
    assert "Mã dự phòng của bạn" not in browser.get("/me/second-factor/recovery-codes",
                                                     follow_redirects=True).get_data(as_text=True)
    response = browser.post("/me/second-factor", data={"code": app_code(steps_ahead=1),
                                                       "csrf_token": page_token(browser)})
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    new = re.findall(r'<strong class="code">([a-z2-9-]{14})</strong>', page)
    assert len(new) == 10 and not set(new) & set(old)
    with app.app_context(), pytest.raises(factors.SecondFactorRefused):
        factors.check_second_step(db, db.get(User, trainer.id), old[0], utcnow())


def test_residents_have_no_second_step_and_no_second_factor_page(app, db, auth, villages):
    auth.register()
    auth.sign_out()
    response = auth.sign_in()
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses")
    assert auth.client.get("/courses").status_code == 200
    assert auth.client.get("/me/second-factor").status_code == 404
    assert "/me/second-factor" not in auth.client.get("/me").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(SecondFactor)) == 0


# A staff session without the second factor counts for nothing.

def test_a_resident_signed_in_who_is_given_a_role_must_sign_in_again_with_a_second_factor(app, db, villages):
    resident = make_resident(db, villages[0], RESIDENT_PHONE)
    browser = signed_in(app, RESIDENT_PHONE)
    assert browser.get("/courses").status_code == 200
    db.add(RoleAssignment(user_id=resident.id, role="trainer", unit_id=villages[0]))
    db.commit()
    response = browser.get("/trainer/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert browser.get("/me").status_code == 302


def test_a_staff_session_without_a_confirmed_second_factor_counts_for_nothing(app, db, villages):
    from elearn.security import load_user

    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    token = trainer.session_token
    with app.test_request_context():
        assert load_user(token).id == trainer.id
    trainer.second_factor.confirmed_at = None  # enrolment begun again, not finished
    db.commit()
    with app.test_request_context():
        assert load_user(token) is None


def test_a_new_password_from_a_one_time_code_does_not_skip_the_second_factor(app, db, villages):
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    from elearn.records.codes import issue_code

    code = issue_code(db, trainer, "reset", trainer.id, "test-secret", utcnow())
    db.commit()
    browser = app.test_client()
    response = browser.post("/code", data={"phone": NATIONAL, "code": code, "new_password": "mot cau moi de nho 7",
                                           "confirm_password": "mot cau moi de nho 7",
                                           "csrf_token": csrf_token(browser, "/code")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/verify")
    assert not is_signed_in_as_staff(browser)
    assert second_step(browser, app_code()).status_code == 302 and is_signed_in_as_staff(browser)


# Resetting someone's second factor.

def test_an_admin_resets_a_staff_member_who_lost_their_phone(app, db, villages):
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    make_staff(db, "admin", None, "+84933000004", name="Quản Trị")
    trainer_phone = signed_in(app, TRAINER_PHONE)
    admin = signed_in(app, "+84933000004")
    page = admin.get(f"/admin/staff/{trainer.id}").get_data(as_text=True)
    assert "Đã bật từ" in page and "Đặt lại xác thực hai bước" in page

    assert admin.post(f"/admin/staff/{trainer.id}/second-factor/reset").status_code == 400  # no CSRF token
    response = admin.post(f"/admin/staff/{trainer.id}/second-factor/reset", data={"csrf_token": page_token(admin)})
    assert response.status_code == 302
    assert "Đã đặt lại xác thực hai bước" in admin.get(response.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    assert db.get(SecondFactor, trainer.id) is None
    assert not is_signed_in_as_staff(trainer_phone)  # signed out everywhere
    assert password_step(app.test_client()).headers["Location"].endswith("/sign-in/enroll")
    admin_id = db.scalar(select(User.id).where(User.phone == "+84933000004"))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "second_factor_reset"))
    assert (event.actor_id, event.subject_id) == (admin_id, trainer.id)


def test_the_last_admin_resets_their_own_second_factor_from_the_command_line(app, db, runner, villages):
    admin = make_staff(db, "admin", None, "+84933000004", name="Quản Trị")
    resident = make_resident(db, villages[0], RESIDENT_PHONE)
    result = runner.invoke(args=["users", "reset-2fa", "0933 000 004"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert db.get(SecondFactor, admin.id) is None
    assert password_step(app.test_client(), phone="0933000004").headers["Location"].endswith("/sign-in/enroll")
    for phone in (RESIDENT_PHONE, "0999999999", "không phải số"):
        assert runner.invoke(args=["users", "reset-2fa", phone]).exit_code == 1
    assert resident.id


def test_the_admin_printed_by_prepare_signs_in_and_adds_the_app_at_the_first_sign_in(app, runner, monkeypatch):
    monkeypatch.delenv("ELEARN_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("ELEARN_ADMIN_PHONE", raising=False)
    result = runner.invoke(args=["prepare"])
    assert result.exit_code == 0, result.output
    phone = re.search(r"phone:\s+([\d ]+)", result.output).group(1).strip()
    password = re.search(r"password:\s+(\S+)", result.output).group(1)
    assert "authenticator app" in result.output
    browser = app.test_client()
    response = password_step(browser, phone=phone, password=password)
    assert response.headers["Location"].endswith("/sign-in/enroll")
    _, codes, _ = enrol_on_the_page(browser)
    assert len(codes) == 10 and browser.get("/admin/").status_code == 200
