"""Issue 9: the birth date in three plain boxes that keep what was typed and say back what was
understood; the password typed twice, shown on request, and never the example, phone or birth date."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from elearn.models import User
from tests.app.test_registration import described_by, error_for
from tests.app.trainers import TRAINER_PHONE, register, signed_in, trainers  # noqa: F401 # a fixture
from tests.conftest import PASSWORD, csrf_token

BOXES = {"birth_date": None}  # drops the single-text date of the default form: the boxes are sent instead


def boxes(day: str, month: str, year: str) -> dict:
    return {**BOXES, "birth_date-day": day, "birth_date-month": month, "birth_date-year": year}


def page_after(client, response) -> str:
    """The page a person sees after a refused form: followed when it is sent back to its GET."""
    if response.status_code in (302, 303):
        return client.get(response.headers["Location"]).get_data(as_text=True)
    return response.get_data(as_text=True)


def box_value(page: str, part: str) -> str:
    box = re.search(rf'<input[^>]*name="birth_date-{part}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', box).group(1)


def test_the_three_boxes_make_the_birth_date(auth, db):
    assert auth.register(**boxes("12", "05", "1985")).status_code == 302
    assert db.scalar(select(User.birth_date)) == date(1985, 5, 12)


def test_12051985_typed_in_the_day_box_is_12_may(auth, db):
    assert auth.register(**boxes("12051985", "", "")).status_code == 302
    assert db.scalar(select(User.birth_date)) == date(1985, 5, 12)


def test_a_two_digit_year_is_asked_again_and_what_was_typed_stays(client, auth, db):
    page = page_after(client, auth.register(**boxes("12", "05", "85")))
    message = error_for(page, "birth_date")
    assert "4 chữ số" in message and "1985" in message, message
    assert (box_value(page, "day"), box_value(page, "month"), box_value(page, "year")) == ("12", "05", "85")
    year_box = re.search(r'<input[^>]*name="birth_date-year"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in year_box
    assert "birth_date-error" in described_by(page, "birth_date")
    assert 'aria-live="polite"></p>' in page and db.scalar(select(User)) is None  # nothing understood to say


def test_after_another_mistake_the_date_is_said_back_in_words(client, auth):
    page = page_after(client, auth.register(phone="123", **boxes("12", "05", "1985")))
    said = re.search(r'<p class="understood" id="birth_date-understood" aria-live="polite">([^<]*)</p>', page)
    assert said.group(1) == "Đã hiểu là: ngày 12 tháng 5 năm 1985."
    assert (box_value(page, "day"), box_value(page, "month"), box_value(page, "year")) == ("12", "05", "1985")
    assert "birth_date-understood" in described_by(page, "birth_date")


def test_a_whole_date_in_the_day_box_comes_back_spread_over_the_three(client, auth):
    page = page_after(client, auth.register(phone="123", **boxes("12/05/1985", "", "")))
    assert (box_value(page, "day"), box_value(page, "month"), box_value(page, "year")) == ("12", "5", "1985")
    assert "Đã hiểu là: ngày 12 tháng 5 năm 1985." in page


def test_a_date_not_understood_is_kept_as_typed(client, auth):
    page = page_after(client, auth.register(**boxes("hôm qua", "", "")))
    assert box_value(page, "day") == "hôm qua" and "Chưa đọc được ngày sinh" in error_for(page, "birth_date")


def test_the_boxes_have_labels_and_one_group(client, villages):
    page = client.get("/register").get_data(as_text=True)
    assert re.search(r'<fieldset id="birth_date" class="date" role="group"[^>]*>\s*<legend>Ngày sinh</legend>', page)
    for part, name in (("day", "Ngày"), ("month", "Tháng"), ("year", "Năm")):
        assert f'<label for="birth_date-{part}">{name}</label>' in page


# Passwords

def test_the_password_is_typed_twice(client, auth, db):
    page = page_after(client, auth.register(confirm_password="mua xuan tren ruong bac thang!"))
    assert "Hai mật khẩu chưa giống nhau" in error_for(page, "confirm_password")
    assert db.scalar(select(User)) is None
    page = page_after(client, auth.register(confirm_password=""))
    assert "Vui lòng nhập lại mật khẩu" in error_for(page, "confirm_password")


@pytest.mark.parametrize("password", ["12/05/1985", "ngày 12 tháng 5 năm 1985", "12 05 85", "19850512", "0912345678ab"])
def test_the_birth_date_just_typed_and_the_phone_are_no_password(client, auth, db, password):
    page = page_after(client, auth.register(password=password, **boxes("12", "5", "1985")))
    assert "không được là số điện thoại, họ tên hay ngày sinh" in error_for(page, "password")
    assert db.scalar(select(User)) is None


def test_the_example_typed_as_a_sentence_is_no_password(client, auth, db):
    page = page_after(client, auth.register(password="Lúa nước trà bình 2025"))
    assert "mật khẩu ví dụ" in error_for(page, "password") and db.scalar(select(User)) is None


@pytest.mark.parametrize("path, targets", [("/register", "password confirm_password"),
                                           ("/code", "new_password confirm_password")])
def test_show_password_comes_with_the_script_only(client, villages, path, targets):
    page = client.get(path).get_data(as_text=True)
    assert f'<div class="field show-password" hidden data-targets="{targets}">' in page
    assert "Hiện mật khẩu" in page
    script = re.search(r'<script src="(/static/forms\.js\?v=[0-9a-f]+)" defer>', page).group(1)
    response = client.get(script)
    assert response.status_code == 200 and b"show-password" in response.data
    response.close()


def test_a_new_password_is_typed_twice_too(client, auth, db):
    auth.register()
    response = client.post("/me/password", data={"current_password": PASSWORD, "new_password": "mot cau moi rat dai",
                                                  "confirm_password": "mot cau moi rat dai.",
                                                  "csrf_token": csrf_token(client, "/me/password")})
    assert "Hai mật khẩu chưa giống nhau" in error_for(page_after(client, response), "confirm_password")


def test_the_profile_shows_the_stored_date_in_the_boxes(client, auth):
    auth.register(**boxes("12", "5", "1985"))
    page = client.get("/me/edit").get_data(as_text=True)
    assert (box_value(page, "day"), box_value(page, "month"), box_value(page, "year")) == ("12", "5", "1985")


# The trainer registers a resident: the same boxes, never filled with the trainer's own birthday.

def test_the_trainers_form_takes_the_three_boxes_without_autofill(app, db, villages, trainers):
    browser = signed_in(app, TRAINER_PHONE)
    page = browser.get("/trainer/residents/new").get_data(as_text=True)
    assert 'autocomplete="off"' in re.search(r'<input[^>]*name="birth_date-day"[^>]*>', page).group(0)
    assert 'name="guardian_consent"' in page  # before sending, for a resident under 16
    response = register(browser, villages, **boxes("17", "5", "1980"))
    assert response.status_code in (302, 303)
    assert db.scalar(select(User.birth_date).where(User.full_name == "Phạm Văn Minh")) == date(1980, 5, 17)
