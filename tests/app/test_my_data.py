"""A resident sees, corrects, exports and deletes their own data."""
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from elearn.models import AuditEvent, Certificate, CourseActivity, CourseCompletion, QuizAttempt, TrainedResident, User
from tests.helpers import answers, quiz_form, read_all_lessons, shown_again, submit
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture
def trained(client, db, auth, courses):
    auth.register()
    for slug in ("alpha", "beta"):
        read_all_lessons(client, db, slug)
        submit(client, slug, {**quiz_form(client, slug), **answers(db, slug)})
    return auth


def test_the_profile_shows_the_residents_data_with_dates_as_dd_mm_yyyy(client, auth):
    auth.register()
    page = client.get("/me").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in page and "0912 345 678" in page and "25/03/1975" in page
    assert client.get("/me").headers["Cache-Control"] == "no-store"


def test_a_resident_corrects_their_profile(client, db, auth, villages):
    auth.register()
    form = {"full_name": "Nguyễn Thị Lan Anh", "phone": "0912 345 679", "birth_date": "26/03/1975",
            "sex": "female", "village_id": str(villages[1]), "current_password": PASSWORD,  # a new phone needs it
            "csrf_token": csrf_token(client, "/me/edit")}
    assert client.post("/me/edit", data=form).status_code == 302
    user = db.scalar(select(User))
    assert (user.full_name, user.phone, user.village_id) == ("Nguyễn Thị Lan Anh", "+84912345679", villages[1])
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "profile_corrected"))
    assert set(event.detail["fields"]) == {"full_name", "phone", "birth_date", "village_id"}


def test_a_bad_correction_keeps_what_was_typed(client, db, auth, villages):
    auth.register()
    form = {"full_name": "Nguyễn Thị Lan Anh", "phone": "123", "birth_date": "26/03/1975", "sex": "female",
            "village_id": str(villages[1]), "csrf_token": csrf_token(client, "/me/edit")}
    page = shown_again(client, client.post("/me/edit", data=form), "/me/edit")
    assert "Số điện thoại chưa đúng" in page and 'value="Nguyễn Thị Lan Anh"' in page
    assert db.scalar(select(User.full_name)) == "Nguyễn Thị Lan"


def test_the_export_holds_everything_about_the_resident_and_nobody_else(app, client, db, trained, auth):
    other = app.test_client()
    assert auth.on(other).register(phone="0987 654 321", full_name="Trần Văn Bình").status_code == 302
    assert client.get("/me/data.json").status_code == 405  # audited, so never on a GET
    response = client.post("/me/data.json", data={"csrf_token": csrf_token(client, "/me")})
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "data_exported")) is not None
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["full_name"] == "Nguyễn Thị Lan" and data["profile"]["phone"] == "+84912345678"
    assert data["consents"][0]["notice_version"]
    assert len(data["lessons_opened"]) == 3
    assert {a["course"] for a in data["quiz_attempts"]} == {"alpha", "beta"}
    assert data["quiz_attempts"][0]["answers"]["Câu hỏi một?"] == ["Đúng một"]
    assert {c["course"] for c in data["course_completions"]} == {"alpha", "beta"}
    assert data["certificate"]["code"]
    assert "Trần Văn Bình" not in response.get_data(as_text=True)


def test_withdrawing_consent_stops_learning_until_consent_is_given_again(client, db, auth, courses):
    auth.register()
    assert client.post("/me/withdraw-consent",
                       data={"csrf_token": csrf_token(client, "/me/withdraw-consent")}).status_code == 302
    response = client.get("/courses/alpha/lessons/mo-dau")
    assert response.status_code == 302 and "/consent" in response.headers["Location"]
    refused = client.post("/consent", data={"csrf_token": csrf_token(client, "/consent")})
    assert "Bạn cần đánh dấu ô này" in shown_again(client, refused, "/consent")
    client.post("/consent", data={"consent": "y", "csrf_token": csrf_token(client, "/consent")})
    assert client.get("/courses/alpha/lessons/mo-dau").status_code == 200


def test_deleting_the_account_erases_the_person_and_keeps_anonymous_counts(client, db, trained):
    wrong = client.post("/me/delete",
                        data={"password": "not my password", "csrf_token": csrf_token(client, "/me/delete")})
    assert "Mật khẩu chưa đúng" in shown_again(client, wrong, "/me/delete")
    assert db.scalar(select(func.count(User.id))) == 1
    response = client.post("/me/delete", data={"password": PASSWORD, "csrf_token": csrf_token(client, "/me/delete")})
    assert response.status_code == 302
    db.expire_all()
    for model in (User, CourseCompletion, QuizAttempt, Certificate):
        assert db.scalar(select(func.count(model.id))) == 0, model
    # The trained-person row stays, without the person: village, sex, date and labour-age window.
    kept = db.scalars(select(TrainedResident)).all()
    assert [(k.user_id, k.sex, k.method) for k in kept] == [(None, "female", "self")]
    assert (kept[0].labour_age_from, kept[0].labour_age_until) == (date(1990, 3, 25), date(2034, 11, 30))
    assert sum(db.scalars(select(CourseActivity.completed_self))) == 2
    events = db.scalars(select(AuditEvent)).all()
    assert all(e.subject_id is None and e.actor_id is None for e in events)
    assert "account_deleted" in [e.action for e in events]
    assert client.get("/courses").status_code == 302
    assert auth_sign_in_fails(client)


def auth_sign_in_fails(client):
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD,
                                         "csrf_token": token}).status_code == 303  # the form again
