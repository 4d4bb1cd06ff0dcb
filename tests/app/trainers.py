"""What a trainer's phone does, for the tests of the trainers' pages about residents."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from elearn.config import DEFAULTS
from elearn.models import AuditEvent, Course, OneTimeCode, QuizAttempt, RoleAssignment, User
from tests.conftest import PASSWORD, PASSWORD_HASH, csrf_token, enroll_second_factor, pass_second_step
from tests.helpers import answers

TRAINER_PHONE = "+84933000005"
OTHER_TRAINER_PHONE = "+84933000003"
RESIDENT_PHONE = "+84912345678"


def make_staff(db, role, unit_id, phone, name="Trần Văn Hướng"):
    from elearn.auth.services import new_session_token

    user = User(full_name=name, phone=phone, password_hash=PASSWORD_HASH, session_token=new_session_token())
    user.assignments.append(RoleAssignment(role=role, unit_id=unit_id))
    enroll_second_factor(user)
    db.add(user)
    db.commit()
    return user


def make_resident(db, village_id, phone, name="Nguyễn Thị Lan", consent=True):
    from elearn.auth.services import new_session_token
    from elearn.models import ConsentRecord

    user = User(full_name=name, phone=phone, password_hash=PASSWORD_HASH, session_token=new_session_token(),
                village_id=village_id, sex="female", birth_date=__import__("datetime").date(1975, 3, 25))
    if consent:
        user.consents.append(ConsentRecord(purpose="learning", notice_version=DEFAULTS["PRIVACY_NOTICE_VERSION"]))
    db.add(user)
    db.commit()
    return user


def signed_in(app, phone, password=PASSWORD):
    browser = app.test_client()
    national = "0" + phone.removeprefix("+84")
    response = browser.post("/sign-in", data={"phone": national, "password": password,
                                              "csrf_token": csrf_token(browser, "/sign-in")})
    response = pass_second_step(browser, response)
    assert response.status_code == 302, f"{phone} could not sign in"
    return browser


def page_token(browser, path="/privacy") -> str:
    """The session's CSRF token, from the footer's language form every page carries."""
    page = browser.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def registration(villages, **changes) -> dict:
    data = {"full_name": "Phạm Văn Minh", "phone": "0987 654 321", "birth_date": "1980-05-17", "sex": "male",
            "village_id": str(villages[0]), "consent": "y"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def register(browser, villages, **changes):
    data = registration(villages, **changes)
    data["csrf_token"] = csrf_token(browser, "/trainer/residents/new")
    return browser.post("/trainer/residents/new", data=data)


def shown_code(page: str) -> str | None:
    match = re.search(r'id="one-time-code">(\d{4} \d{4})<', page)
    return match.group(1) if match else None


def issue_code(browser, user_id) -> str:
    response = browser.post(f"/trainer/residents/{user_id}/codes", data={"csrf_token": page_token(browser)})
    assert response.status_code == 302, response.status_code
    code = shown_code(browser.get(response.headers["Location"]).get_data(as_text=True))
    assert code, "no code shown"
    return code


def error_for(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error"><strong>Lỗi:</strong> ([^<]+)</p>', page)
    return match.group(1) if match else ""


def counts(db) -> dict:
    """What a request might have recorded."""
    db.expire_all()
    return {name: db.scalar(select(func.count()).select_from(model)) for name, model in
            (("users", User), ("codes", OneTimeCode), ("attempts", QuizAttempt), ("audit", AuditEvent))}


@pytest.fixture
def trainers(app, db, villages):
    """A trainer of the first village (where the residents live) and one of the second."""
    here = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    elsewhere = make_staff(db, "trainer", villages[1], OTHER_TRAINER_PHONE, name="Lê Thị Khác")
    return here, elsewhere


# -- "Làm bài cùng người dân": the resident answers on the trainer's phone -------------------------

def quiz_path(resident, db, slug):
    course_id = db.scalar(select(Course.id).where(Course.slug == slug))
    return f"/trainer/residents/{resident.id}/courses/{course_id}/quiz"


def assisted_form(browser, path):
    page = browser.get(path).get_data(as_text=True)
    return dict(re.findall(r'<input[^>]*name="(csrf_token|idempotency_key|quiz_version_id)"[^>]*value="([^"]*)"',
                           page))


def take_quiz(browser, db, resident, slug, right=True, covered=True, form=None):
    path = quiz_path(resident, db, slug)
    data = {**(form or assisted_form(browser, path)), **answers(db, slug, right=right)}
    if covered:
        data["lessons_covered"] = "y"
    return browser.post(path, data=data)
