"""The optional self-survey: four questions a resident may answer, change or skip."""
import re

from sqlalchemy import select

from elearn.models import SurveyResponse
from tests.conftest import PASSWORD, csrf_token


def test_the_course_list_invites_once_and_the_answers_are_saved(client, db, auth, courses, villages):
    auth.register()
    assert "Trả lời phiếu hỏi" in client.get("/courses").get_data(as_text=True)
    response = client.post("/survey", data={"csrf_token": csrf_token(client, "/survey"), "has_smartphone": "yes",
                                            "has_bank_account": "no", "has_vneid_level2": "unsure"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses")
    saved = db.scalar(select(SurveyResponse))
    assert (saved.has_smartphone, saved.has_bank_account, saved.has_digital_signature, saved.has_vneid_level2) == (
        True, False, None, None)
    assert saved.village_id == villages[0]
    assert "Trả lời phiếu hỏi" not in client.get("/courses").get_data(as_text=True)
    page = client.get("/survey").get_data(as_text=True)  # the earlier answers are shown, to change them
    assert re.search(r'<input checked id="has_smartphone-0"[^>]*value="yes"', page)
    assert re.search(r'<input checked id="has_bank_account-1"[^>]*value="no"', page)


def test_answering_again_replaces_the_answers_and_a_tampered_value_is_unsure(client, db, auth, courses):
    auth.register()
    client.post("/survey", data={"csrf_token": csrf_token(client, "/survey"), "has_smartphone": "yes"})
    client.post("/survey", data={"csrf_token": csrf_token(client, "/survey"), "has_smartphone": "no",
                                 "has_bank_account": "<script>"})
    db.expire_all()
    saved = db.scalars(select(SurveyResponse)).all()
    assert len(saved) == 1 and saved[0].has_smartphone is False and saved[0].has_bank_account is None


def test_erasing_the_account_keeps_the_answers_without_the_person(client, db, auth, courses):
    auth.register()
    client.post("/survey", data={"csrf_token": csrf_token(client, "/survey"), "has_smartphone": "yes"})
    exported = client.post("/me/data.json", data={"csrf_token": csrf_token(client, "/me")}).get_json()
    assert exported["survey"]["has_smartphone"] is True
    client.post("/me/delete", data={"password": PASSWORD, "csrf_token": csrf_token(client, "/me/delete")})
    db.expire_all()
    kept = db.scalar(select(SurveyResponse))
    assert kept.user_id is None and kept.has_smartphone is True


def test_the_survey_needs_a_signed_in_resident(client):
    assert client.get("/survey").status_code == 302
