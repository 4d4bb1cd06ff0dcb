"""What a resident's browser does, for tests: read lessons, fill in and submit a quiz; and how many SQL
statements a request runs."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from elearn.models import Course


def shown_again(client, response, path: str | None = None) -> str:
    """A refused form (Post/Redirect/Get, elearn.prg): the POST answers 303 to the GET of the same page,
    which shows the form with what was typed and each message by its field. Returns that page."""
    assert response.status_code == 303, f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
    location = response.headers["Location"]
    if path is not None:
        assert location == path, location
    page = client.get(location)
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def quiz_form(client, slug):
    """The hidden fields of the quiz page as a resident's browser would send them."""
    page = client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="(csrf_token|idempotency_key|quiz_version_id)"[^>]*value="([^"]*)"',
                             page))
    if "csrf_token" not in fields:
        fields["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return fields


def answers(db, slug, right=True):
    """{'q<id>': [choice ids]} answering every question right (or every one wrong)."""
    course = db.scalar(select(Course).where(Course.slug == slug))
    result = {}
    for question in course.current_quiz.questions:
        picked = [c.id for c in question.choices if c.is_correct == right]
        result[f"q{question.id}"] = picked if question.kind == "multiple" or right else picked[:1]
    return result


def read_lesson(client, slug, lesson_slug):
    """Open a lesson and press its "next" button (a POST: opening the page records nothing)."""
    page = client.get(f"/courses/{slug}/lessons/{lesson_slug}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(f"/courses/{slug}/lessons/{lesson_slug}/read", data={"csrf_token": token})


def read_all_lessons(client, db, slug):
    course = db.scalar(select(Course).where(Course.slug == slug))
    for lesson in course.active_lessons:
        assert read_lesson(client, slug, lesson.slug).status_code == 303


def submit(client, slug, data):
    return client.post(f"/courses/{slug}/quiz", data=data)


def finish_course(client, db, slug):
    """Read every lesson and pass the quiz, as a resident would."""
    read_all_lessons(client, db, slug)
    return submit(client, slug, {**quiz_form(client, slug), **answers(db, slug)})


@contextmanager
def counted_statements(app) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block, appended to the list it yields."""
    engine = app.extensions["elearn_engine"]
    seen: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(app, client, path, method="GET", status=200, **request) -> int:
    """How many SQL statements one request runs (asserting its status, so an error page is not counted)."""
    with counted_statements(app) as seen:
        response = client.open(path, method=method, **request)
        assert response.status_code == status, f"{method} {path}: {response.status_code}"
        response.close()
    return len(seen)
