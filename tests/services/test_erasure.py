"""privacy.erase_account without HTTP: the person and everything about them go; the anonymous
figures (the trained row, the village's counters) stay, and so does everyone else's data."""
from __future__ import annotations

from sqlalchemy import func, select

from elearn.models import (AttemptAnswer, AuditEvent, Certificate, ConsentRecord, CourseActivity, CourseCompletion,
                           LessonView, QuestionStat, QuizAttempt, TrainedResident, User)
from elearn.privacy import erase_account
from tests.app.trainers import make_resident
from tests.services.conftest import read_every_lesson, submit_quiz

PERSONAL_ROWS = (LessonView, QuizAttempt, AttemptAnswer, CourseCompletion, Certificate, ConsentRecord)


def counters(db) -> list[tuple]:
    return sorted([tuple(row) for row in db.execute(select(
        CourseActivity.course_id, CourseActivity.started, CourseActivity.completed_self,
        CourseActivity.first_attempts, CourseActivity.first_attempt_passes))] +
        [tuple(row) for row in db.execute(select(QuestionStat.question_id, QuestionStat.answered, QuestionStat.wrong))])


def rows_of(db) -> dict[str, int]:
    return {model.__name__: db.scalar(select(func.count()).select_from(model)) for model in PERSONAL_ROWS}


def test_erasure_removes_the_person_and_keeps_the_anonymous_figures(db, lan, villages):
    for slug in ("alpha", "beta"):
        read_every_lesson(db, lan, slug)
        submit_quiz(db, lan, slug)
    db.commit()
    binh = make_resident(db, villages[0], "+84987654321", name="Trần Văn Bình")
    read_every_lesson(db, binh, "alpha")
    db.commit()
    binh_rows = {"LessonView": 2, "QuizAttempt": 0, "AttemptAnswer": 0, "CourseCompletion": 0, "Certificate": 0,
                 "ConsentRecord": 1}
    figures = counters(db)
    lan_id = lan.id

    erase_account(db, lan)
    db.commit()

    assert db.get(User, lan_id) is None
    assert rows_of(db) == binh_rows
    trained = db.scalar(select(TrainedResident))
    assert trained is not None and trained.user_id is None
    assert counters(db) == figures
    events = db.scalars(select(AuditEvent)).all()
    assert lan_id not in {e.subject_id for e in events} | {e.actor_id for e in events}
    [deleted] = [e for e in events if e.action == "account_deleted"]
    assert deleted.detail["trained_record_kept"] is True
    text = " ".join(str(e.detail) for e in events)
    assert "912345678" not in text and "Nguyễn Thị Lan" not in text
