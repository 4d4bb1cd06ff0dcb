"""What a trainer's browser does in the course editor, for tests."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from elearn.models import Course, CourseRevision, RoleAssignment, User
from tests.conftest import PASSWORD, PASSWORD_HASH, csrf_token, enroll_second_factor, pass_second_step


def make_trainer(db, village_id, phone="+84933000005", name="Trần Văn Huấn"):
    from elearn.auth.services import new_session_token

    user = User(full_name=name, phone=phone, password_hash=PASSWORD_HASH, session_token=new_session_token())
    user.assignments.append(RoleAssignment(role="trainer", unit_id=village_id))
    enroll_second_factor(user)
    db.add(user)
    db.commit()
    return user


def signed_in(app, phone):
    browser = app.test_client()
    response = browser.post("/sign-in", data={"phone": phone, "password": PASSWORD,
                                              "csrf_token": csrf_token(browser, "/sign-in")})
    response = pass_second_step(browser, response)
    assert response.status_code == 302
    return browser


def course_id(db, slug):
    return db.scalar(select(Course.id).where(Course.slug == slug))


def editor(browser, cid, name):
    """The edit page's text and hidden fields, as the browser would send them back."""
    page = browser.get(f"/trainer/courses/{cid}/files/{name}").get_data(as_text=True)
    # A browser drops the line break that follows <textarea>.
    text = re.search(r'<textarea[^>]*>(?:\r\n|\n)?(.*?)</textarea>', page, re.S).group(1)
    return {"text": html.unescape(text), "base": re.search(r'name="base" type="hidden" value="(\d*)"', page).group(1),
            "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)}


def save(browser, cid, name, text, base, action="save", csrf=None):
    csrf = csrf or csrf_token(browser, f"/trainer/courses/{cid}")
    return browser.post(f"/trainer/courses/{cid}/files/{name}",
                        data={"text": text, "base": base, "action": action, "csrf_token": csrf})


def post(browser, path, data=None, **kwargs):
    return browser.post(path, data={"csrf_token": csrf_token(browser, "/trainer/courses"), **(data or {})}, **kwargs)


def revisions(db, cid):
    db.expire_all()
    return db.scalars(select(CourseRevision).where(CourseRevision.course_id == cid)
                      .order_by(CourseRevision.number)).all()
