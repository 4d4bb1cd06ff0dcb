"""learn.services.submit_attempt: what one submission stores, its replays, and the forms it refuses."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.learn import services
from elearn.models import AttemptAnswer, CourseActivity, CourseCompletion, QuestionStat, QuizAttempt
from elearn.routing import MAX_ID
from elearn.training.scoring import AnswerProblem
from tests.app.trainers import make_resident
from tests.services.conftest import course, picks, submit_quiz


def test_right_answers_pass_and_every_pick_is_stored(db, lan):
    attempt = submit_quiz(db, lan, "alpha")
    assert (attempt.passed, attempt.percent, attempt.correct_count) == (True, 100, attempt.question_count)
    stored = {(a.question_id, a.choice_id) for a in db.scalars(select(AttemptAnswer))}
    assert stored == {(q, c) for q, chosen in picks(course(db, "alpha").current_quiz).items() for c in chosen}
    first = db.scalar(select(CourseActivity))
    assert (first.first_attempts, first.first_attempt_passes) == (1, 1)


def test_wrong_answers_fail_and_count_as_wrong_in_the_village(db, lan):
    attempt = submit_quiz(db, lan, "alpha", right=False)
    assert (attempt.passed, attempt.percent, attempt.correct_count) == (False, 0, 0)
    stats = db.scalars(select(QuestionStat)).all()
    assert stats and all(s.answered == s.wrong == 1 for s in stats)
    assert db.scalar(select(CourseCompletion)) is None


def test_an_unanswered_question_stores_nothing(db, lan):
    version = course(db, "alpha").current_quiz
    answers = picks(version)
    skipped = min(answers)
    del answers[skipped]
    with pytest.raises(services.Unanswered) as refused:
        submit_quiz(db, lan, "alpha", answers=answers)
    assert refused.value.question_ids == [skipped]
    assert db.scalar(select(func.count(QuizAttempt.id))) == 0


def test_the_same_key_again_returns_the_first_attempt_and_stores_nothing_more(db, lan):
    first = submit_quiz(db, lan, "alpha", right=True, key="key-1")
    db.commit()
    again = submit_quiz(db, lan, "alpha", right=False, key="key-1")  # a double tap, or the form sent again from history
    assert again.id == first.id and again.passed
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.scalar(select(CourseActivity.first_attempts)) == 1


def test_someone_elses_key_is_refused_without_showing_their_attempt(db, lan, villages):
    submit_quiz(db, lan, "alpha", key="key-1")
    db.commit()
    other = make_resident(db, villages[0], "+84987654321", name="Trần Văn Bình")
    with pytest.raises(services.IdempotencyKeyTaken):
        submit_quiz(db, other, "alpha", key="key-1")
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1


def test_only_the_courses_own_quiz_versions_are_taken(db, lan):
    alpha, beta = course(db, "alpha"), course(db, "beta")
    assert services.quiz_version_for(db, alpha, alpha.current_quiz.id) is alpha.current_quiz
    assert services.quiz_version_for(db, alpha, None) is alpha.current_quiz
    assert services.quiz_version_for(db, alpha, beta.current_quiz.id) is None
    assert services.quiz_version_for(db, alpha, MAX_ID + 1) is None


def test_a_choice_of_another_question_is_refused(db, lan):
    version = course(db, "alpha").current_quiz
    answers = picks(version)
    beta_choice = course(db, "beta").current_quiz.questions[0].choices[0].id
    with pytest.raises(AnswerProblem):
        submit_quiz(db, lan, "alpha", answers={**answers, min(answers): {beta_choice}})
    assert db.scalar(select(func.count(QuizAttempt.id))) == 0
