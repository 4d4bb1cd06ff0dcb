"""The services called as the views and CLI call them, with a session and plain values: no HTTP.

The app, its migrated database and the `db` session come from tests/conftest.py; a resident and
the fixture courses ("alpha": 2 lessons, "beta": 1 lesson, both required) are made here."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from elearn.learn import services
from elearn.models import Course, QuizAttempt, QuizVersion, User
from tests.app.trainers import RESIDENT_PHONE, make_resident

TODAY = date(2026, 3, 2)


@pytest.fixture
def lan(db, villages, courses) -> User:
    return make_resident(db, villages[0], RESIDENT_PHONE)


def course(db, slug: str) -> Course:
    return db.scalar(select(Course).where(Course.slug == slug))


def picks(version: QuizVersion, right: bool = True) -> dict[int, set[int]]:
    """Every question of the version answered right (each right choice) or wrong (one wrong choice)."""
    return {question.id: {c.id for c in question.choices if c.is_correct} if right
            else {next(c.id for c in question.choices if not c.is_correct)}
            for question in version.questions}


def read_every_lesson(db, user, slug: str, day: date = TODAY) -> None:
    for lesson in course(db, slug).active_lessons:
        services.record_lesson_view(db, user, lesson, day)


def submit_quiz(db, user, slug: str, right: bool = True, day: date = TODAY, answers: dict[int, set[int]] | None = None,
                key: str | None = None) -> QuizAttempt:
    """The course's quiz answered all right (or all wrong, or `answers`), sent with the form's
    idempotency key `key` (by default one of its own)."""
    found = course(db, slug)
    version = found.current_quiz
    return services.submit_attempt(db, user, found, version, picks(version, right) if answers is None else answers,
                                   key or f"{slug}-{day}-{right}", day)
