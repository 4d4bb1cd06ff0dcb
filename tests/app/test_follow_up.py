"""The follow-up list: who in the village still needs a visit, what each lacks, the number to call;
sortable, printable, a CSV for Excel; a fixed number of statements; only the trainer's villages.

In Thôn Đông (tests/app/fieldwork.py; 5 steps in all: Alpha's 2 lessons and quiz, Beta's lesson
and quiz): Lan read one Alpha lesson (20%), Minh completed Alpha and read Beta's lesson (80%), Tuấn
did nothing (0%) but holds a certificate from elsewhere, Hoa is past labour age, Mai is trained.
"""
import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from elearn.models import (AuditEvent, Course, CourseCompletion, ExternalTraining, LessonView, RequiredSet,
                           TrainedResident)
from tests.app.fieldwork import field, form_fields, resident, signed_in  # noqa: F401


@pytest.fixture
def progress(db, field):
    alpha = db.scalar(select(Course).where(Course.slug == "alpha"))
    beta = db.scalar(select(Course).where(Course.slug == "beta"))
    db.add(LessonView(user_id=field.lan.id, lesson_id=alpha.lessons[0].id))
    db.add(CourseCompletion(user_id=field.minh.id, course_id=alpha.id, completed_on=date(2026, 1, 5)))
    db.add(LessonView(user_id=field.minh.id, lesson_id=beta.lessons[0].id))
    db.add(ExternalTraining(user_id=field.tuan.id, village_id=field.east.id, sex="male", programme="binh-dan-hoc-vu-so",
                            certificate_number="BD-9", certified_on=date(2025, 5, 5)))
    mai = resident(db, field.east, "Vũ Thị Mai", "+84912000006")
    required = RequiredSet(course_key="k", course_ids=[alpha.id, beta.id], course_titles=[])
    db.add(required)
    db.flush()
    db.add(TrainedResident(user_id=mai.id, village_id=field.east.id, sex="female", trained_on=date(2026, 2, 2),
                           method="self", required_set_id=required.id))
    db.commit()


@pytest.fixture
def trainer(app, field, progress):
    return signed_in(app, "0933000010")


def names_in(page):
    body = page.split("<tbody>")[1]
    return [name for name in ("Nguyễn Thị Lan", "Trần Văn Minh", "Phạm Văn Tuấn", "Lê Thị Hoa", "Vũ Thị Mai",
                              "Đỗ Văn Bình") if name in body]


def test_the_list_shows_who_lacks_what_least_progress_first(trainer, field):
    page = trainer.get("/trainer/follow-up").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    order = sorted(names_in(page), key=body.index)
    assert order == ["Phạm Văn Tuấn", "Nguyễn Thị Lan", "Trần Văn Minh"]  # 0%, 20%, 80%; Hoa and Mai absent
    assert "3 người trong độ tuổi lao động chưa học xong" in page
    assert "đã đọc 1/2 bài, chưa đạt bài kiểm tra" in body and "20%" in body and "80%" in body
    minh = body[body.index("Trần Văn Minh"):]
    assert "Khóa Beta" in minh and "Khóa Alpha" not in minh  # a completed course is not a need
    tuan = body[body.index("Phạm Văn Tuấn"):body.index("Nguyễn Thị Lan")]
    assert "có chứng nhận nơi khác" in tuan
    assert 'href="tel:+84912000001">0912 000 001</a>' in body
    assert 'class="table-stack follow-up"' in page and 'class="inline no-print"' in page


def test_it_can_be_sorted_by_name(trainer):
    page = trainer.get("/trainer/follow-up?order=name").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    assert sorted(names_in(page), key=body.index) == ["Nguyễn Thị Lan", "Trần Văn Minh", "Phạm Văn Tuấn"]
    for bad in ("x", "", "\x00", "9" * 40):
        assert trainer.get(f"/trainer/follow-up?order={bad}").status_code == 200


def test_rows_link_to_the_resident_page_once_it_exists(app, trainer, field):
    page = trainer.get("/trainer/follow-up").get_data(as_text=True)
    assert ("author.resident" in app.view_functions) == (f'/trainer/residents/{field.lan.id}"' in page)


@pytest.mark.parametrize("village", ["west", "999999", "9" * 30, "abc", "", "\x00"])
def test_only_the_trainers_villages(trainer, field, village):
    value = str(field.west.id) if village == "west" else village
    assert trainer.get("/trainer/follow-up", query_string={"village": value}).status_code == 404


def test_a_trainer_of_several_villages_picks_one(app, db, field, progress):
    from elearn.models import RoleAssignment

    db.add(RoleAssignment(user_id=field.trainer_east.id, role="trainer", unit_id=field.west.id))
    db.commit()
    browser = signed_in(app, "0933000010")
    page = browser.get("/trainer/follow-up").get_data(as_text=True)
    assert "Thôn Tây" in page and "<tbody>" not in page
    page = browser.get(f"/trainer/follow-up?village={field.west.id}").get_data(as_text=True)
    assert names_in(page) == ["Đỗ Văn Bình"]


def export(browser, village_id, order="progress"):
    token = form_fields(browser.get("/trainer/follow-up").get_data(as_text=True))["csrf_token"]
    return browser.post("/trainer/follow-up.csv", data={"csrf_token": token, "village": str(village_id),
                                                        "order": order})


def test_the_csv_opens_in_excel_keeps_the_zero_and_is_audited(db, trainer, field):
    response = export(trainer, field.east.id)
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    assert response.headers["Cache-Control"] == "no-store" and ".csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][:3] == ["STT", "Họ và tên", "Số điện thoại"]
    assert [row[1] for row in rows[2:]] == ["Phạm Văn Tuấn", "Nguyễn Thị Lan", "Trần Văn Minh"]
    lan = rows[3]
    assert lan[2] == "0912 000 001" and lan[3] == "1990" and lan[4] == "Nữ" and lan[5] == "20"
    assert "Khóa Alpha: đã đọc 1/2 bài, chưa đạt bài kiểm tra" in lan[6]
    assert rows[2][7] == "Có chứng nhận nơi khác"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "follow_up_exported"))
    assert event.actor_id == field.trainer_east.id and event.detail == {"village_id": field.east.id, "rows": 3}


def test_a_name_can_never_become_a_formula(db, trainer, field):
    resident(db, field.east, "=HYPERLINK(\"http://x\")", "+84912000007")
    resident(db, field.east, "@SUM(A1)", "+84912000008")
    db.commit()
    rows = list(csv.reader(io.StringIO(export(trainer, field.east.id).data.decode("utf-8-sig"))))
    names = [row[1] for row in rows[2:]]
    assert "'=HYPERLINK(\"http://x\")" in names and "'@SUM(A1)" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_csv_is_refused_for_another_village_without_csrf_or_by_get(app, db, trainer, field):
    assert export(trainer, field.west.id).status_code == 404
    assert trainer.post("/trainer/follow-up.csv", data={"village": str(field.east.id)}).status_code == 400
    assert trainer.get("/trainer/follow-up.csv").status_code == 405
    other = signed_in(app, "0933000020")
    assert export(other, field.east.id).status_code == 404
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "follow_up_exported")) is None


def test_a_fixed_number_of_statements_for_more_residents(app, db, trainer, field):
    from tests.helpers import statements_of

    path = f"/trainer/follow-up?village={field.east.id}"
    before = statements_of(app, trainer, path)
    alpha = db.scalar(select(Course).where(Course.slug == "alpha"))
    for number in range(12):
        person = resident(db, field.east, f"Người {number}", f"+8491210{number:04d}")
        db.add(LessonView(user_id=person.id, lesson_id=alpha.lessons[number % 2].id))
    db.commit()
    assert statements_of(app, trainer, path) == before


def test_each_row_offers_to_record_a_certificate_from_elsewhere(trainer, field):
    page = trainer.get("/trainer/follow-up").get_data(as_text=True)
    assert f'href="/trainer/residents/{field.lan.id}/external">Ghi chứng nhận nơi khác' in page
    assert f'href="/trainer/residents/{field.tuan.id}/external">Sửa chứng nhận nơi khác' in page
