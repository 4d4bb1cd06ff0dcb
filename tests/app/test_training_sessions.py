"""Training sessions: a trainer records who came to a class in their village; attendance never
completes a course; every forged id is refused with nothing recorded."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from elearn.models import (AuditEvent, Course, CourseCompletion, LessonView, TrainedResident, TrainingAttendance,
                           TrainingSession)
from tests.app.fieldwork import field, form_fields, signed_in  # noqa: F401
from tests.helpers import shown_again

pytestmark = pytest.mark.usefixtures("field")


@pytest.fixture
def trainer(app, field):
    return signed_in(app, "0933000010")


def alpha_id(db):
    return db.scalar(select(Course.id).where(Course.slug == "alpha"))


def post_session(browser, village_id, **changes):
    path = f"/trainer/sessions/new?village={village_id}"
    page = browser.get(path).get_data(as_text=True)
    data = {**form_fields(page), "held_on": "15/03/2026", "course_id": "-1", "notes": "", "attendees": []}
    data.update(changes)
    return browser.post(path, data=data)


def sessions_count(db):
    db.expire_all()
    return db.scalar(select(func.count(TrainingSession.id)))


def test_a_trainer_of_one_village_ticks_who_came_among_its_residents(app, db, field, trainer):
    page = trainer.get("/trainer/sessions/new").get_data(as_text=True)
    assert "Thôn Đông" in page and "Nguyễn Thị Lan" in page and "Đỗ Văn Bình" not in page
    response = post_session(trainer, field.east.id, course_id=str(alpha_id(db)),
                            attendees=[str(field.lan.id), str(field.minh.id)], notes="Hướng dẫn cài VNeID\nmức 2")
    assert response.status_code == 302
    record = db.scalar(select(TrainingSession))
    assert (record.village_id, record.course_id, record.held_on) == (field.east.id, alpha_id(db), date(2026, 3, 15))
    assert record.notes == "Hướng dẫn cài VNeID\nmức 2" and record.created_by_id == field.trainer_east.id
    assert {a.user_id for a in record.attendances} == {field.lan.id, field.minh.id}
    shown = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "15/03/2026" in shown and "Khóa Alpha" in shown and "Trần Văn Minh" in shown
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "training_session_recorded"))
    assert event.actor_id == field.trainer_east.id and event.detail["attendees"] == 2


def test_a_trainer_of_several_villages_picks_one_first(app, db, field):
    from elearn.models import RoleAssignment

    db.add(RoleAssignment(user_id=field.trainer_east.id, role="trainer", unit_id=field.west.id))
    db.commit()
    browser = signed_in(app, "0933000010")
    page = browser.get("/trainer/sessions/new").get_data(as_text=True)
    assert 'name="village"' in page and "Nguyễn Thị Lan" not in page
    page = browser.get(f"/trainer/sessions/new?village={field.west.id}").get_data(as_text=True)
    assert "Đỗ Văn Bình" in page and "Nguyễn Thị Lan" not in page


def test_a_general_session_has_no_course(db, field, trainer):
    assert post_session(trainer, field.east.id).status_code == 302
    assert db.scalar(select(TrainingSession)).course_id is None
    assert "Buổi chung" in trainer.get("/trainer/sessions").get_data(as_text=True)


def test_a_double_tap_records_one_session(db, field, trainer):
    path = f"/trainer/sessions/new?village={field.east.id}"
    data = {**form_fields(trainer.get(path).get_data(as_text=True)), "held_on": "15/03/2026", "course_id": "-1",
            "attendees": [str(field.lan.id)]}
    first, second = trainer.post(path, data=data), trainer.post(path, data=data)
    assert first.status_code == second.status_code == 302 and first.headers["Location"] == second.headers["Location"]
    assert sessions_count(db) == 1
    assert db.scalar(select(func.count()).select_from(TrainingAttendance)) == 1


def test_attendance_alone_never_completes_a_course_nor_changes_the_reports(db, field, trainer):
    response = post_session(trainer, field.east.id, course_id=str(alpha_id(db)),
                            attendees=[str(field.lan.id), str(field.minh.id)])
    assert response.status_code == 302
    for model in (CourseCompletion, LessonView, TrainedResident):
        assert db.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.parametrize("bad, message", [
    ("", "Hãy nhập ngày"), ("31/02/2026", "Ngày chưa đúng"), ("15/03/99999", "Ngày chưa đúng"),
    ("١٥/٠٣/٢٠٢٦", "Ngày chưa đúng"), ("15/03\x002026", "Ngày chưa đúng"), ("01/01/2019", "Ngày phải từ 01/01/2020"),
    ((date.today() + timedelta(days=3)).strftime("%d/%m/%Y"), "Ngày này chưa đến"),
])
def test_a_bad_date_is_explained_next_to_the_field_and_nothing_is_recorded(db, field, trainer, bad, message):
    response = post_session(trainer, field.east.id, held_on=bad, attendees=[str(field.lan.id)])
    page = shown_again(trainer, response, f"/trainer/sessions/new?village={field.east.id}")
    assert message in page
    assert 'aria-describedby="held_on-hint held_on-error"' in page
    assert f'value="{field.lan.id}"' in page and "checked" in page  # the ticks are kept
    assert sessions_count(db) == 0


@pytest.mark.parametrize("course", ["999999", "99999999999999999999999", "abc", "", "\x00"])
def test_a_course_not_in_the_list_is_refused(db, field, trainer, course):
    page = shown_again(trainer, post_session(trainer, field.east.id, course_id=course))
    assert "Hãy chọn một khóa học trong danh sách" in page
    assert sessions_count(db) == 0


def test_an_unpublished_course_is_not_offered(db, field, trainer):
    course = db.scalar(select(Course).where(Course.slug == "beta"))
    course.status = "draft"
    db.commit()
    page = trainer.get(f"/trainer/sessions/new?village={field.east.id}").get_data(as_text=True)
    assert "Khóa Beta" not in page
    response = post_session(trainer, field.east.id, course_id=str(course.id))
    assert "Hãy chọn một khóa học" in shown_again(trainer, response)
    assert sessions_count(db) == 0


def test_notes_too_long_or_with_control_characters_are_refused(db, field, trainer):
    assert "Ghi chú dài quá 2000 ký tự" in shown_again(trainer, post_session(trainer, field.east.id, notes="x" * 2001))
    # Refused next to the field like every text field (elearn.forms.Form), the text kept without them.
    page = shown_again(trainer, post_session(trainer, field.east.id, notes="Buổi\x00 tối\x07"))
    assert "Ô này có ký tự không hợp lệ" in page
    assert "Buổi tối" in page and sessions_count(db) == 0


@pytest.mark.parametrize("attendee", ["binh", "forged", "huge", "text"])
def test_a_forged_attendee_is_404_and_nothing_recorded(db, field, trainer, attendee):
    value = {"binh": str(field.binh.id), "forged": "424242", "huge": "9" * 30, "text": "<b>"}[attendee]
    response = post_session(trainer, field.east.id, attendees=[str(field.lan.id), value])
    assert response.status_code == 404 and sessions_count(db) == 0


@pytest.mark.parametrize("village", ["west", "999999", "9" * 30, "abc", ""])
def test_a_village_outside_the_trainers_scope_is_404(db, field, trainer, village):
    value = str(field.west.id) if village == "west" else village
    assert trainer.get(f"/trainer/sessions/new?village={value}").status_code == 404
    page = trainer.get(f"/trainer/sessions/new?village={field.east.id}").get_data(as_text=True)
    response = trainer.post(f"/trainer/sessions/new?village={value}",
                            data={**form_fields(page), "held_on": "15/03/2026", "course_id": "-1",
                                  "attendees": [str(field.binh.id)]})
    assert response.status_code == 404 and sessions_count(db) == 0


def test_another_villages_trainer_gets_404_on_a_session_and_changes_nothing(app, db, field, trainer):
    post_session(trainer, field.east.id, attendees=[str(field.lan.id)], notes="Gốc")
    record_id = db.scalar(select(TrainingSession.id))
    other = signed_in(app, "0933000020")
    for path in (f"/trainer/sessions/{record_id}", f"/trainer/sessions/{record_id}/edit",
                 f"/trainer/sessions/{record_id}/delete"):
        assert other.get(path).status_code == 404
    token = form_fields(other.get("/trainer/sessions").get_data(as_text=True))["csrf_token"]
    assert other.post(f"/trainer/sessions/{record_id}/edit?village={field.east.id}",
                      data={"csrf_token": token, "held_on": "01/03/2026", "course_id": "-1", "notes": "Đổi"}
                      ).status_code == 404
    assert other.post(f"/trainer/sessions/{record_id}/delete", data={"csrf_token": token}).status_code == 404
    assert "Thôn Đông" not in other.get("/trainer/sessions").get_data(as_text=True)
    db.expire_all()
    assert db.get(TrainingSession, record_id).notes == "Gốc"


def test_edit_uses_the_same_form_and_replaces_the_attendees(db, field, trainer):
    post_session(trainer, field.east.id, attendees=[str(field.lan.id), str(field.minh.id)])
    record_id = db.scalar(select(TrainingSession.id))
    path = f"/trainer/sessions/{record_id}/edit"
    page = trainer.get(path).get_data(as_text=True)
    assert 'value="15/03/2026"' in page and page.count("checked") >= 2
    response = trainer.post(f"{path}?village={field.east.id}", data={
        **form_fields(page), "held_on": "16/03/2026", "course_id": str(alpha_id(db)), "notes": "Sửa",
        "attendees": [str(field.minh.id), str(field.tuan.id)]})
    assert response.status_code == 302
    db.expire_all()
    record = db.get(TrainingSession, record_id)
    assert (record.held_on, record.course_id, record.notes) == (date(2026, 3, 16), alpha_id(db), "Sửa")
    assert {a.user_id for a in record.attendances} == {field.minh.id, field.tuan.id}
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "training_session_changed"))


def test_delete_asks_first_then_removes_and_a_second_tap_is_harmless(db, field, trainer):
    post_session(trainer, field.east.id, attendees=[str(field.lan.id)])
    record_id = db.scalar(select(TrainingSession.id))
    page = trainer.get(f"/trainer/sessions/{record_id}/delete").get_data(as_text=True)
    assert "Xóa buổi tập huấn?" in page and sessions_count(db) == 1
    assert trainer.post(f"/trainer/sessions/{record_id}/delete", data={}).status_code == 400  # no CSRF token
    assert sessions_count(db) == 1
    data = form_fields(page)
    first = trainer.post(f"/trainer/sessions/{record_id}/delete", data=data)
    second = trainer.post(f"/trainer/sessions/{record_id}/delete", data=data)
    assert first.status_code == second.status_code == 302 and sessions_count(db) == 0
    assert db.scalar(select(func.count()).select_from(TrainingAttendance)) == 0
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "training_session_deleted"))[
        "session_id"] == record_id


def test_the_list_is_newest_first_and_paginated(db, field, trainer):
    for day in range(1, 23):
        db.add(TrainingSession(village_id=field.east.id, held_on=date(2026, 1, day), notes="",
                               created_by_id=field.trainer_east.id))
    db.commit()
    page = trainer.get("/trainer/sessions").get_data(as_text=True)
    assert page.index("22/01/2026") < page.index("21/01/2026") and "03/01/2026" in page
    assert "02/01/2026" not in page and "Trang 1 / 2" in page
    second = trainer.get("/trainer/sessions?page=2").get_data(as_text=True)
    assert "02/01/2026" in second and "01/01/2026" in second and "22/01/2026" not in second
    for bad in ("999", "0", "-1", "x", "9" * 40):
        assert trainer.get(f"/trainer/sessions?page={bad}").status_code == 200


def test_the_list_runs_as_many_statements_for_more_sessions(app, db, field, trainer):
    from tests.helpers import statements_of

    def add(count):
        for _ in range(count):
            record = TrainingSession(village_id=field.east.id, held_on=date(2026, 2, 1), notes="",
                                     created_by_id=field.trainer_east.id)
            record.attendances = [TrainingAttendance(user_id=field.lan.id)]
            db.add(record)
        db.commit()

    add(1)
    before = statements_of(app, trainer, "/trainer/sessions")
    add(15)
    assert statements_of(app, trainer, "/trainer/sessions") == before
