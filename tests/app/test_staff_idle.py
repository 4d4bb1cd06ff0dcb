"""Staff sessions end after an hour without a request; residents stay signed in."""
from __future__ import annotations

from flask_login.utils import encode_cookie

from elearn.security import STAFF_SEEN_AT
from tests.app.trainers import TRAINER_PHONE, make_resident, make_staff, signed_in

HOUR = 3600


def _idle(browser, seconds):
    with browser.session_transaction() as stored:
        stored[STAFF_SEEN_AT] -= seconds


def test_a_trainer_idle_for_over_an_hour_is_signed_out_and_asked_to_sign_in_again(app, db, villages):
    make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    browser = signed_in(app, TRAINER_PHONE)
    assert browser.get("/trainer/").status_code == 200

    _idle(browser, HOUR + 5)
    response = browser.get("/trainer/")

    assert response.status_code == 302
    assert "/sign-in?next=/trainer/" in response.headers["Location"]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "không thao tác" in page
    assert browser.get("/trainer/").status_code == 302  # really signed out, not just redirected once


def test_a_trainer_active_within_the_hour_stays_signed_in(app, db, villages):
    make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    browser = signed_in(app, TRAINER_PHONE)

    _idle(browser, HOUR - 60)

    assert browser.get("/trainer/").status_code == 200
    _idle(browser, HOUR - 60)  # the last request counts as activity
    assert browser.get("/trainer/").status_code == 200


def test_a_remember_me_cookie_does_not_bring_a_staff_session_back(app, db, villages):
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    browser = app.test_client()
    with app.test_request_context():
        browser.set_cookie("remember_token", encode_cookie(trainer.session_token), domain="hocso.test")

    assert browser.get("/trainer/").status_code == 302
    assert browser.get("/trainer/").status_code == 302


def test_a_resident_is_not_signed_out_for_being_idle(app, db, villages):
    resident = make_resident(db, villages[0], "+84912345678")
    browser = signed_in(app, resident.phone)
    with browser.session_transaction() as stored:
        assert STAFF_SEEN_AT not in stored

    assert browser.get("/courses").status_code == 200
