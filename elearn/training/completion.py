"""When a course is completed and when a resident is trained."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def course_completed(active_lesson_ids: Iterable[int], viewed_lesson_ids: Iterable[int], quiz_passed: bool) -> bool:
    """Every lesson opened and the quiz passed."""
    return quiz_passed and set(active_lesson_ids) <= set(viewed_lesson_ids)


def trained_on(required_course_ids: Iterable[int], completions: dict[int, date]) -> date | None:
    """The date the last required course was completed, or None while one is missing."""
    required = set(required_course_ids)
    if not required or not required <= completions.keys():
        return None
    return max(completions[course_id] for course_id in required)


def progress_percent(done: int, total: int) -> int:
    return (done * 100) // total if total else 0
