"""Anonymous counters per village: courses started, completed and passed at the first try, and
quiz questions answered wrong. Counted in the same unit of work as the event itself."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from elearn.db import add_to_counters
from elearn.models import CourseActivity, QuestionStat


def month_of(day: date) -> date:
    return day.replace(day=1)


def _count(session: Session, village_id: int | None, course_id: int, day: date, **numbers: int) -> None:
    if village_id is None:  # staff accounts without a village are nobody's figure
        return
    add_to_counters(session, CourseActivity, [{
        "village_id": village_id, "course_id": course_id, "month": month_of(day),
        "started": 0, "completed_self": 0, "completed_assisted": 0, "first_attempts": 0,
        "first_attempt_passes": 0, **numbers,
    }], keys=("village_id", "course_id", "month"))


def count_started(session: Session, village_id: int | None, course_id: int, day: date) -> None:
    _count(session, village_id, course_id, day, started=1)


def count_completed(session: Session, village_id: int | None, course_id: int, day: date, method: str) -> None:
    _count(session, village_id, course_id, day, **{f"completed_{method}": 1})


def count_first_attempt(session: Session, village_id: int | None, course_id: int, day: date, passed: bool) -> None:
    _count(session, village_id, course_id, day, first_attempts=1, first_attempt_passes=int(passed))


def count_answers(session: Session, village_id: int | None, question_ids: list[int], right: frozenset[int]) -> None:
    if village_id is None:
        return
    add_to_counters(session, QuestionStat, [
        {"village_id": village_id, "question_id": question_id, "answered": 1, "wrong": int(question_id not in right)}
        for question_id in question_ids], keys=("village_id", "question_id"))
