"""A small commune for the trainers' field-work tests: two villages, a trainer for each, residents.

Thôn Đông (trainer +84933000010) has Lan (woman, 1990), Minh (man, 1985), Hoa (woman, 1950: past
labour age) and Tuấn (man, 2005); Thôn Tây (trainer +84933000020) has Bình (man, 1980). Two
published required courses: "alpha" (Khóa Alpha, 2 lessons) and "beta" (Khóa Beta, 1 lesson), each
with a one-question quiz, written straight to the database (no course files involved).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from elearn.auth.services import new_session_token
from elearn.models import Choice, Course, Lesson, Question, QuizVersion, Unit, User
from elearn.units import add_unit
from tests.conftest import PASSWORD, csrf_token, pass_second_step
from tests.reports.conftest import staff


@dataclass
class Field:
    commune: Unit
    east: Unit
    west: Unit
    trainer_east: User
    trainer_west: User
    lan: User
    minh: User
    hoa: User
    tuan: User
    binh: User


def resident(db, village, name, phone, birth=date(1990, 5, 1), sex="female") -> User:
    user = User(full_name=name, phone=phone, password_hash="-", session_token=new_session_token(),
                birth_date=birth, sex=sex, village_id=village.id)
    db.add(user)
    db.flush()
    return user


def course(db, slug, title, position, lessons) -> Course:
    found = Course(slug=slug, title=title, track="digital-skills", required=True, pass_mark=60, position=position,
                   status="published")
    found.lessons = [Lesson(slug=f"bai-{n}", position=n, title=f"Bài {n}", body_html="<p>Bài</p>")
                     for n in range(1, lessons + 1)]
    question = Question(position=1, kind="single", text="Câu hỏi?",
                        choices=[Choice(position=1, text="Đúng", is_correct=True),
                                 Choice(position=2, text="Sai", is_correct=False)])
    found.quiz_versions = [QuizVersion(number=1, content_hash=slug, is_current=True, questions=[question])]
    db.add(found)
    db.flush()
    return found


@pytest.fixture
def field(app, db) -> Field:
    course(db, "alpha", "Khóa Alpha", 1, lessons=2)
    course(db, "beta", "Khóa Beta", 2, lessons=1)
    province = add_unit(db, kind="province", name="Tỉnh Thử")
    commune = add_unit(db, kind="commune", name="Xã Thử", parent=province)
    east = add_unit(db, kind="village", name="Thôn Đông", parent=commune)
    west = add_unit(db, kind="village", name="Thôn Tây", parent=commune)
    people = dict(
        lan=resident(db, east, "Nguyễn Thị Lan", "+84912000001"),
        minh=resident(db, east, "Trần Văn Minh", "+84912000002", date(1985, 2, 3), "male"),
        hoa=resident(db, east, "Lê Thị Hoa", "+84912000003", date(1950, 1, 1)),
        tuan=resident(db, east, "Phạm Văn Tuấn", "+84912000004", date(2005, 7, 8), "male"),
        binh=resident(db, west, "Đỗ Văn Bình", "+84912000005", date(1980, 1, 1), "male"),
    )
    db.commit()
    trainer_east = staff(db, "trainer", east, "+84933000010")
    trainer_west = staff(db, "trainer", west, "+84933000020")
    return Field(commune, east, west, trainer_east, trainer_west, **people)


def signed_in(app, phone: str):
    browser = app.test_client()
    response = browser.post("/sign-in", data={"phone": phone, "password": PASSWORD,
                                              "csrf_token": csrf_token(browser, "/sign-in")})
    response = pass_second_step(browser, response)
    assert response.status_code == 302
    return browser


def form_fields(page: str) -> dict:
    """The hidden fields (CSRF token, idempotency key) of the first form with them."""
    return dict(re.findall(r'<input[^>]*name="(csrf_token|idempotency_key)"[^>]*value="([^"]*)"', page))
