"""A resident's lesson page answered before Flask (elearn/learn/fast_path.py) is the page Flask
would send, byte for byte, and every case that is not the plain one still goes through Flask."""
from __future__ import annotations

import gzip
import re

import pytest
from sqlalchemy import select

from elearn.models import ConsentRecord, User
from elearn.models.types import utcnow
from tests.app.authoring_helpers import make_trainer, signed_in

LESSON = "/courses/alpha/lessons/mo-dau"
TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def through_flask(app):
    """How many requests Flask itself handled (a hook added before the first request)."""
    handled = []
    app.before_request(lambda: handled.append(1) and None)
    return handled


@pytest.fixture
def resident(client, auth, courses, through_flask):
    auth.register()
    client.get("/courses")  # reads the welcome message
    client.get(LESSON)  # Flask renders the page once; it is in memory now
    through_flask.clear()
    return client


def page(response) -> str:
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode()


@pytest.mark.parametrize("headers", [GZIP, {}], ids=["gzip", "identity"])
def test_the_page_from_memory_is_the_page_flask_sends(app, resident, through_flask, headers):
    fast = resident.get(LESSON, headers=headers)
    assert through_flask == []
    app.config["LESSON_FAST_PATH"] = False
    slow = resident.get(LESSON, headers=headers)
    assert through_flask == [1]

    assert fast.status_code == slow.status_code == 200
    assert TOKEN.sub("", page(fast)) == TOKEN.sub("", page(slow))
    assert len(TOKEN.findall(page(fast))) == 2
    fast_headers, slow_headers = dict(fast.headers), dict(slow.headers)
    fast_headers.pop("Content-Length"), slow_headers.pop("Content-Length")
    assert fast_headers == slow_headers
    assert "Set-Cookie" not in fast.headers


def test_the_token_on_the_page_from_memory_records_the_reading(resident, through_flask):
    token = re.search(r'value="([^"]+)"', TOKEN.search(page(resident.get(LESSON))).group(0)).group(1)
    assert through_flask == []
    response = resident.post(f"{LESSON}/read", data={"csrf_token": token})
    assert response.status_code == 303


def test_a_waiting_message_goes_through_flask(resident, through_flask):
    with resident.session_transaction() as session:
        session["_flashes"] = [("info", "Tin nhắn chờ đọc.")]
    assert "Tin nhắn chờ đọc." in page(resident.get(LESSON))
    assert through_flask == [1]
    resident.get(LESSON)
    assert through_flask == [1]  # read once, then from memory again


def test_a_withdrawn_consent_is_asked_again(resident, db, through_flask):
    consent = db.scalar(select(ConsentRecord))
    consent.withdrawn_at = utcnow()
    db.commit()
    response = resident.get(LESSON)
    assert response.status_code == 302 and "/consent" in response.headers["Location"]


def test_a_session_ended_elsewhere_is_signed_out(resident, db, through_flask):
    user = db.scalar(select(User))
    user.session_token = "ended-elsewhere"
    db.commit()
    response = resident.get(LESSON)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_an_archived_course_is_gone_at_once(resident, db, through_flask):
    from elearn.models import Course

    db.scalar(select(Course).where(Course.slug == "alpha")).status = "archived"
    db.commit()
    assert resident.get(LESSON).status_code == 404


def test_staff_a_query_string_and_another_browser_go_through_flask(app, db, villages, resident, through_flask):
    resident.get(LESSON + "?from=zalo")
    assert through_flask == [1]
    other_browser = {"User-Agent": "Mozilla/5.0 (Linux; Android 9) Chrome/76"}
    resident.get(LESSON, headers=other_browser)  # Flask-Login marks the session "not fresh" once
    assert through_flask == [1, 1]
    resident.get(LESSON, headers=other_browser)
    assert through_flask == [1, 1]

    make_trainer(db, villages[0])
    trainer = signed_in(app, "0933000005")
    handled = len(through_flask)
    trainer.get(LESSON)
    trainer.get(LESSON)
    assert len(through_flask) == handled + 2  # staff pages are never answered from memory


def test_a_wrong_host_is_refused_before_the_lesson(resident, through_flask):
    assert resident.get(LESSON, headers={"Host": "evil.example"}).status_code == 400
