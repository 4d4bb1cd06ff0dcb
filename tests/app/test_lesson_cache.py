"""Lesson pages come from memory (elearn/learn/pages.py), yet nobody ever sees a stale or someone
else's page: an edit published through another app server shows on the next request, each visitor
gets the form token of their own session, messages and staff links are not shared."""
from __future__ import annotations

import re

import pytest

from elearn import create_app
from tests.app.authoring_helpers import course_id, editor, make_trainer, post, save, signed_in
from tests.conftest import AuthActions, csrf_token

LESSON = "/courses/alpha/lessons/mo-dau"


@pytest.fixture
def second_server(app):
    """Another app server on the same database, as in a province: its own memory, its own process."""
    other = create_app({**app.config, "SERVER_NAME": app.config["SERVER_NAME"]})
    yield other
    other.extensions["elearn_engine"].dispose()


def form_token(page: str) -> str:
    return re.search(r'action="/courses/alpha/lessons/mo-dau/read"[^>]*>\s*<input type="hidden" '
                     r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_an_edit_published_through_one_server_shows_on_the_others_next_request(app, db, villages, courses,
                                                                                second_server):
    resident = second_server.test_client()
    AuthActions(resident, villages).register()
    assert "Đây là bài mở đầu." in resident.get(LESSON).get_data(as_text=True)  # now in the second server's memory

    make_trainer(db, villages[0])
    trainer = signed_in(app, "0933000005")
    alpha = course_id(db, "alpha")
    form = editor(trainer, alpha, "01-mo-dau.md")
    save(trainer, alpha, "01-mo-dau.md", form["text"].replace("Đây là bài mở đầu.", "Bài mở đầu viết lại."),
         form["base"], csrf=form["csrf_token"])
    assert "Đây là bài mở đầu." in resident.get(LESSON).get_data(as_text=True)  # a draft changes nothing
    assert post(trainer, f"/trainer/courses/{alpha}/publish").status_code == 303

    page = resident.get(LESSON).get_data(as_text=True)
    assert "Bài mở đầu viết lại." in page
    assert "Đây là bài mở đầu." not in page

    assert post(trainer, f"/trainer/courses/{alpha}/archive").status_code == 303
    assert resident.get(LESSON).status_code == 404


def test_each_visitor_gets_the_token_of_their_own_session_and_it_works(app, client, auth, villages, courses):
    auth.register()
    other = app.test_client()
    AuthActions(other, villages).register(phone="0912 000 222")
    mine, theirs = (form_token(browser.get(LESSON).get_data(as_text=True)) for browser in (client, other))
    assert mine != theirs
    assert "csrf-" not in client.get(LESSON).get_data(as_text=True)  # no placeholder left behind

    assert other.post(f"{LESSON}/read", data={"csrf_token": mine}).status_code == 400  # not theirs
    assert other.post(f"{LESSON}/read", data={"csrf_token": theirs}).status_code == 303
    assert client.post(f"{LESSON}/read", data={"csrf_token": mine}).status_code == 303


def test_a_waiting_message_is_shown_once_and_never_kept_for_others(app, client, auth, villages, courses):
    auth.register()
    client.get(LESSON)  # the page is in memory now
    client.post("/language", data={"lang": "vi", "next": LESSON, "csrf_token": csrf_token(client, "/courses")})
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Tin nhắn chỉ cho người này.")]
    assert "Tin nhắn chỉ cho người này." in client.get(LESSON).get_data(as_text=True)
    assert "Tin nhắn chỉ cho người này." not in client.get(LESSON).get_data(as_text=True)
    other = app.test_client()
    AuthActions(other, villages).register(phone="0912 000 333")
    other.get("/courses")  # reads its own welcome
    assert "Tin nhắn chỉ cho người này." not in other.get(LESSON).get_data(as_text=True)


def test_staff_links_and_the_language_are_never_shared_with_residents(app, db, client, auth, villages, courses):
    make_trainer(db, villages[0])
    trainer = signed_in(app, "0933000005")
    assert "/trainer" in trainer.get(LESSON).get_data(as_text=True)
    trainer.post("/language", data={"lang": "en", "next": LESSON, "csrf_token": csrf_token(trainer, "/courses")})
    assert 'lang="en"' in trainer.get(LESSON).get_data(as_text=True)

    auth.register()
    client.get("/courses")
    page = client.get(LESSON).get_data(as_text=True)
    assert 'href="/trainer' not in page
    assert '<html lang="vi">' in page


def test_the_address_with_a_query_string_is_kept_in_the_language_form(client, auth, courses):
    auth.register()
    client.get(LESSON)
    page = client.get(f"{LESSON}?from=zalo").get_data(as_text=True)
    assert 'name="next" value="/courses/alpha/lessons/mo-dau?from=zalo"' in page
    assert 'name="next" value="/courses/alpha/lessons/mo-dau"' in client.get(LESSON).get_data(as_text=True)
