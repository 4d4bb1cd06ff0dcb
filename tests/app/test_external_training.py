"""Training done elsewhere: a trainer records a resident's certificate from another recognised
programme; it keeps the report fields, follows corrections, survives erasure, and is marked once
the person is also trained here."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from elearn.models import AuditEvent, ExternalTraining, RequiredSet, TrainedResident, User
from elearn.records.external import PROGRAMMES
from elearn.records.trained import record_trained
from elearn.training.ages import labour_age_window
from tests.app.fieldwork import field, form_fields, signed_in  # noqa: F401
from tests.helpers import shown_again


@pytest.fixture
def trainer(app, field):
    return signed_in(app, "0933000010")


def path_of(user):
    return f"/trainer/residents/{user.id}/external"


def save(browser, user, **changes):
    page = browser.get(path_of(user)).get_data(as_text=True)
    data = {"csrf_token": form_fields(page)["csrf_token"], "programme": "binh-dan-hoc-vu-so", "other_name": "",
            "certificate_number": "BDHVS-2025/00123", "certified_on": "20/05/2025", **changes}
    return browser.post(path_of(user), data=data)


def records(db):
    db.expire_all()
    return db.scalars(select(ExternalTraining)).all()


def test_the_national_programme_comes_first_in_the_list(trainer, field):
    page = trainer.get(path_of(field.lan)).get_data(as_text=True)
    assert PROGRAMMES[0][1].startswith("Bình dân học vụ số")
    options = page.split('id="programme"')[1]
    assert options.index("Bình dân học vụ số") < options.index("Chương trình khác")


def test_a_trainer_records_a_certificate_with_the_report_fields(db, field, trainer):
    response = save(trainer, field.lan)
    assert response.status_code == 302 and response.headers["Location"].endswith(path_of(field.lan))
    (record,) = records(db)
    assert (record.user_id, record.village_id, record.sex) == (field.lan.id, field.east.id, "female")
    assert (record.labour_age_from, record.labour_age_until) == labour_age_window(date(1990, 5, 1), "female")
    assert (record.programme, record.certificate_number, record.certified_on) == (
        "binh-dan-hoc-vu-so", "BDHVS-2025/00123", date(2025, 5, 20))
    assert record.trained_here is False and record.recorded_by_id == field.trainer_east.id
    page = trainer.get(path_of(field.lan)).get_data(as_text=True)
    assert "BDHVS-2025/00123" in page and "20/05/2025" in page and "Sửa chứng nhận" in page
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "external_training_recorded"))
    assert (event.actor_id, event.subject_id) == (field.trainer_east.id, field.lan.id)


def test_another_programme_needs_its_name_and_a_correction_keeps_one_record(db, field, trainer):
    response = save(trainer, field.lan, programme="other")
    assert "Hãy ghi tên chương trình" in shown_again(trainer, response, f"/trainer/residents/{field.lan.id}/external")
    assert save(trainer, field.lan, programme="other", other_name="Lớp kỹ năng số của Đoàn xã").status_code == 302
    assert save(trainer, field.lan, programme="other", other_name="Lớp kỹ năng số của Đoàn xã",
                certificate_number="ĐX-7").status_code == 302
    (record,) = records(db)
    assert (record.programme, record.certificate_number) == ("other:Lớp kỹ năng số của Đoàn xã", "ĐX-7")
    page = trainer.get(path_of(field.lan)).get_data(as_text=True)
    assert "Lớp kỹ năng số của Đoàn xã" in page
    assert re.search(r'<option[^>]*selected[^>]*value="other"|<option[^>]*value="other"[^>]*selected', page)
    changed = db.scalar(select(AuditEvent).where(AuditEvent.action == "external_training_changed"))
    assert changed.detail == {"fields": ["certificate_number"]}


def test_a_double_tap_keeps_one_record_and_one_audit_entry(db, field, trainer):
    page = trainer.get(path_of(field.lan)).get_data(as_text=True)
    data = {"csrf_token": form_fields(page)["csrf_token"], "programme": "binh-dan-hoc-vu-so",
            "certificate_number": "A1", "certified_on": "20/05/2025"}
    assert trainer.post(path_of(field.lan), data=data).status_code == 302
    assert trainer.post(path_of(field.lan), data=data).status_code == 302
    assert len(records(db)) == 1
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("external%"))) == 1


@pytest.mark.parametrize("changes, message", [
    ({"programme": ""}, "Hãy chọn chương trình trong danh sách"),
    ({"programme": "made-up"}, "Hãy chọn chương trình trong danh sách"),
    ({"programme": "other", "other_name": "x" * 101}, "Tên chương trình dài quá 100 ký tự"),
    ({"certificate_number": ""}, "Hãy nhập số chứng nhận"),
    ({"certificate_number": "   "}, "Hãy nhập số chứng nhận"),
    ({"certificate_number": "1" * 65}, "Số chứng nhận dài quá 64 ký tự"),
    ({"certificate_number": "AB\x00CD"}, "Số chứng nhận có ký tự không hợp lệ"),
    ({"certificate_number": "AB\nCD"}, "Số chứng nhận có ký tự không hợp lệ"),
    ({"certified_on": ""}, "Hãy nhập ngày"),
    ({"certified_on": "30/02/2025"}, "Ngày chưa đúng"),
    ({"certified_on": "٢٠/٠٥/٢٠٢٥"}, "Ngày chưa đúng"),
    ({"certified_on": "20/05/99999999999"}, "Ngày chưa đúng"),
    ({"certified_on": "31/12/2019"}, "Ngày phải từ 01/01/2020"),
    ({"certified_on": (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")}, "Ngày này chưa đến"),
])
def test_every_bad_input_is_explained_next_to_its_field_and_nothing_is_recorded(db, field, trainer, changes,
                                                                                 message):
    page = shown_again(trainer, save(trainer, field.lan, **changes))  # Post/Redirect/Get: Back never resends
    assert message in page and "-error" in page
    assert records(db) == []


def test_a_trainer_of_another_village_gets_404_and_records_nothing(app, db, field, trainer):
    other = signed_in(app, "0933000020")
    assert other.get(path_of(field.lan)).status_code == 404
    token = form_fields(other.get(path_of(field.binh)).get_data(as_text=True))["csrf_token"]
    response = other.post(path_of(field.lan), data={"csrf_token": token, "programme": "binh-dan-hoc-vu-so",
                                                    "certificate_number": "X", "certified_on": "20/05/2025"})
    assert response.status_code == 404 and records(db) == []
    assert trainer.get(path_of(field.trainer_west)).status_code == 404  # a staff account is not a resident
    assert trainer.get("/trainer/residents/999999/external").status_code == 404


def test_trained_here_is_set_whether_training_here_comes_first_or_later(db, field, trainer):
    required = RequiredSet(course_key="x", course_ids=[], course_titles=[])
    db.add(required)
    db.flush()
    record_trained(db, db.get(User, field.minh.id), date(2025, 1, 10), required)
    db.commit()
    save(trainer, field.minh)
    save(trainer, field.lan)
    assert {r.user_id: r.trained_here for r in records(db)} == {field.minh.id: True, field.lan.id: False}
    assert "cũng đã học xong trên Học số" in trainer.get(path_of(field.minh)).get_data(as_text=True)
    record_trained(db, db.get(User, field.lan.id), date(2026, 2, 1), db.get(RequiredSet, required.id))
    db.commit()
    assert all(r.trained_here for r in records(db))


def test_the_record_follows_a_profile_correction_and_survives_erasure(app, db, field, trainer):
    from elearn.auth.services import update_profile
    from elearn.privacy import erase_account

    save(trainer, field.lan)
    with app.app_context():
        from elearn.db import db_session

        session = db_session()
        lan = session.get(User, field.lan.id)
        update_profile(session, lan, full_name=lan.full_name, phone=lan.phone, birth_date=date(1960, 1, 1),
                       sex="male", village_id=field.west.id)
        session.commit()
        (record,) = records(db)
        assert (record.village_id, record.sex) == (field.west.id, "male")
        assert (record.labour_age_from, record.labour_age_until) == labour_age_window(date(1960, 1, 1), "male")
        erase_account(session, session.get(User, field.lan.id))
        session.commit()
    (record,) = records(db)
    # The report fields stay; the number, which would find the person in the other programme, does not.
    assert record.user_id is None and record.village_id == field.west.id and record.certificate_number == ""
    assert db.scalar(select(func.count()).select_from(TrainedResident)) == 0
