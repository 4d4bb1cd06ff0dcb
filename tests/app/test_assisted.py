""""Làm bài cùng người dân": the resident answers the quiz on the trainer's phone; a pass completes the
course as an assisted completion, counted apart from self-study everywhere."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from elearn.models import (AuditEvent, Certificate, Course, CourseActivity, CourseCompletion, QuizAttempt,
                           TrainedResident, Unit, User)
from tests.app.trainers import (RESIDENT_PHONE, assisted_form, counts, make_resident, make_staff,  # noqa: F401
                                quiz_path, signed_in, take_quiz, trainers)
from tests.helpers import answers, quiz_form, read_lesson, shown_again


@pytest.fixture
def resident(db, villages, courses):
    return make_resident(db, villages[0], RESIDENT_PHONE)


def course_id(db, slug):
    return db.scalar(select(Course.id).where(Course.slug == slug))


def test_the_quiz_uses_the_residents_markup_and_asks_the_trainer_to_confirm(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    page = trainer.get(quiz_path(resident, db, "alpha")).get_data(as_text=True)
    own = signed_in(app, RESIDENT_PHONE).get("/courses/alpha/quiz").get_data(as_text=True)
    fieldsets = re.findall(r'<fieldset class="question".*?</fieldset>', page, re.S)
    assert fieldsets and fieldsets == re.findall(r'<fieldset class="question".*?</fieldset>', own, re.S)
    assert "Làm bài cùng Nguyễn Thị Lan" in page
    box = re.search(r'<input[^>]*name="lessons_covered"[^>]*>', page).group(0)
    assert "checked" not in box and 'id="lessons_covered"' in box


def test_a_passed_quiz_completes_the_course_as_assisted_and_the_certificate_follows(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    response = take_quiz(trainer, db, resident, "alpha")
    assert response.status_code == 303
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã đạt!" in page and "Khóa học đã được ghi là hoàn thành" in page and "✓ Đúng" in page
    completion = db.scalar(select(CourseCompletion))
    assert (completion.method, completion.recorded_by_id) == ("assisted", trainers[0].id)
    attempt = db.scalar(select(QuizAttempt))
    assert (attempt.user_id, attempt.assisted_by_id, attempt.passed) == (resident.id, trainers[0].id, True)
    assert db.scalar(select(Certificate)) is None  # one required course left
    take_quiz(trainer, db, resident, "beta")
    db.expire_all()
    assert db.scalar(select(Certificate.user_id)) == resident.id
    assert db.scalar(select(TrainedResident.method)) == "assisted"
    activity = db.execute(select(func.sum(CourseActivity.completed_assisted), func.sum(CourseActivity.completed_self),
                                 func.sum(CourseActivity.started))).one()
    assert tuple(activity) == (2, 0, 2)
    logged = db.scalars(select(AuditEvent).where(AuditEvent.action == "assisted_completion")).all()
    assert [(e.actor_id, e.subject_id) for e in logged] == [(trainers[0].id, resident.id)] * 2
    page = trainer.get(f"/trainer/residents/{resident.id}").get_data(as_text=True)
    assert "2/2 đã xong" in page and page.count("(có hỗ trợ)") == 2 and "Làm bài cùng người dân</a>" not in page


def test_the_resident_sees_the_assisted_completion_as_their_own_progress(app, db, trainers, resident):
    take_quiz(signed_in(app, trainers[0].phone), db, resident, "alpha")
    own = signed_in(app, RESIDENT_PHONE)
    page = own.get("/courses").get_data(as_text=True)
    assert "Đã hoàn thành" in page and 'value="100"' in page
    # Opening a lesson afterwards does not count the course as started a second time.
    read_lesson(own, "alpha", "mo-dau")
    assert db.scalar(select(func.sum(CourseActivity.started))) == 1


def test_a_failed_attempt_is_recorded_shows_each_question_and_can_be_retried(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    response = take_quiz(trainer, db, resident, "alpha", right=False)
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chưa đạt" in page and "✗ Sai" in page and "✓ Đúng" not in page and "(người dân chọn)" in page
    assert "đáp án đúng" in page and "Làm lại bài kiểm tra" in page
    assert db.scalar(select(CourseCompletion)) is None
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1
    assert take_quiz(trainer, db, resident, "alpha").status_code == 303
    assert db.scalar(select(CourseCompletion.method)) == "assisted"


def test_without_the_trainers_confirmation_nothing_is_recorded_and_the_answers_stay(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    before = counts(db)
    response = take_quiz(trainer, db, resident, "alpha", covered=False)
    page = shown_again(trainer, response, quiz_path(resident, db, "alpha"))  # Post/Redirect/Get: Back never resends
    assert "Hãy cùng người dân xem các bài học trước" in page
    assert 'aria-describedby="lessons_covered-hint lessons_covered-error"' in page
    chosen = answers(db, "alpha")
    for name, picked in chosen.items():
        for choice in picked:
            assert re.search(rf'name="{name}" value="{choice}" checked', page)
    assert counts(db) == before


def test_a_double_tap_records_one_attempt(app, db, trainers, resident):
    trainer = signed_in(app, trainers[0].phone)
    form = assisted_form(trainer, quiz_path(resident, db, "alpha"))
    first = take_quiz(trainer, db, resident, "alpha", form=form)
    second = take_quiz(trainer, db, resident, "alpha", form=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.scalar(select(func.sum(CourseActivity.completed_assisted))) == 1


def test_the_residents_own_key_cannot_be_replayed_as_an_assisted_attempt(app, db, trainers, resident):
    own = signed_in(app, RESIDENT_PHONE)
    form = quiz_form(own, "alpha")
    own.post("/courses/alpha/quiz", data={**form, **answers(db, "alpha", right=False)})
    trainer = signed_in(app, trainers[0].phone)
    replay = {**assisted_form(trainer, quiz_path(resident, db, "alpha")), "idempotency_key": form["idempotency_key"]}
    response = take_quiz(trainer, db, resident, "alpha", form=replay)
    assert "không hợp lệ" in shown_again(trainer, response)
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1


@pytest.mark.parametrize("tamper", ["no answers", "letters", "other question's choice", "no key", "huge version",
                                    "nul byte", "nul byte in key", "unanswered"])
def test_a_forged_or_incomplete_post_records_nothing(app, db, trainers, resident, tamper):
    trainer = signed_in(app, trainers[0].phone)
    path = quiz_path(resident, db, "alpha")
    data = {**assisted_form(trainer, path), **answers(db, "alpha"), "lessons_covered": "y"}
    names = sorted(name for name in data if name.startswith("q") and name[1:].isdigit())
    if tamper == "no answers":
        data = {k: v for k, v in data.items() if k not in names}
    elif tamper == "letters":
        data[names[0]] = ["abc"]
    elif tamper == "other question's choice":
        data[names[0]] = data[names[1]]
    elif tamper == "no key":
        del data["idempotency_key"]
    elif tamper == "huge version":
        data["quiz_version_id"] = "9" * 40
    elif tamper == "nul byte":
        data[names[0]] = ["1\x00"]
    elif tamper == "nul byte in key":
        data["idempotency_key"] = "k" * 20 + "\x00"
    elif tamper == "unanswered":
        del data[names[1]]
    before = counts(db)
    page = shown_again(trainer, trainer.post(path, data=data), path)
    assert "chưa trả lời" in page if tamper in ("unanswered", "no answers") else "không hợp lệ" in page
    assert counts(db) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_trainer_of_another_village_gets_404_and_nothing_is_recorded(app, db, trainers, resident, method):
    other = signed_in(app, trainers[1].phone)
    here = signed_in(app, trainers[0].phone)
    data = {**assisted_form(here, quiz_path(resident, db, "alpha")), **answers(db, "alpha"), "lessons_covered": "y"}
    before = counts(db)
    response = other.open(quiz_path(resident, db, "alpha"), method=method, data=data if method == "POST" else None)
    assert response.status_code == 404 and counts(db) == before


@pytest.mark.parametrize("course", ["unpublished", "99999999", "99999999999", "0", "abc"])
def test_a_forged_course_is_404(app, db, trainers, resident, course):
    if course == "unpublished":
        hidden = db.scalar(select(Course).where(Course.slug == "beta"))
        hidden.status = "draft"
        db.commit()
        course = str(hidden.id)
    trainer = signed_in(app, trainers[0].phone)
    before = counts(db)
    assert trainer.get(f"/trainer/residents/{resident.id}/courses/{course}/quiz").status_code == 404
    assert trainer.post(f"/trainer/residents/{resident.id}/courses/{course}/quiz",
                        data={}).status_code in (400, 404, 405)
    assert counts(db) == before


def test_an_attempt_of_another_resident_is_404_under_this_residents_address(app, db, trainers, resident, villages):
    neighbour = make_resident(db, villages[0], "+84912000009", name="Hàng Xóm")
    trainer = signed_in(app, trainers[0].phone)
    response = take_quiz(trainer, db, neighbour, "alpha")
    attempt_id = response.headers["Location"].rsplit("/", 1)[1]
    alpha = course_id(db, "alpha")
    assert trainer.get(f"/trainer/residents/{resident.id}/courses/{alpha}/attempts/{attempt_id}").status_code == 404
    assert trainer.get(f"/trainer/residents/{neighbour.id}/courses/{course_id(db, 'beta')}/attempts/{attempt_id}"
                       ).status_code == 404
    other = signed_in(app, trainers[1].phone)
    assert other.get(response.headers["Location"]).status_code == 404


def test_nothing_is_recorded_for_a_resident_who_withdrew_consent(app, db, trainers, villages, courses):
    resident = make_resident(db, villages[0], RESIDENT_PHONE, consent=False)
    trainer = signed_in(app, trainers[0].phone)
    assert trainer.get(quiz_path(resident, db, "alpha")).status_code == 302
    before = counts(db)
    data = {"idempotency_key": "k" * 32, "quiz_version_id": "", "lessons_covered": "y",
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                    trainer.get("/privacy").get_data(as_text=True)).group(1),
            **answers(db, "alpha")}
    response = trainer.post(quiz_path(resident, db, "alpha"), data=data)
    assert response.status_code == 302
    assert "đã rút lại sự đồng ý" in trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert counts(db) == before


def test_the_officials_dashboard_shows_the_assisted_completion(app, db, trainers, resident, villages):
    trainer = signed_in(app, trainers[0].phone)
    take_quiz(trainer, db, resident, "alpha")
    take_quiz(trainer, db, resident, "beta")
    commune_id = db.get(Unit, villages[0]).parent_id
    make_staff(db, "official", commune_id, "+84933000001", name="Cán Bộ Xã")
    official = signed_in(app, "+84933000001")
    page = official.get(f"/reports/{commune_id}").get_data(as_text=True)
    assert "Trong 1 người đã học xong, 1 người học xong với sự hỗ trợ trực tiếp" in page
    cells = re.findall(r'data-label="Có hỗ trợ">(\d+)<', page)
    assert cells == ["1", "1"]
    assert db.scalar(select(User.id).where(User.id == resident.id))


def test_the_residents_own_quiz_answers_a_huge_version_number_without_error(app, db, resident):
    own = signed_in(app, RESIDENT_PHONE)
    data = {**quiz_form(own, "alpha"), **answers(db, "alpha"), "quiz_version_id": "9" * 40}
    response = own.post("/courses/alpha/quiz", data=data)
    assert "không hợp lệ" in shown_again(own, response, "/courses/alpha/quiz")  # Post/Redirect/Get
    assert db.scalar(select(func.count(QuizAttempt.id))) == 0
