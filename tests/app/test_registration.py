"""Registering on a phone: every bad input gets a Vietnamese message next to its field, nothing lost."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from elearn.models import ConsentRecord, User
from tests.helpers import shown_again


def error_for(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error"><strong>Lỗi:</strong> ([^<]+)</p>', page)
    return match.group(1) if match else ""


def described_by(page: str, field: str) -> list[str]:
    """The ids a screen reader reads out with the field: the aria-describedby of the element with
    the field's id (its input, select, or the fieldset of its radio buttons)."""
    element = re.search(rf'<(?:input|select|textarea|fieldset)\b[^>]*\bid="{field}"[^>]*>', page)
    link = element and re.search(r'aria-describedby="([^"]*)"', element.group(0))
    return link.group(1).split() if link else []


def test_a_resident_registers_and_lands_on_the_course_list(client, auth, db, courses):
    response = auth.register()
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses")
    page = client.get("/courses").get_data(as_text=True)
    assert "Chào mừng Nguyễn Thị Lan" in page and "Khóa Alpha" in page
    user = db.scalar(select(User))
    assert user.phone == "+84912345678" and user.birth_date == date(1975, 3, 25) and user.assignments == []
    assert user.password_hash.startswith("$argon2id$")


def test_consent_is_recorded_with_time_and_notice_version(auth, db, app):
    auth.register()
    consent = db.scalar(select(ConsentRecord))
    assert consent.purpose == "learning"
    assert consent.notice_version == app.config["PRIVACY_NOTICE_VERSION"] and consent.given_at is not None


def test_the_form_uses_phone_keyboards_and_an_unticked_consent(client, villages):
    page = client.get("/register").get_data(as_text=True)
    assert re.search(r'<input[^>]*type="tel"[^>]*name="phone"|<input[^>]*name="phone"[^>]*type="tel"', page)
    for part in ("day", "month", "year"):  # three plain boxes with the numbers keyboard, not type="date" (mm/dd/yyyy)
        box = re.search(rf'<input[^>]*name="birth_date-{part}"[^>]*>', page).group(0)
        assert 'type="text"' in box and 'inputmode="numeric"' in box and f'autocomplete="bday-{part}"' in box
    consent = re.search(r'<input[^>]*name="consent"[^>]*>', page).group(0)
    assert "checked" not in consent
    assert '<label for="phone">Số điện thoại</label>' in page


@pytest.mark.parametrize("changes, field, message", [
    ({"phone": "12345"}, "phone", "Số điện thoại chưa đúng"),
    ({"phone": "0212 345 678"}, "phone", "Số điện thoại chưa đúng"),
    ({"phone": ""}, "phone", "Vui lòng nhập số điện thoại"),
    ({"birth_date": (date.today() + timedelta(days=3)).isoformat()}, "birth_date", "không thể sau ngày hôm nay"),
    ({"birth_date": "2001-02-30"}, "birth_date", "Tháng 2 năm 2001 không có ngày 30"),
    ({"birth_date": "31/13/1980"}, "birth_date", "Tháng phải là số từ 1 đến 12"),
    ({"birth_date": "hôm qua"}, "birth_date", "Chưa đọc được ngày sinh"),
    ({"birth_date": (date.today() - timedelta(days=14 * 365)).isoformat()}, "birth_date", "đủ 15 tuổi"),
    ({"birth_date": "1850-01-01"}, "birth_date", "Năm sinh chưa đúng"),
    ({"password": "abc123"}, "password", "ít nhất 8 ký tự"),
    ({"password": "12345678"}, "password", "quá dễ đoán"),
    ({"consent": None}, "consent", "Bạn cần đánh dấu ô này"),
    ({"full_name": "   "}, "full_name", "Vui lòng nhập họ và tên"),
    ({"sex": None}, "sex", "Vui lòng chọn Nam hoặc Nữ"),
    ({"sex": "other"}, "sex", "Vui lòng chọn Nam hoặc Nữ"),
    ({"village_id": "0"}, "village_id", "Vui lòng chọn thôn"),
    ({"village_id": "999999"}, "village_id", "Vui lòng chọn thôn"),
    ({"village_id": "abc"}, "village_id", "Vui lòng chọn thôn"),
])
def test_bad_input_gets_a_message_by_its_field_and_keeps_the_rest(auth, db, changes, field, message):
    page = shown_again(auth.client, auth.register(**changes), "/register")
    assert message in error_for(page, field), page
    assert f"{field}-error" in described_by(page, field)
    if field != "full_name":
        assert 'value="Nguyễn Thị Lan"' in page
    if field != "phone":
        assert 'value="0912 345 678"' in page
    assert db.scalar(select(User)) is None


def test_a_date_typed_as_dd_mm_yyyy_is_understood(auth, db):
    assert auth.register(birth_date="05/09/1968").status_code == 302
    assert db.scalar(select(User.birth_date)) == date(1968, 9, 5)


def test_a_duplicate_phone_written_differently_is_refused(client, auth, db):
    auth.register()
    auth.sign_out()
    page = shown_again(client, auth.register(phone="+84912345678", full_name="Trần Văn Bình"), "/register")
    assert "đã có tài khoản" in error_for(page, "phone")
    assert len(db.scalars(select(User)).all()) == 1


def test_a_15_year_old_needs_a_guardians_consent(auth, db):
    fifteen = date(date.today().year - 15, 1, 1)  # turned 15 on 1 January this year
    page = shown_again(auth.client, auth.register(birth_date=fifteen.isoformat()))
    assert "người giám hộ" in error_for(page, "guardian_consent")
    assert auth.register(birth_date=fifteen.isoformat(), guardian_consent="y").status_code == 302
    purposes = sorted(db.scalars(select(ConsentRecord.purpose)))
    assert purposes == ["guardian", "learning"]


def test_after_a_mistake_the_page_lists_it_and_asks_for_the_password_again(auth):
    page = shown_again(auth.client, auth.register(phone="123"))
    assert '<li><a href="#phone">Số điện thoại</a>: Số điện thoại chưa đúng' in page
    assert "Hãy nhập lại mật khẩu" in error_for(page, "password")


def test_sex_is_a_labelled_group_of_large_choices(client, villages):
    page = client.get("/register").get_data(as_text=True)
    assert re.search(r'<fieldset id="sex"[^>]*>\s*<legend>Giới tính</legend>', page)
    assert page.count('<label class="check"><input id="sex-') == 2


def test_the_guardians_box_is_there_before_sending_with_its_plain_rule(client, auth):
    # A 15-year-old sees it before tapping "Đăng ký" (issue 9), even with JavaScript off; forms.js hides it from 16.
    page = client.get("/register").get_data(as_text=True)
    assert 'name="guardian_consent"' in page and "Nếu bạn dưới 16 tuổi" in page
    assert re.search(r'<div data-guardian data-date="birth_date" data-today="\d{4}-\d\d-\d\d" data-below="16">', page)


# A password people around the resident could guess.

@pytest.mark.parametrize("password", ["0912 345 678", "+84912345678", "nguyen thi lan", "NGUYỄN THỊ LAN",
                                      "25/03/1975", "1975-03-25", "25031975"])
def test_the_own_phone_name_or_birth_date_is_no_password(auth, db, password):
    page = shown_again(auth.client, auth.register(password=password))
    assert "không được là số điện thoại, họ tên hay ngày sinh của bạn" in error_for(page, "password")
    assert 'value="Nguyễn Thị Lan"' in page and db.scalar(select(User)) is None


def test_the_example_in_the_hint_is_no_password(client, auth, db):
    assert "luanuoctrabinh2025" in client.get("/register").get_data(as_text=True)
    page = shown_again(client, auth.register(password="LuaNuocTraBinh2025"))
    assert "mật khẩu ví dụ" in error_for(page, "password")


def test_a_new_password_may_not_be_the_own_details_either(client, auth, db):
    from tests.conftest import PASSWORD, csrf_token

    auth.register()
    for password in ("0912-345-678", "Nguyen Thi Lan", "25.03.1975"):
        response = client.post("/me/password", data={"current_password": PASSWORD, "new_password": password,
                                                      "csrf_token": csrf_token(client, "/me/password")})
        page = shown_again(client, response, "/me/password")
        assert "không được là số điện thoại" in error_for(page, "new_password")


# Whether a phone has an account is not told at speed.

def probe(client, phone, **environ):
    from tests.conftest import csrf_token

    data = {"full_name": "Kẻ Dò Tìm", "phone": phone, "birth_date": "1990-01-01", "sex": "male",
            "village_id": re.findall(r'<option value="([1-9]\d*)"', client.get("/register").get_data(as_text=True))[0],
            "password": "mot cau rat dai de nho", "consent": "y", "csrf_token": csrf_token(client, "/register")}
    return client.post("/register", data=data, **environ)


def make_accounts(db, villages, count):
    from elearn.auth.services import new_session_token

    for n in range(count):
        db.add(User(full_name=f"Người {n}", phone=f"+8491200{n:04d}", password_hash="x",
                    session_token=new_session_token(), village_id=villages[0], sex="female",
                    birth_date=date(1980, 1, 1)))
    db.commit()


def test_one_address_is_told_a_phone_is_taken_only_five_times_a_minute(app, db, villages):
    make_accounts(db, villages, 8)
    prober = app.test_client()
    answers = [shown_again(prober, probe(prober, f"091200{n:04d}"), "/register") for n in range(5)]
    assert all("đã có tài khoản" in error_for(page, "phone") for page in answers)
    refused = probe(prober, "0912000005")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert "hãy chờ" in error_for(page, "phone") and "giây" in error_for(page, "phone")
    assert "Số điện thoại này đã có tài khoản" not in page
    # A free number from the same address gets the same wait: the answer tells nothing either way.
    assert probe(app.test_client(), "0988 777 666").status_code == 429
    assert db.scalar(select(User).where(User.phone == "+84988777666")) is None
    # Someone at another address registers as usual.
    elsewhere = probe(app.test_client(), "0988 777 666", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert elsewhere.status_code == 302


def test_one_phone_is_told_it_is_taken_only_so_often_from_any_address(app, db, villages):
    make_accounts(db, villages, 1)
    for n in range(10):
        response = probe(app.test_client(), "0912000000", environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
        assert response.status_code == 303
    response = probe(app.test_client(), "0912000000", environ_base={"REMOTE_ADDR": "203.0.113.99"})
    assert response.status_code == 429 and "phút" in error_for(response.get_data(as_text=True), "phone")


def test_mistakes_in_the_form_are_not_counted_as_probes(app, db, villages):
    prober = app.test_client()
    for _ in range(8):
        from tests.conftest import csrf_token

        prober.post("/register", data={"phone": "0912 000 000", "csrf_token": csrf_token(prober, "/register")})
    assert probe(prober, "0988 777 666").status_code == 302
