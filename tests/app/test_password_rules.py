"""One password rule everywhere a password is chosen (elearn.training.passwords): the one-time-code
page, staff accounts and the first admin (ELEARN_ADMIN_PASSWORD) included."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.models import OneTimeCode, Unit, User
from tests.app.trainers import (RESIDENT_PHONE, error_for, issue_code, make_resident, signed_in,  # noqa: F401
                                trainers)
from tests.conftest import csrf_token
from tests.helpers import shown_again


def use(browser, code, password):
    return browser.post("/code", data={"phone": "0912 345 678", "code": code, "new_password": password,
                                       "confirm_password": password, "csrf_token": csrf_token(browser, "/code")})


@pytest.mark.parametrize("password", ["0912345678", "Nguyễn Thị Lan", "25/03/1975"])
def test_a_code_does_not_set_a_password_made_of_the_own_details_and_is_not_spent(app, db, trainers, villages,
                                                                                password):
    make_resident(db, villages[0], RESIDENT_PHONE)
    code = issue_code(signed_in(app, trainers[0].phone), db.scalar(select(User.id).where(User.phone == RESIDENT_PHONE)))
    browser = app.test_client()
    page = shown_again(browser, use(browser, code, password), "/code")
    assert "không được là số điện thoại, họ tên hay ngày sinh" in error_for(page, "new_password")
    assert 'value="0912 345 678"' in page and f'value="{code}"' in page  # the rest of the input stays
    assert f'value="{password}"' not in page  # a password is never kept
    assert db.scalar(select(OneTimeCode)).used_at is None
    assert use(browser, code, "ca phe sua da buoi sang").status_code == 302


def test_staff_accounts_follow_the_same_rule(runner, db, villages):
    result = runner.invoke(args=["users", "create", "--role", "trainer", "--phone", "0933 111 222", "--name",
                                 "Phạm Văn Hùng", "--password", "Pham Van Hung", "--unit", str(villages[0])])
    assert result.exit_code == 1 and "password refused: personal" in result.output
    assert db.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("password, reason", [
    ("1", "shorter than 8 characters"), ("12345678", "most common passwords"), ("0900 000 000", "phone number"),
    ("quan tri vien", "phone number or name"), ("luanuoctrabinh2025", "example"),
])
def test_prepare_refuses_a_weak_admin_password_and_creates_nothing(runner, db, monkeypatch, password, reason):
    monkeypatch.setenv("ELEARN_ADMIN_PASSWORD", password)
    monkeypatch.delenv("ELEARN_ADMIN_PHONE", raising=False)
    result = runner.invoke(args=["prepare"])
    assert result.exit_code == 1
    assert "ELEARN_ADMIN_PASSWORD refused" in result.output and reason in result.output
    assert "Nothing was created" in result.output
    assert db.scalar(select(func.count(User.id))) == 0 and db.scalar(select(func.count(Unit.id))) == 0


def test_serve_refuses_a_weak_admin_password_before_serving(runner, db, monkeypatch):
    import elearn.wsgi_server

    served = []
    monkeypatch.setattr(elearn.wsgi_server, "run", lambda *args: served.append(args))
    monkeypatch.setenv("ELEARN_ADMIN_PASSWORD", "1")
    result = runner.invoke(args=["serve"])
    assert result.exit_code == 1 and "ELEARN_ADMIN_PASSWORD refused" in result.output
    assert served == [] and db.scalar(select(func.count(User.id))) == 0


def test_prepare_accepts_a_good_admin_password(runner, db, monkeypatch):
    monkeypatch.setenv("ELEARN_ADMIN_PASSWORD", "mat khau cua quan tri xa")
    monkeypatch.setenv("ELEARN_ADMIN_PHONE", "0933 000 001")
    result = runner.invoke(args=["prepare"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(User.phone)) == "+84933000001"
