"""The admin chooses which courses make "trained" (issue 10): data, not files. A change applies from
now on; people already trained keep the set they were trained under; a sync keeps the admin's choice."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from elearn.content.sync import sync_folder
from elearn.db import db_session
from elearn.models import AuditEvent, Course, RequiredSet, TrainedResident
from tests.app.test_admin import admin, admin_id, error_for  # noqa: F401 # fixtures
from tests.conftest import FIXTURE_COURSES, csrf_token
from tests.helpers import finish_course, shown_again

PAGE = "/admin/required-courses"


def course_ids(db) -> dict[str, int]:
    return dict(db.execute(select(Course.slug, Course.id)).all())


def required_slugs(db) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(Course.slug).where(Course.required)))


def choose(client, ids: list[int]):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "course_ids": [str(i) for i in ids]})


def test_the_page_ticks_todays_required_courses_with_their_study_time(admin, db, courses):
    page = admin.get(PAGE).get_data(as_text=True)
    ids = course_ids(db)
    for slug in ("alpha", "beta"):
        assert re.search(rf'<input checked id="course_ids-\d" name="course_ids" type="checkbox" value="{ids[slug]}">',
                         page), slug
    assert "Khóa Alpha" in page and "Khóa Beta" in page and "phút" in page
    assert required_slugs(db) == {"alpha", "beta"}


def test_choosing_the_required_courses_saves_them_audits_and_survives_a_sync(app, admin, db, courses):
    ids = course_ids(db)
    response = choose(admin, [ids["beta"]])
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    assert "Đã lưu danh sách khóa học bắt buộc" in admin.get(PAGE).get_data(as_text=True)
    assert required_slugs(db) == {"beta"}
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "required_courses_chosen"))
    assert event is not None and event.detail["after"] == [ids["beta"]]
    with app.app_context():  # the files still say alpha is required: the admin's choice stands
        sync_folder(db_session(), FIXTURE_COURSES)
        db_session().commit()
    assert required_slugs(db) == {"beta"}


def test_choosing_nothing_is_refused_next_to_the_list_and_changes_nothing(admin, db, courses):
    response = choose(admin, [])
    page = shown_again(admin, response, PAGE)
    assert "Hãy chọn ít nhất một khóa học bắt buộc." in error_for(page, "course_ids")
    assert required_slugs(db) == {"alpha", "beta"}


def test_a_course_that_is_not_published_is_refused(admin, db, courses):
    response = choose(admin, [course_ids(db)["alpha"], 999999])
    page = shown_again(admin, response, PAGE)
    assert "Hãy chọn lại" in error_for(page, "course_ids")
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "required_courses_chosen")) == 0


def test_people_trained_before_a_change_keep_their_set_and_the_history_counts_them(client, auth, admin, db, courses):
    resident = client.application.test_client()
    auth.on(resident).register()
    finish_course(resident, db, "alpha")
    finish_course(resident, db, "beta")
    [first] = db.scalars(select(TrainedResident)).all()
    choose(admin, [course_ids(db)["alpha"]])
    assert db.scalar(select(func.count(RequiredSet.id))) == 2
    db.expire_all()
    assert db.get(TrainedResident, first.id).required_set_id == first.required_set_id
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Các danh sách đã dùng" in page and "Khóa Alpha; Khóa Beta" in page
    assert '<td class="num" data-label="Số người đã được đào tạo theo danh sách này">1</td>' in page
