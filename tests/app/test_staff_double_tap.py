"""Issue 9 on the staff pages: a form tapped twice on a slow network lands where the first tap did
(one thing created), and a refused form answers 303 to its page, so Back and reload show a page."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from elearn.models import TrainingSession, User
from tests.app.fieldwork import field, form_fields, signed_in  # noqa: F401 # a fixture
from tests.app.trainers import registration, trainers  # noqa: F401 # a fixture
from tests.app.trainers import signed_in as staff_signed_in
from tests.helpers import shown_again

NEW_RESIDENT = "/trainer/residents/new"


def keyed_fields(page: str) -> dict:
    """The hidden fields the form carries (CSRF token, its key) as the phone sends them."""
    return dict(re.findall(r'<input[^>]*name="(csrf_token|form_key|idempotency_key)"[^>]*value="([^"]*)"', page))


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_a_double_tap_on_register_a_resident_makes_one_account_and_shows_its_code(app, db, trainers, villages):
    trainer = staff_signed_in(app, trainers[0].phone)
    data = {**registration(villages), **keyed_fields(trainer.get(NEW_RESIDENT).get_data(as_text=True))}
    assert "form_key" in data
    users = count(db, User)
    first = trainer.post(NEW_RESIDENT, data=data)
    second = trainer.post(NEW_RESIDENT, data=data)  # the same form again, before the first page arrived
    assert first.status_code in (302, 303) and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert re.fullmatch(r"/trainer/residents/\d+/code", first.headers["Location"])
    assert count(db, User) == users + 1
    page = trainer.get(second.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="one-time-code">\d{4} \d{4}<', page)


def test_a_refused_registration_comes_back_once_on_its_page(app, db, trainers, villages):
    trainer = staff_signed_in(app, trainers[0].phone)
    data = {**registration(villages, consent=None, full_name="Đỗ Thị Hồng Nhung"),
            **keyed_fields(trainer.get(NEW_RESIDENT).get_data(as_text=True))}
    page = shown_again(trainer, trainer.post(NEW_RESIDENT, data=data), NEW_RESIDENT)
    assert 'value="Đỗ Thị Hồng Nhung"' in page and f'value="{data["form_key"]}"' in page  # the same key
    again = trainer.get(NEW_RESIDENT).get_data(as_text=True)  # reload: a fresh form
    assert "Đỗ Thị Hồng Nhung" not in again and 'class="error"' not in again
    # Sent again, now with consent and the key kept through the refusal: one account.
    assert trainer.post(NEW_RESIDENT, data={**data, "consent": "y"}).status_code in (302, 303)
    assert len(db.scalars(select(User).where(User.full_name == "Đỗ Thị Hồng Nhung")).all()) == 1


def test_a_double_tap_on_record_a_training_session_records_one(app, db, field):
    trainer = signed_in(app, "0933000010")
    path = f"/trainer/sessions/new?village={field.east.id}"
    data = {**form_fields(trainer.get(path).get_data(as_text=True)), "held_on": "15/03/2026", "course_id": "-1",
            "notes": "Buổi tối ở nhà văn hóa", "attendees": [str(field.lan.id)]}
    first = trainer.post(path, data=data)
    second = trainer.post(path, data=data)
    assert first.status_code in (302, 303) and second.status_code in (302, 303)
    assert second.headers["Location"] == first.headers["Location"]
    assert count(db, TrainingSession) == 1
    assert "Buổi tối ở nhà văn hóa" in trainer.get(second.headers["Location"]).get_data(as_text=True)


def test_a_refused_training_session_keeps_the_ticks_and_its_key(app, db, field):
    trainer = signed_in(app, "0933000010")
    path = f"/trainer/sessions/new?village={field.east.id}"
    data = {**form_fields(trainer.get(path).get_data(as_text=True)), "held_on": "31/02/2026", "course_id": "-1",
            "notes": "", "attendees": [str(field.lan.id)]}
    page = shown_again(trainer, trainer.post(path, data=data), path)
    assert f'value="{data["idempotency_key"]}"' in page and "Ngày chưa đúng" in page
    assert re.search(rf'<input[^>]*checked[^>]*value="{field.lan.id}"|<input[^>]*value="{field.lan.id}"[^>]*checked',
                     page)
    assert count(db, TrainingSession) == 0


def test_a_double_tap_on_new_course_and_add_lesson_makes_one_of_each(app, db, villages, courses):
    from elearn.models import Course
    from tests.app.authoring_helpers import make_trainer, revisions
    from tests.app.authoring_helpers import signed_in as author_signed_in

    make_trainer(db, villages[0])
    trainer = author_signed_in(app, "0933000005")
    data = {**keyed_fields(trainer.get("/trainer/courses/new").get_data(as_text=True)),
            "title": "Gọi video cho con cháu", "slug": "", "track": "digital-skills"}
    first, second = trainer.post("/trainer/courses/new", data=data), trainer.post("/trainer/courses/new", data=data)
    assert first.status_code == 303 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert count(db, Course) == 3  # the two fixture courses and this one, once
    course_path = first.headers["Location"]
    course_id = int(course_path.rsplit("/", 1)[1])
    data = {**keyed_fields(trainer.get(course_path).get_data(as_text=True).split('name="title"')[0]),
            "title": "Bài thứ hai"}
    before = len(revisions(db, course_id))
    first = trainer.post(f"{course_path}/lessons", data=data)
    second = trainer.post(f"{course_path}/lessons", data=data)
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert len(revisions(db, course_id)) == before + 1


def test_a_double_tap_whose_first_answer_was_lost_still_shows_a_code(app, db, trainers, villages):
    # The browser dropped the first answer (and the code in its cookie) for the second tap.
    trainer = staff_signed_in(app, trainers[0].phone)
    data = {**registration(villages), **keyed_fields(trainer.get(NEW_RESIDENT).get_data(as_text=True))}
    first = trainer.post(NEW_RESIDENT, data=data)
    with trainer.session_transaction() as cookie:
        cookie.pop("author_one_time_code")
    second = trainer.post(NEW_RESIDENT, data=data)
    assert second.headers["Location"] == first.headers["Location"]
    page = trainer.get(second.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="one-time-code">\d{4} \d{4}<', page)
    assert db.scalar(select(func.count(User.id)).where(User.phone == "+84987654321")) == 1
