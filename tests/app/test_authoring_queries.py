"""Every page of the course editor runs a fixed number of SQL statements, however many courses,
lessons, revisions and images there are: no query per row."""
import io

import pytest
from PIL import Image
from sqlalchemy import select

from elearn.content import authoring
from elearn.models import Course, User
from tests.app.authoring_helpers import course_id, make_trainer, signed_in
from tests.helpers import statements_of

PAGES = [
    "/trainer/courses", "/trainer/courses/new", "/trainer/courses/{id}", "/trainer/courses/{id}/files/quiz.md",
    "/trainer/courses/{id}/files/01-mo-dau.md", "/trainer/courses/{id}/files/course.md",
    "/trainer/courses/{id}/files/02-tiep-theo.md/remove", "/trainer/courses/{id}/history",
    "/trainer/courses/{id}/history/1", "/trainer/courses/{id}/export", "/courses/alpha/media/phone.svg",
]


def png(size) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (size, size), (size, 0, 0)).save(output, "PNG")
    return output.getvalue()


@pytest.mark.parametrize("page", PAGES)
def test_an_editor_page_runs_as_many_statements_for_a_bigger_course_collection(app, db, villages, courses, page):
    trainer = make_trainer(db, villages[0])
    browser = signed_in(app, "0933000005")
    alpha = course_id(db, "alpha")
    path = page.format(id=alpha)
    before = statements_of(app, browser, path)
    course = db.get(Course, alpha)
    for number in range(4):
        authoring.create_course(db, f"khoa-{number}", f"Khóa {number}", "digital-skills", trainer.id)
        authoring.add_lesson(db, course, f"Bài thêm {number}", trainer.id)
        authoring.upload_image(db, course, f"anh-{number}.png", png(number + 2), trainer.id)
        make_trainer(db, villages[0], phone=f"+8493300009{number}", name=f"Người {number}")
        other = db.scalar(select(User.id).where(User.phone == f"+8493300009{number}"))
        newest = authoring.publishing.latest(db, course)
        authoring.save_file(db, course, "quiz.md", newest.files["quiz.md"] + f"\n<!-- {number} -->\n",
                            newest.number, other)
    db.commit()
    assert statements_of(app, browser, path) == before
