"""Post/Redirect/Get after a refused form, and idempotent creates (issue 9): Back always shows a page,
and a double tap of "Đăng ký" lands where the first tap did, signed in, with one account."""
from __future__ import annotations

import re
import time
from datetime import timedelta

from flask import g
from sqlalchemy import func, select, update
from wtforms import PasswordField, StringField, TextAreaField

from elearn import prg
from elearn.forms import Form
from elearn.models import UsedFormKey, User
from elearn.models.types import utcnow
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import shown_again

HOST = "hocso.test"


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def register_page(client) -> dict:
    """The hidden fields of the registration page, as the browser sends them back."""
    page = client.get("/register").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page)
    assert key, "no form key on the registration page"
    return {"csrf_token": csrf_token(client, "/register"), "form_key": key.group(1)}


def session_of(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), domain=HOST)
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


# -- Post/Redirect/Get --------------------------------------------------------------------------------

def test_a_refused_registration_is_shown_on_its_get_once_without_password_or_token(app, client, auth, db):
    form = {**auth.registration(phone="123"), **register_page(client)}
    response = client.post("/register", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/register"
    draft = session_of(app, client)[prg.DRAFT]
    assert draft["data"]["full_name"] == ["Nguyễn Thị Lan"] and "phone" in draft["errors"]
    assert not {"password", "confirm_password", "csrf_token"} & draft["data"].keys()
    assert PASSWORD not in str(draft)
    page = client.get("/register").get_data(as_text=True)
    assert 'value="Nguyễn Thị Lan"' in page and "Số điện thoại chưa đúng" in page
    assert "Hãy nhập lại mật khẩu" in page and PASSWORD not in page
    assert prg.DRAFT not in session_of(app, client)  # consumed
    again = client.get("/register").get_data(as_text=True)  # a reload, or Back later: the form, empty
    assert 'value="Nguyễn Thị Lan"' not in again and "Số điện thoại chưa đúng" not in again
    assert count(db, User) == 0 and count(db, UsedFormKey) == 0


def test_a_draft_is_only_shown_on_its_own_page_to_its_own_person(app, client, auth):
    auth.register()
    client.post("/me/edit", data={"full_name": "Tên Mới", "phone": "123", "csrf_token": csrf_token(client, "/me/edit")})
    assert "Tên Mới" not in client.get("/me/delete").get_data(as_text=True)  # another page: not there
    auth.sign_out()  # a shared phone: the next person sees nothing of it
    assert prg.DRAFT not in session_of(app, client)
    auth.sign_in()
    assert "Tên Mới" not in client.get("/me/edit").get_data(as_text=True)


def test_an_old_draft_is_dropped(app, client, auth, clock):
    client.post("/register", data={**auth.registration(phone="123"), **register_page(client)})
    clock(prg.DRAFT_LIFETIME + 1)
    assert "Nguyễn Thị Lan" not in client.get("/register").get_data(as_text=True)


class BigForm(Form):
    title = StringField()
    text = TextAreaField()
    secret = PasswordField()


def test_a_draft_too_big_for_the_cookie_is_answered_in_place_with_the_history_fix(app):
    """A lesson's Markdown does not fit in a cookie: the page comes back in place (as before) and asks the
    browser to turn the entry into a GET; nothing is kept in the session."""
    import secrets

    big = secrets.token_hex(4000)  # 8,000 characters zlib cannot shrink
    with app.test_request_context("/trainer/x", method="POST", data={"title": "T", "text": big, "secret": "s3cret"}):
        from flask import session

        form = BigForm(meta={"csrf": False})
        form.validate()
        form.title.errors = ["Sai."]
        answer = prg.refused(form, lambda: "the page")
        assert answer == ("the page", 400) and g.replace_history and prg.DRAFT not in session
    with app.test_request_context("/trainer/x", method="POST", data={"title": "T", "text": "ngắn", "secret": "s"}):
        from flask import session

        form = BigForm(meta={"csrf": False})
        answer = prg.refused(form, lambda: "the page")
        assert answer.status_code == 303 and session[prg.DRAFT]["data"] == {"title": ["T"], "text": ["ngắn"]}


def test_the_history_fix_is_a_file_the_page_loads_only_when_needed(app, client):
    assert "history.js" not in client.get("/register").get_data(as_text=True)
    with app.test_request_context("/"):
        from flask import render_template

        g.replace_history = True
        assert "/static/history.js" in render_template("auth/privacy.html", version="1", retention={
            "withdrawn": 30, "pending": 30, "audit": 30, "codes": 30})
    script = client.get("/static/history.js")
    assert b"history.replaceState" in script.data
    script.close()


# -- Idempotent registration --------------------------------------------------------------------------

def test_a_double_tap_with_the_first_taps_session_lands_on_the_course_list_signed_in(app, client, auth, db, courses):
    """The browser kept the first answer's cookie (signed in, a new session without the page's CSRF token):
    the second tap is no "Trang đã mở quá lâu" (400) but where the first one went."""
    form = {**auth.registration(), **register_page(client)}
    first = client.post("/register", data=form)
    assert first.status_code == 302 and first.headers["Location"].endswith("/courses")
    second = client.post("/register", data=form)
    assert second.status_code == 303 and second.headers["Location"].endswith("/courses")
    page = client.get("/courses").get_data(as_text=True)
    assert "Chào mừng Nguyễn Thị Lan" in page and "đã có tài khoản" not in page
    assert count(db, User) == 1


def test_a_double_tap_with_the_old_session_signs_in_and_lands_where_the_first_went(app, client, auth, db, courses):
    """The browser dropped the first answer (the second tap cancelled it): the second tap comes with the
    page's session, signed out. It signs in to the account the first tap made, never "phone taken"."""
    form = {**auth.registration(), **register_page(client)}
    page_session = client.get_cookie("session", domain=HOST).value
    tapped_twice = app.test_client()
    tapped_twice.set_cookie("session", page_session, domain=HOST)
    assert client.post("/register", data=form).status_code == 302
    second = tapped_twice.post("/register", data=form)
    assert second.status_code == 302 and second.headers["Location"].endswith("/courses")
    page = tapped_twice.get("/courses").get_data(as_text=True)
    assert "Chào mừng Nguyễn Thị Lan" in page and "Số điện thoại này đã có tài khoản" not in page
    assert count(db, User) == 1


def test_the_same_key_with_another_password_or_phone_is_refused_plainly(app, client, auth, db):
    form = {**auth.registration(), **register_page(client)}
    page_session = client.get_cookie("session", domain=HOST).value
    assert client.post("/register", data=form).status_code == 302
    for changes in ({"password": "mot mat khau khac han"}, {"phone": "0987 654 321"}):
        other = app.test_client()
        other.set_cookie("session", page_session, domain=HOST)
        again = {**auth.registration(**changes), "csrf_token": form["csrf_token"], "form_key": form["form_key"]}
        page = shown_again(other, other.post("/register", data=again), "/register")
        assert "Biểu mẫu này đã được gửi một lần rồi" in page and "Chào mừng" not in page
        assert other.get("/me").status_code == 302  # not signed in
        fresh = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page).group(1)
        assert fresh != form["form_key"]
    assert count(db, User) == 1 and count(db, UsedFormKey) == 1


def test_a_key_used_long_ago_is_refused_plainly(app, client, auth, db):
    form = {**auth.registration(), **register_page(client)}
    page_session = client.get_cookie("session", domain=HOST).value
    assert client.post("/register", data=form).status_code == 302
    db.execute(update(UsedFormKey).values(used_at=utcnow() - timedelta(hours=1)))
    db.commit()
    later = app.test_client()
    later.set_cookie("session", page_session, domain=HOST)
    page = shown_again(later, later.post("/register", data=form))
    assert "đã được gửi một lần rồi" in page and later.get("/me").status_code == 302


def test_a_refused_registration_keeps_no_key(client, auth, db):
    """A refusal writes nothing: the phone was taken, so the claimed key is rolled back."""
    auth.register()
    auth.sign_out()
    keys = count(db, UsedFormKey)
    form = {**auth.registration(full_name="Trần Văn Bình"), **register_page(client)}
    page = shown_again(client, client.post("/register", data=form), "/register")
    assert "đã có tài khoản" in page and count(db, UsedFormKey) == keys == 1


def test_form_keys_hold_no_personal_data_go_with_the_account_and_are_purged_after_a_day(app, client, auth, db):
    from elearn import form_keys
    from elearn.privacy import erase_account

    auth.register()
    record = db.scalar(select(UsedFormKey))
    user = db.scalar(select(User))
    assert record.user_id == user.id and record.endpoint == "auth.register" and record.target == "/courses"
    assert len(record.key_hash) == 64 and "0912" not in record.key_hash
    assert form_keys.purge(db, utcnow()) == 0
    assert form_keys.purge(db, utcnow() + form_keys.KEPT_FOR + timedelta(minutes=1)) == 1
    db.rollback()
    with app.app_context():
        erase_account(db, db.get(User, user.id))
    db.commit()
    assert count(db, UsedFormKey) == 0


# -- Back after registering ---------------------------------------------------------------------------

def test_the_registration_page_of_someone_signed_in_is_a_page_not_a_redirect(client, auth, courses):
    auth.register()
    response = client.get("/register")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Bạn đã đăng nhập" in page and "Nguyễn Thị Lan" in page
    assert 'href="/courses"' in page and 'action="/sign-out"' in page and 'name="form_key"' not in page


def test_two_taps_at_the_same_moment_make_one_account_and_both_sign_in(app, client, auth, db, monkeypatch):
    """The second tap arrives while the first one's transaction is still open: it waits on the key (PostgreSQL's
    unique index, SQLite's one writer), then finds the first one's record instead of saying "phone taken"."""
    import threading

    from elearn.auth import services

    register, entered = services.register_resident, threading.Event()

    def slow_register(session, data):
        user = register(session, data)
        entered.set()
        time.sleep(0.5)  # the account is written, not committed yet
        return user

    monkeypatch.setattr(services, "register_resident", slow_register)
    form = {**auth.registration(), **register_page(client)}
    page_session = client.get_cookie("session", domain=HOST).value
    answers = {}

    def tap(name):
        browser = app.test_client()
        browser.set_cookie("session", page_session, domain=HOST)
        answers[name] = browser.post("/register", data=form)
        answers[name].close()

    first = threading.Thread(target=tap, args=("first",))
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=tap, args=("second",))
    second.start()
    first.join(20)
    second.join(20)
    assert {name: answer.status_code for name, answer in answers.items()} == {"first": 302, "second": 302}
    assert answers["second"].headers["Location"].endswith("/courses")
    assert count(db, User) == 1 and count(db, UsedFormKey) == 1


def test_a_double_tapped_sign_in_goes_on_and_back_to_the_sign_in_page_shows_a_page(client, auth, courses):
    auth.register()
    auth.sign_out()
    form = {"phone": "0912 345 678", "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    assert client.post("/sign-in", data=form).status_code == 302
    second = client.post("/sign-in", data=form)  # the first tap's new session: the page's token is not in it
    assert second.status_code == 303 and second.headers["Location"].endswith("/courses")
    page = client.get("/sign-in").get_data(as_text=True)  # Back from the course list
    assert "Bạn đã đăng nhập" in page and 'href="/courses"' in page
    asked = client.get("/sign-in?next=/progress")  # a link that asked for sign-in still goes on
    assert asked.status_code == 303 and asked.headers["Location"].endswith("/progress")
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client, "/me")}).status_code == 302
    assert client.post("/sign-in", data={**form, "csrf_token": "stale"}).status_code == 400  # signed out: checked
