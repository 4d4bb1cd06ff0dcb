"""A quiz drawn from a larger pool (issue 10): each attempt gets `questions_per_attempt` of the
questions, the same ones until it is sent, others on a retry; scoring, the result page, the
trainer's assisted quiz and the per-question figures count only the questions given."""
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.content.sync import sync_folder
from elearn.db import db_session
from elearn.models import Course, QuestionStat, QuizAttempt
from tests.app.trainers import RESIDENT_PHONE, make_resident, quiz_path, signed_in, trainers  # noqa: F401
from tests.conftest import FIXTURE_COURSES
from tests.helpers import counted_statements, quiz_form, read_all_lessons, submit

POOL, DRAWN = 9, 6


@pytest.fixture
def pooled(app, tmp_path):
    """The fixture course alpha with a pool of nine questions, six drawn per attempt."""
    folder = tmp_path / "courses"
    shutil.copytree(Path(FIXTURE_COURSES) / "alpha", folder / "alpha")
    course_md = folder / "alpha" / "course.md"
    course_md.write_text(course_md.read_text(encoding="utf-8").replace(
        "version: 1", f"version: 1\nquestions_per_attempt: {DRAWN}"), encoding="utf-8")
    blocks = [f"## Câu số {n}?\n- [ ] Sai {n}\n- [x] Đúng {n}\n- [ ] Không rõ {n}\n> Giải thích câu {n} đủ dài.\n"
              for n in range(1, POOL + 1)]
    (folder / "alpha" / "quiz.md").write_text("# Kiểm tra\n\n" + "\n".join(blocks), encoding="utf-8")
    with app.app_context():
        sync_folder(db_session(), folder)
        db_session().commit()


@pytest.fixture
def resident(auth, pooled):
    auth.register()
    return auth


def shown_questions(page: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r'name="q(\d+)"', page)})


def right_answers(db, question_ids, right=True):
    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    return {f"q{q.id}": [c.id for c in q.choices if c.is_correct == right][:1]
            for q in course.current_quiz.questions if q.id in question_ids}


def test_an_attempt_gets_the_drawn_questions_the_same_on_reload(client, resident):
    page = client.get("/courses/alpha/quiz").get_data(as_text=True)
    shown = shown_questions(page)
    assert len(shown) == DRAWN and "Có 6 câu." in page
    assert "Các câu được chọn ngẫu nhiên từ 9 câu. Nếu làm lại, bạn sẽ gặp một số câu khác." in page
    assert shown_questions(client.get("/courses/alpha/quiz").get_data(as_text=True)) == shown


def test_the_drawn_questions_are_scored_and_a_retry_draws_again(client, db, resident):
    draws = []
    for _ in range(4):
        shown = shown_questions(client.get("/courses/alpha/quiz").get_data(as_text=True))
        draws.append(shown)
        response = submit(client, "alpha", {**quiz_form(client, "alpha"), **right_answers(db, shown, right=False)})
        assert response.status_code == 303
    attempts = db.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    assert [(a.question_count, a.correct_count, a.passed) for a in attempts] == [(DRAWN, 0, False)] * 4
    assert len({tuple(d) for d in draws}) > 1, "a retry must not always be the same test"


def test_the_result_shows_the_questions_given_and_a_pass_completes_the_course(client, db, resident):
    read_all_lessons(client, db, "alpha")
    shown = shown_questions(client.get("/courses/alpha/quiz").get_data(as_text=True))
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **right_answers(db, shown)})
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert result.count("✓ Đúng") == DRAWN and "✗ Sai" not in result
    assert "Câu 7." not in result
    assert db.scalar(select(QuizAttempt)).percent == 100


def test_answers_to_questions_not_given_are_refused(client, db, resident):
    shown = shown_questions(client.get("/courses/alpha/quiz").get_data(as_text=True))
    everything = right_answers(db, set(range(1, 10**6)))
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **everything})
    assert response.status_code == 303 and response.headers["Location"].endswith("/courses/alpha/quiz")
    assert db.scalar(select(QuizAttempt)) is None
    assert len(shown) < len(everything)


def test_per_question_figures_count_only_the_questions_given(client, db, resident):
    shown = shown_questions(client.get("/courses/alpha/quiz").get_data(as_text=True))
    submit(client, "alpha", {**quiz_form(client, "alpha"), **right_answers(db, shown)})
    counted = {row.question_id: row.answered for row in db.scalars(select(QuestionStat))}
    assert set(counted) == set(shown) and set(counted.values()) == {1}


def test_the_pooled_quiz_page_runs_a_fixed_number_of_statements(app, client, resident):
    client.get("/courses/alpha/quiz")
    with counted_statements(app) as first:
        client.get("/courses/alpha/quiz")
    with counted_statements(app) as again:
        client.get("/courses/alpha/quiz")
    assert len(first) == len(again) <= 12, first


def test_the_trainers_assisted_quiz_gives_the_resident_the_same_draw(app, db, pooled, trainers, villages):
    resident = make_resident(db, villages[0], RESIDENT_PHONE)
    own = shown_questions(signed_in(app, RESIDENT_PHONE).get("/courses/alpha/quiz").get_data(as_text=True))
    page = signed_in(app, trainers[0].phone).get(quiz_path(resident, db, "alpha")).get_data(as_text=True)
    assert shown_questions(page) == own and len(own) == DRAWN
    assert "Các câu được chọn ngẫu nhiên từ 9 câu." in page
