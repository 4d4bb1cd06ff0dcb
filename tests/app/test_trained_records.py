"""What the officials' reports count is written as it happens: one row per trained person, and
anonymous counters of what residents started, completed and got wrong."""
from datetime import date

import pytest
from sqlalchemy import func, select, update

from elearn.models import (Certificate, Course, CourseActivity, QuestionStat, RequiredSet, TrainedResident,
                           User)
from tests.conftest import csrf_token
from tests.helpers import answers, finish_course, quiz_form, read_all_lessons, read_lesson, submit


@pytest.fixture
def resident(auth, courses):
    auth.register()  # Nguyễn Thị Lan, born 25/03/1975, female, first village
    return auth


def test_finishing_the_required_set_writes_one_trained_row_with_the_set_it_was(client, db, resident, villages):
    finish_course(client, db, "alpha")
    assert db.scalar(select(func.count(TrainedResident.id))) == 0
    finish_course(client, db, "beta")
    row = db.scalar(select(TrainedResident))
    user = db.scalar(select(User))
    assert (row.user_id, row.village_id, row.sex, row.method) == (user.id, villages[0], "female", "self")
    assert row.trained_on == db.scalar(select(Certificate.trained_on))
    assert (row.labour_age_from, row.labour_age_until) == (date(1990, 3, 25), date(2034, 11, 30))
    required = db.get(RequiredSet, row.required_set_id)
    alpha_beta = sorted(db.scalars(select(Course.id).where(Course.slug.in_(["alpha", "beta"]))))
    assert required.course_ids == alpha_beta and db.scalar(select(Certificate.required_set_id)) == required.id


def test_a_later_change_of_the_required_set_never_untrains_anyone(client, db, resident):
    finish_course(client, db, "alpha")
    finish_course(client, db, "beta")
    db.execute(update(Course).where(Course.slug == "alpha").values(required=False))
    db.commit()
    assert db.scalar(select(func.count(TrainedResident.id))) == 1
    page = client.get("/progress").get_data(as_text=True)
    assert "Bạn đã học xong chương trình kỹ năng số cơ bản" in page


def test_a_resident_trained_after_the_set_changed_is_trained_under_the_new_set(app, client, db, resident, auth):
    db.execute(update(Course).where(Course.slug == "alpha").values(required=False))
    db.commit()
    finish_course(client, db, "beta")
    row = db.scalar(select(TrainedResident))
    assert db.get(RequiredSet, row.required_set_id).course_titles == ["Khóa Beta"]


def test_correcting_the_profile_corrects_the_trained_row(client, db, resident, villages):
    finish_course(client, db, "alpha")
    finish_course(client, db, "beta")
    form = {"full_name": "Nguyễn Thị Lan", "phone": "0912 345 678", "birth_date": "25/03/1965", "sex": "female",
            "village_id": str(villages[1]), "csrf_token": csrf_token(client, "/me/edit")}
    assert client.post("/me/edit", data=form).status_code == 302
    db.expire_all()
    row = db.scalar(select(TrainedResident))
    # Born 03/1965, a woman reached 55 in 03/2020, under the old rule: end of 03/2020.
    assert (row.village_id, row.labour_age_from, row.labour_age_until) == (
        villages[1], date(1980, 3, 25), date(2020, 3, 31))


def test_activity_is_counted_per_village_course_and_month(client, db, resident, villages):
    read_all_lessons(client, db, "alpha")
    read_lesson(client, "alpha", "mo-dau")  # a second reading starts nothing
    wrong = {**quiz_form(client, "alpha"), **answers(db, "alpha", right=False)}
    submit(client, "alpha", wrong)
    submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    alpha = db.scalar(select(Course.id).where(Course.slug == "alpha"))
    row = db.scalar(select(CourseActivity).where(CourseActivity.course_id == alpha))
    assert row.village_id == villages[0] and row.month.day == 1
    assert (row.started, row.completed_self, row.first_attempts, row.first_attempt_passes) == (1, 1, 1, 0)
    # Every question of alpha was answered twice, wrong once.
    stats = db.execute(select(QuestionStat.answered, QuestionStat.wrong)).all()
    assert len(stats) == 3 and set(stats) == {(2, 1)}


def test_a_double_tapped_quiz_is_counted_once(client, db, resident):
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha")}
    submit(client, "alpha", data)
    submit(client, "alpha", data)
    assert db.scalar(select(func.sum(QuestionStat.answered))) == 3
    assert db.scalar(select(func.sum(CourseActivity.first_attempts))) == 1
