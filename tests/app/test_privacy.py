"""Privacy end to end: one resident with data in every feature exports all of it, then erases the
account; afterwards no table holds their phone, name, birth date or id, the officials' figures
are what they were, and another resident's data is untouched."""
from __future__ import annotations

import json
import re
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import JSON, Date, String, Text, func, or_, select

from elearn.db import Base
from elearn.models import (Alert, AuditEvent, Certificate, ConsentRecord, ExternalTraining, OneTimeCode,
                           PopulationFigure, RequiredSet, TrainedResident, Unit, User)
from elearn.models.types import utcnow
from elearn.reports.figures import build_report, open_data_counts
from elearn.units import plain
from tests.app.fieldwork import form_fields
from tests.app.trainers import issue_code, make_staff, signed_in, take_quiz
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import answers, finish_course, quiz_form, read_all_lessons, submit

LAN = {"full_name": "Nguyễn Thị Lan", "phone": "0912 345 678", "birth_date": date(1975, 3, 25),
       "certificate_number": "BDHVS-2025/00123"}
BINH_PHONE = "0987 654 321"
TRAINER_PHONE = "+84933000005"


# -- looking for a person's traces in every table ----------------------------------------------------

def _phone_pattern(phone: str) -> re.Pattern:
    """The national number's digits in any formatting: 0912 345 678, +84 912.345.678, 84912345678..."""
    digits = re.sub(r"\D", "", phone).removeprefix("84").lstrip("0")
    return re.compile(r"[\s.\-()]*".join(digits))


def _needles(person: dict) -> list[tuple[str, re.Pattern]]:
    born = person["birth_date"]
    name = person["full_name"]
    words = [("phone", _phone_pattern(person["phone"])),
             ("name", re.compile(re.escape(name.casefold()))),
             ("name without accents", re.compile(re.escape(plain(name).casefold()))),
             ("certificate number", re.compile(re.escape(person["certificate_number"].casefold())))]
    for style in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d"):
        words.append(("birth date", re.compile(re.escape(born.strftime(style)))))
    return words


def _refers_to_users(column) -> bool:
    return any(key.column.table.name == User.__tablename__ for key in column.foreign_keys) or (
        column.table.name == User.__tablename__ and column.primary_key)


PERSON_KEY = re.compile(r"(^|_)(user|actor|subject|resident|person|attendee|holder)_ids?$")


def _ids_in(value, key: str = ""):
    """Integers held under a JSON key that names a person (user_id, attendee_ids, ...)."""
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            yield from _ids_in(inner, str(inner_key))
    elif isinstance(value, list):
        for inner in value:
            yield from _ids_in(inner, key)
    elif isinstance(value, int) and not isinstance(value, bool) and PERSON_KEY.search(key):
        yield key, value


def traces_of(db, person: dict, user_id: int) -> list[str]:
    """Every place in the database that still holds the person: every table of the metadata, every
    text or JSON column searched for the phone, name, birth date and certificate number, every date
    column for the birth date, every column pointing at a person (and JSON keys naming one) for the id."""
    db.expire_all()
    needles = _needles(person)
    found = []
    for table in Base.metadata.sorted_tables:
        texts = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        days = [c for c in table.columns if isinstance(c.type, Date)]
        people = [c for c in table.columns if _refers_to_users(c)]
        for row in db.execute(select(table)).mappings():
            for column in texts:
                value = row[column.name]
                if value is None:
                    continue
                text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) else value
                found += [f"{table.name}.{column.name}: {what}" for what, pattern in needles
                          if pattern.search(text.casefold())]
                if isinstance(column.type, JSON):
                    found += [f"{table.name}.{column.name}: id in JSON ({key})" for key, held in _ids_in(value)
                              if held == user_id]
            found += [f"{table.name}.{c.name}: birth date" for c in days if row[c.name] == person["birth_date"]]
            found += [f"{table.name}.{c.name}: id" for c in people if row[c.name] == user_id]
    return found


def rows_about(db, user_id: int) -> dict[str, list]:
    """Every row of every table that points at the person, as plain tuples."""
    db.expire_all()
    held = {}
    for table in Base.metadata.sorted_tables:
        people = [c for c in table.columns if _refers_to_users(c)]
        if people:
            rows = db.execute(select(table).where(or_(*(c == user_id for c in people)))).all()
            held[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return held


# -- the officials' figures ------------------------------------------------------------------------

def _zero_registered(value):
    """The figures without the count of accounts (which an erasure lowers by one, as it must)."""
    if isinstance(value, list):
        return [_zero_registered(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _zero_registered(getattr(value, f.name)) for f in fields(value) if f.name != "root"}
        if "registered" in changes:
            changes["registered"] = 0
        return replace(value, **changes)
    return value


def figures(db, commune_id: int, days: list[date]) -> list:
    db.expire_all()
    root = db.get(Unit, commune_id)
    reports = [build_report(db, root, day, include_external=True) for day in days]
    registered = [report.total.registered for report in reports]
    return [_zero_registered(reports), open_data_counts(db, days[-1]), registered]


# -- the scenario ----------------------------------------------------------------------------------

@pytest.fixture
def lan_everywhere(app, db, client, auth, villages, courses):
    """Lan, with data in every feature; Bình, another resident of the same village, with some."""
    village = db.get(Unit, villages[0])
    db.add(PopulationFigure(village_id=village.id, year=2026, total=40))
    db.add(PopulationFigure(village_id=village.id, year=2025, total=40))
    db.commit()
    make_staff(db, "trainer", village.id, TRAINER_PHONE)
    assert auth.register().status_code == 302  # registration and consent (version, time)
    lan = db.scalar(select(User).where(User.phone == "+84912345678"))

    binh = app.test_client()
    binh.post("/register", data={**auth.registration(phone=BINH_PHONE, full_name="Trần Văn Bình",
                                                     birth_date="1980-05-17", sex="male"),
                                 "csrf_token": csrf_token(binh, "/register")})
    finish_course(binh, db, "alpha")

    trainer = signed_in(app, TRAINER_PHONE)
    # Certified elsewhere first (the national programme), in 2025; trained here later.
    page = trainer.get(f"/trainer/residents/{lan.id}/external").get_data(as_text=True)
    assert trainer.post(f"/trainer/residents/{lan.id}/external", data={
        "csrf_token": form_fields(page)["csrf_token"], "programme": "binh-dan-hoc-vu-so", "other_name": "",
        "certificate_number": LAN["certificate_number"], "certified_on": "20/05/2025"}).status_code == 302
    issue_code(trainer, lan.id)  # a one-time code, left unused
    # A class in the village, which Lan attended; the trainer's note names her.
    path = f"/trainer/sessions/new?village={village.id}"
    page = trainer.get(path).get_data(as_text=True)
    binh_id = db.scalar(select(User.id).where(User.phone == "+84987654321"))
    assert trainer.post(path, data={**form_fields(page), "held_on": "15/03/2026", "course_id": "-1",
                                    "notes": "Chị Nguyễn Thị Lan (0912.345.678) cần học thêm về mật khẩu.",
                                    "attendees": [str(lan.id), str(binh_id)]}).status_code == 302

    # A scam alert for the village, which Lan marks read.
    page = trainer.get("/alerts/new").get_data(as_text=True)
    expires = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date() + timedelta(days=30)
    assert trainer.post("/alerts/new", data={
        **form_fields(page), "unit_id": str(village.id), "title": "Giả danh công an", "body": "Đừng chuyển tiền.",
        "advice": "Cúp máy.", "expires_on": expires.strftime("%d/%m/%Y")}).status_code == 303
    alert_id = db.scalar(select(Alert.id))
    assert client.post(f"/alerts/{alert_id}/read", data={"csrf_token": csrf_token(client, "/courses")}
                       ).status_code == 303
    # Lan learns: reads alpha, fails its quiz once, passes; the survey; withdraws and gives consent again.
    read_all_lessons(client, db, "alpha")
    submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha", right=False)})
    submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    read_all_lessons(client, db, "beta")
    assert client.post("/survey", data={"csrf_token": csrf_token(client, "/survey"), "has_smartphone": "yes",
                                        "has_bank_account": "no"}).status_code == 302
    client.post("/me/withdraw-consent", data={"csrf_token": csrf_token(client, "/me/withdraw-consent")})
    client.post("/consent", data={"consent": "y", "csrf_token": csrf_token(client, "/consent")})
    # Beta with the trainer's help: an assisted attempt and completion; Lan is trained, certificate issued.
    assert take_quiz(trainer, db, lan, "beta").status_code in (302, 303)
    assert db.scalar(select(Certificate.code).where(Certificate.user_id == lan.id))
    return lan, binh_id, village


def test_export_holds_every_feature_and_erasure_leaves_no_trace(app, db, client, lan_everywhere):
    lan, binh_id, village = lan_everywhere
    lan_id, commune_id = lan.id, village.parent_id
    today = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    days = [today]
    exported = client.post("/me/data.json", data={"csrf_token": csrf_token(client, "/me")})
    assert exported.status_code == 200, (exported.status_code, exported.get_data(as_text=True)[-1500:])
    export = json.loads(exported.get_data(as_text=True))
    assert export["profile"]["full_name"] == LAN["full_name"] and export["profile"]["birth_date"] == "1975-03-25"
    assert [(c["purpose"], c["withdrawn_at"] is None) for c in export["consents"]] == [
        ("learning", False), ("learning", True)]
    assert len(export["lessons_opened"]) == 3
    assert [(a["course"], a["passed"], a["assisted"]) for a in export["quiz_attempts"]] == [
        ("alpha", False, False), ("alpha", True, False), ("beta", True, True)]
    assert sorted((c["course"], c["method"]) for c in export["course_completions"]) == [
        ("alpha", "self"), ("beta", "assisted")]
    assert export["certificate"]["code"]
    assert export["survey"]["has_smartphone"] is True and export["survey"]["has_bank_account"] is False
    assert [(c["purpose"], c["used_at"]) for c in export["one_time_codes"]] == [("reset", None)]
    assert [(s["held_on"], s["notes"]) for s in export["training_sessions"]] == [
        ("2026-03-15", "Chị Nguyễn Thị Lan (0912.345.678) cần học thêm về mật khẩu.")]
    assert export["external_training"]["certificate_number"] == LAN["certificate_number"]
    assert [a["title"] for a in export["alerts_read"]] == ["Giả danh công an"]
    actions = {e["action"] for e in export["activity"]}
    assert {"registered", "consent_withdrawn", "consent_given", "one_time_code_issued", "assisted_attempt",
            "assisted_completion", "external_training_recorded"} <= actions
    assert "Trần Văn Bình" not in json.dumps(export, ensure_ascii=False)

    before = figures(db, commune_id, days)
    binh_before = rows_about(db, binh_id)
    assert traces_of(db, LAN, lan_id)  # the search finds her while she is there
    response = client.post("/me/delete", data={"password": PASSWORD, "csrf_token": csrf_token(client, "/me/delete")})
    assert response.status_code == 302

    left = traces_of(db, LAN, lan_id)
    assert left == [], left
    after = figures(db, commune_id, days)
    for report_before, report_after in zip(before[0], after[0]):
        assert report_after.total == report_before.total, report_before.day
        assert report_after == report_before, report_before.day
    assert after[1] == before[1]
    assert before[2][0] - after[2][0] == 1  # Lan's account no longer counts
    assert rows_about(db, binh_id) == binh_before
    assert db.scalar(select(User.full_name).where(User.id == binh_id)) == "Trần Văn Bình"


def test_the_trace_search_finds_a_phone_in_any_formatting_and_ids_in_json(app, db, villages):
    pattern = _phone_pattern("0912 345 678")
    for text in ("0912345678", "+84 912 345 678", "0912.345.678", "(0912) 345-678", "84912345678"):
        assert pattern.search(text), text
    assert not pattern.search("0912 345 679")
    assert list(_ids_in({"attendee_ids": [4, 7], "course_id": 7, "detail": {"subject_id": 7}})) == [
        ("attendee_ids", 4), ("attendee_ids", 7), ("subject_id", 7)]


def test_erasure_keeps_the_figures_of_past_days(app, db, client, lan_everywhere):
    """Certified elsewhere in 05/2025, trained here today: on a day in between the certificate counted."""
    commune_id = lan_everywhere[2].parent_id
    days = [date(2025, 12, 31), date(2026, 6, 30)]
    before = figures(db, commune_id, days)
    assert before[0][0].total.external == 1
    client.post("/me/delete", data={"password": PASSWORD, "csrf_token": csrf_token(client, "/me/delete")})
    assert figures(db, commune_id, days) == before


# -- the notice and consent versions ----------------------------------------------------------------

def test_the_notice_is_plain_and_states_the_retention_periods_of_the_config(app, client):
    app.config["RETENTION_DAYS"] = {"audit": 731, "codes": 31, "withdrawn": 91, "pending": 181}
    page = client.get("/privacy").get_data(as_text=True)
    for days in (731, 31, 91, 181):
        assert f"{days} ngày" in page
    for heading in ("Chúng tôi giữ những gì", "Để làm gì", "Ai được xem", "Giữ bao lâu", "Quyền của bạn",
                    "Cần hỏi thì hỏi ai"):
        assert heading in page
    assert app.config["PRIVACY_NOTICE_VERSION"] in page and "72 giờ" in page


def test_a_resident_who_agreed_to_an_older_notice_is_asked_again_at_the_next_sign_in(app, client, db, auth, courses):
    auth.register()
    first = app.config["PRIVACY_NOTICE_VERSION"]
    auth.sign_out()
    app.config["PRIVACY_NOTICE_VERSION"] = "2099-01"
    response = auth.sign_in(next="/me")
    assert response.status_code == 302 and response.headers["Location"].startswith("/consent?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "vừa được cập nhật (phiên bản 2099-01)" in page
    assert 'href="/me"' in page and client.get("/me").status_code == 200  # own data, even without consent
    assert client.get("/courses/alpha").headers["Location"].startswith("/consent")  # learning waits too
    agreed = client.post(response.headers["Location"],
                         data={"consent": "y", "csrf_token": csrf_token(client, "/consent")})
    assert agreed.status_code == 302 and client.get("/courses/alpha").status_code == 200
    db.expire_all()
    user = db.scalar(select(User))
    assert [(c.purpose, c.notice_version, c.withdrawn_at) for c in user.consents] == [
        ("learning", first, None), ("learning", "2099-01", None)]
    assert all(c.given_at for c in user.consents)
    events = db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "consent_given")).all()
    assert events == [{"notice_version": "2099-01"}]


def test_withdrawing_says_how_long_the_data_waits_and_records_when(app, client, db, auth, courses):
    auth.register()
    assert "90 ngày" in client.get("/me/withdraw-consent").get_data(as_text=True)
    client.post("/me/withdraw-consent", data={"csrf_token": csrf_token(client, "/me/withdraw-consent")})
    db.expire_all()
    (record,) = db.scalar(select(User)).consents
    assert record.withdrawn_at is not None
    assert auth.sign_out() and auth.sign_in().headers["Location"].startswith("/consent")


# -- retention: elearn privacy purge ----------------------------------------------------------------

def _person(db, phone, village_id, *, days_old=0, consent=True, withdrawn_days=None, registered_by=None,
            signed_in=True):
    now = utcnow()
    user = User(full_name=f"Người {phone[-3:]}", phone=phone, password_hash="-", session_token=f"t{phone}",
                village_id=village_id, sex="female", birth_date=date(1980, 1, 1),
                created_at=now - timedelta(days=days_old),
                registered_by_id=registered_by, last_sign_in_at=now if signed_in else None)
    if consent:
        user.consents.append(ConsentRecord(purpose="learning", notice_version="2026-12", given_at=user.created_at,
                                           withdrawn_at=now - timedelta(days=withdrawn_days)
                                           if withdrawn_days is not None else None))
    db.add(user)
    db.flush()
    return user


@pytest.fixture
def aged(app, db, villages):
    """Rows on both sides of each retention period (90 days withdrawn, 180 pending, 30 codes, 730 audit)."""
    now = utcnow()
    trainer = make_staff(db, "trainer", villages[0], TRAINER_PHONE)
    v = villages[0]
    people = {
        "withdrawn_long_ago": _person(db, "+84912000001", v, days_old=400, withdrawn_days=100),
        "withdrawn_lately": _person(db, "+84912000002", v, days_old=400, withdrawn_days=10),
        "agreed_again": _person(db, "+84912000007", v, days_old=400, withdrawn_days=100),
        "pending_long": _person(db, "+84912000003", v, days_old=200, registered_by=trainer.id, signed_in=False),
        "pending_lately": _person(db, "+84912000004", v, days_old=20, registered_by=trainer.id, signed_in=False),
        "pending_but_learned": _person(db, "+84912000005", v, days_old=200, registered_by=trainer.id,
                                       signed_in=False),
        "active": _person(db, "+84912000006", v, days_old=900),
    }
    people["agreed_again"].consents.append(ConsentRecord(purpose="learning", notice_version="2026-12"))
    set_id = RequiredSet(course_key="", course_ids=[], course_titles=[])
    db.add(set_id)
    db.flush()
    db.add(TrainedResident(user_id=people["withdrawn_long_ago"].id, village_id=v, sex="female",
                           trained_on=date(2025, 5, 5), method="self", required_set_id=set_id.id))
    db.add(ExternalTraining(user_id=people["pending_but_learned"].id, village_id=v, sex="female",
                            programme="binh-dan-hoc-vu-so", certificate_number="X", certified_on=date(2025, 1, 1)))
    active = people["active"]
    db.add_all([OneTimeCode(user_id=active.id, purpose="reset", code_hash="a", expires_at=now - timedelta(days=40)),
                OneTimeCode(user_id=active.id, purpose="reset", code_hash="b", expires_at=now - timedelta(days=10)),
                AuditEvent(action="signed_in", actor_id=active.id, subject_id=active.id, at=now - timedelta(days=800)),
                AuditEvent(action="signed_in", actor_id=active.id, subject_id=active.id, at=now - timedelta(days=10)),
                AuditEvent(action="unit_added", actor_id=trainer.id, at=now - timedelta(days=800),
                           detail={"unit_id": v})])
    db.commit()
    return {key: (user.id, user.phone, user.full_name) for key, user in people.items()}


def test_purge_removes_what_is_past_its_period_once_and_prints_counts_only(app, db, runner, aged):
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("Removed: audit entries 1, one time codes 1, withdrawn accounts 1, "
                                     "pending accounts 1, used form keys 0")
    for _id, phone, name in aged.values():
        assert phone not in result.output and name not in result.output
    db.expire_all()
    left = set(db.scalars(select(User.phone)))
    gone = {aged[key][1] for key in ("withdrawn_long_ago", "pending_long")}
    assert left & gone == set() and {aged[key][1] for key in aged} - gone <= left
    # The erased person still counts where the reports count: their trained row, without them.
    assert db.scalar(select(TrainedResident.user_id)) is None
    assert db.scalar(select(func.count(OneTimeCode.id))) == 1
    kept = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert kept[:2] == ["signed_in", "unit_added"]  # the recent sign-in and the unit's history
    assert db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "account_deleted")).all() == [
        {"trained_record_kept": True, "reason": "withdrawn_accounts"},
        {"trained_record_kept": False, "reason": "pending_accounts"}]
    again = runner.invoke(args=["privacy", "purge"])
    assert again.output.strip() == ("Removed: audit entries 0, one time codes 0, withdrawn accounts 0, "
                                    "pending accounts 0, used form keys 0")
