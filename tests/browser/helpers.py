"""What the browser tests look at on a phone, shared by them: sideways scrolling, tap targets, and the
required courses with their right answers."""
from __future__ import annotations

from dataclasses import dataclass

from elearn.db import db_session
from elearn.learn import services
from elearn.models import Unit
from tests.browser.conftest import PHONE

PHONE_WIDTH = PHONE["viewport"]["width"]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the phone's screen (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth") - PHONE_WIDTH


def small_targets(page) -> list[str]:
    """Visible controls under 48 CSS pixels tall: buttons, button-links, check rows, inputs, selects."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'main button, main a.button, main label.check, main input:not([type=hidden]):not([type=checkbox])'
        + ':not([type=radio]), main select')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 47.5)
        .map(e => e.outerHTML.slice(0, 80))""")


def fits(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways at 360 px"
    assert not small_targets(page), f"{what}: tap targets under 48 px: {small_targets(page)}"


@dataclass(frozen=True)
class QuestionKey:
    question_id: int
    correct_choice_ids: tuple[int, ...]


@dataclass(frozen=True)
class RequiredCourse:
    slug: str
    title: str
    lesson_titles: tuple[str, ...]
    quiz: tuple[QuestionKey, ...]


def required_courses(app) -> list[RequiredCourse]:
    """The required courses as synced into the database, with the right answers of their quizzes."""
    with app.app_context():
        found = []
        for course in services.published_courses(db_session()):
            if not course.required:
                continue
            found.append(RequiredCourse(
                slug=course.slug,
                title=course.title,
                lesson_titles=tuple(lesson.title for lesson in course.active_lessons),
                quiz=tuple(
                    QuestionKey(q.id, tuple(c.id for c in q.choices if c.is_correct))
                    for q in course.current_quiz.questions
                ),
            ))
        return found


def village_name(app, village_id: int) -> str:
    with app.app_context():
        return db_session().get(Unit, village_id).name
