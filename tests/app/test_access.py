"""Who may open what, for every route of the app: anonymous, a resident, a trainer and an official
of another unit, an official of this unit, and an admin. A new route without an entry in ACCESS
fails the first test, so no page can be added without deciding who sees it."""
from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import select

from elearn.models import Alert, ApiToken, Certificate, Course, QuizAttempt, RoleAssignment, TrainingSession, User
from elearn.reports.tokens import hash_token
from elearn.units import add_unit
from tests.conftest import PASSWORD, PASSWORD_HASH, csrf_token, enroll_second_factor, pass_second_step
from tests.helpers import answers, quiz_form, submit

ACTORS = ("anonymous", "resident", "trainer_elsewhere", "trainer_here", "official_elsewhere", "official_here", "admin")

PUBLIC = "public"  # anyone
PUBLIC_MORE = "public, more when signed in"  # anyone; the signed-in see their own progress on it too
SIGNED_IN = "signed in"  # anyone signed in
OWN = "own"  # the resident whose data it is; nobody else, staff included
RESIDENT = "resident"  # a resident with a village (staff accounts have none)
OFFICIAL_HERE = "official of this unit"  # officials whose scope holds the unit, and admins
OFFICIAL = "official"  # any official (their own scope), and admins
ADMIN = "admin"
TRAINER = "trainer"  # any trainer (their own villages), and admins
TRAINER_HERE = "trainer of this village"  # trainers whose villages hold the resident or unit, and admins
TOKEN = "token"  # a bearer token; cookies never count
STAFF = "staff"  # any trainer, official or admin, about their own account
SECOND_STEP = "second step"  # someone between their password and their second factor; others are sent on
STAFF_HERE = "trainer or official of this unit"  # trainers and officials whose scope holds the unit, and admins

# endpoint: (who, url arguments as names of the World's attributes or values)
ACCESS = {
    "static": (PUBLIC, {"filename": "site.css"}),
    "learn.home": (PUBLIC, {}),
    "learn.media": (PUBLIC, {"slug": "alpha", "name": "phone.svg"}),
    "learn.verify": (PUBLIC, {"code": "certificate_code"}),
    "share.verify_form": (PUBLIC, {}),
    "share.poster": (PUBLIC, {"slug": "alpha"}),
    "auth.privacy": (PUBLIC, {}),
    "auth.register": (PUBLIC, {}),
    "auth.sign_in": (PUBLIC, {}),
    "auth.use_code": (PUBLIC, {}),
    "auth.set_language": (PUBLIC, {}),
    "api.healthz": (PUBLIC, {}),
    "api.openapi": (PUBLIC, {}),
    "api.open_completion": (PUBLIC, {"kind": "json"}),
    "offline.manifest": (PUBLIC, {}),
    "offline.service_worker": (PUBLIC, {}),
    "offline.page": (PUBLIC, {}),
    "learn.courses": (SIGNED_IN, {}),
    "learn.course": (PUBLIC_MORE, {"slug": "alpha"}),
    "share.handout": (SIGNED_IN, {"slug": "alpha", "lesson_slug": "mo-dau"}),
    "learn.lesson": (SIGNED_IN, {"slug": "alpha", "lesson_slug": "mo-dau"}),
    "learn.read_lesson": (SIGNED_IN, {"slug": "alpha", "lesson_slug": "mo-dau"}),
    "learn.quiz": (SIGNED_IN, {"slug": "alpha"}),
    "learn.submit_quiz": (SIGNED_IN, {"slug": "alpha"}),
    "learn.progress": (SIGNED_IN, {}),
    "learn.certificate": (SIGNED_IN, {}),
    "learn.quiz_result": (OWN, {"slug": "alpha", "attempt_id": "attempt_id"}),
    "share.certificate_picture": (OWN, {}),  # the holder's (the resident); anyone else has none: 404
    "learn.survey": (RESIDENT, {}),
    "auth.sign_out": (SIGNED_IN, {}),
    "auth.consent": (SIGNED_IN, {}),
    "auth.profile": (SIGNED_IN, {}),
    "auth.edit_profile": (SIGNED_IN, {}),
    "auth.change_password": (SIGNED_IN, {}),
    "auth.export_data": (SIGNED_IN, {}),
    "auth.my_data": (SIGNED_IN, {}),
    "auth.withdraw_consent": (SIGNED_IN, {}),
    "auth.delete_account": (SIGNED_IN, {}),
    "second_factor.enroll": (SECOND_STEP, {}),
    "second_factor.verify": (SECOND_STEP, {}),
    "second_factor.status": (STAFF, {}),
    "second_factor.recovery_codes": (STAFF, {}),
    "reports.index": (OFFICIAL, {}),
    "reports.api_tokens": (OFFICIAL, {}),
    "reports.dashboard": (OFFICIAL_HERE, {"unit_id": "commune_id"}),
    "reports.period": (OFFICIAL_HERE, {"unit_id": "commune_id"}),
    "reports.export": (OFFICIAL_HERE, {"unit_id": "commune_id", "kind": "csv"}),
    "reports.population_figures": (OFFICIAL_HERE, {"unit_id": "commune_id"}),
    "reports.population_upload": (OFFICIAL_HERE, {"unit_id": "commune_id"}),
    "reports.population_template": (OFFICIAL_HERE, {"unit_id": "commune_id"}),
    "reports.revoke_api_token": (OFFICIAL_HERE, {"token_id": "token_id"}),
    "admin.index": (ADMIN, {}),
    "admin.units": (ADMIN, {}),
    "admin.add_unit": (ADMIN, {}),
    "admin.unit": (ADMIN, {"unit_id": "village_id"}),
    "admin.rename_unit": (ADMIN, {"unit_id": "village_id"}),
    "admin.merge_unit": (ADMIN, {"unit_id": "village_id"}),
    "admin.remove_unit": (ADMIN, {"unit_id": "village_id"}),
    "admin.import_units": (ADMIN, {}),
    "admin.import_template": (ADMIN, {}),
    "admin.audit": (ADMIN, {}),
    "admin.required_courses": (ADMIN, {}),
    "admin.staff": (ADMIN, {}),
    "admin.new_staff": (ADMIN, {}),
    "admin.staff_member": (ADMIN, {"user_id": "official_here_id"}),
    "admin.add_role": (ADMIN, {"user_id": "official_here_id"}),
    "admin.issue_code": (ADMIN, {"user_id": "official_here_id"}),
    "admin.reset_second_factor": (ADMIN, {"user_id": "official_here_id"}),
    "admin.remove_role": (ADMIN, {"user_id": "official_here_id", "assignment_id": "assignment_id"}),
    "author.index": (TRAINER, {}),
    "author.courses": (TRAINER, {}),
    "author.new_course": (TRAINER, {}),
    "author.import_course": (TRAINER, {}),
    "author.course": (TRAINER, {"course_id": "course_id"}),
    "author.edit_file": (TRAINER, {"course_id": "course_id", "name": "quiz.md"}),
    "author.save_file": (TRAINER, {"course_id": "course_id", "name": "quiz.md"}),
    "author.add_lesson": (TRAINER, {"course_id": "course_id"}),
    "author.remove_lesson": (TRAINER, {"course_id": "course_id", "name": "02-tiep-theo.md"}),
    "author.publish_course": (TRAINER, {"course_id": "course_id"}),
    "author.archive_course": (TRAINER, {"course_id": "course_id"}),
    "author.unarchive_course": (TRAINER, {"course_id": "course_id"}),
    "author.upload_image": (TRAINER, {"course_id": "course_id"}),
    "author.export_course": (TRAINER, {"course_id": "course_id"}),
    "author.course_history": (TRAINER, {"course_id": "course_id"}),
    "author.course_revision": (TRAINER, {"course_id": "course_id", "number": 1}),
    "author.restore_revision": (TRAINER, {"course_id": "course_id", "number": 1}),
    "author.residents": (TRAINER, {}),
    "author.new_resident": (TRAINER, {}),
    "author.resident": (TRAINER_HERE, {"user_id": "resident_id"}),
    "author.issue_code": (TRAINER_HERE, {"user_id": "resident_id"}),
    "author.show_code": (TRAINER_HERE, {"user_id": "resident_id"}),
    "author.assisted_quiz": (TRAINER_HERE, {"user_id": "resident_id", "course_id": "course_id"}),
    "author.submit_assisted_quiz": (TRAINER_HERE, {"user_id": "resident_id", "course_id": "course_id"}),
    "author.assisted_result": (TRAINER_HERE, {"user_id": "resident_id", "course_id": "course_id",
                                              "attempt_id": "attempt_id"}),
    "author.sessions": (TRAINER, {}),
    "author.new_session": (TRAINER, {}),
    "author.training_session": (TRAINER_HERE, {"session_id": "session_id"}),
    "author.edit_session": (TRAINER_HERE, {"session_id": "session_id"}),
    "author.delete_session": (TRAINER_HERE, {"session_id": "session_id"}),
    "author.external_training": (TRAINER_HERE, {"user_id": "resident_id"}),
    "author.follow_up": (TRAINER, {}),
    "author.follow_up_export": (TRAINER, {}),
    "alerts.index": (STAFF, {}),
    "alerts.new_alert": (STAFF, {}),
    "alerts.edit_alert": (STAFF_HERE, {"alert_id": "alert_id"}),
    "alerts.end_alert": (STAFF_HERE, {"alert_id": "alert_id"}),
    "alerts.mark_read": (RESIDENT, {"alert_id": "alert_id"}),
    "api.api_units": (TOKEN, {}),
    "api.api_completion": (TOKEN, {"unit_id": "commune_id"}),
    "api.api_report": (TOKEN, {"unit_id": "commune_id"}),
}

ALLOWED = {
    PUBLIC: set(ACTORS),
    PUBLIC_MORE: set(ACTORS),
    SIGNED_IN: set(ACTORS) - {"anonymous"},
    OWN: {"resident"},
    RESIDENT: {"resident"},
    OFFICIAL_HERE: {"official_here", "admin"},
    OFFICIAL: {"official_elsewhere", "official_here", "admin"},
    ADMIN: {"admin"},
    TRAINER: {"trainer_elsewhere", "trainer_here", "admin"},
    TRAINER_HERE: {"trainer_here", "admin"},
    STAFF_HERE: {"trainer_here", "official_here", "admin"},
    TOKEN: set(),
    STAFF: set(ACTORS) - {"anonymous", "resident"},
    # Nobody here is between the two steps: the signed-in go to their courses, others to sign in.
    SECOND_STEP: set(ACTORS) - {"anonymous"},
}


def get_pages(app, world, skip=frozenset()) -> list[tuple[str, str]]:
    """(who may open it, its URL with the world's values) for every GET route of the matrix but `skip`:
    the pages the browser tests walk (axe, large text, the XSS corpus)."""
    pages = []
    with app.test_request_context():
        for endpoint, (who, arguments) in sorted(ACCESS.items()):
            rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
            if endpoint in skip or "GET" not in rule.methods:
                continue
            values = {name: getattr(world, value) if isinstance(value, str) and hasattr(world, value) else value
                      for name, value in arguments.items()}
            pages.append((who, url_for(endpoint, **values)))
    return pages


def test_every_route_has_an_access_rule(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routes - ACCESS.keys() == set(), "add these routes to ACCESS, saying who may open them"
    assert ACCESS.keys() - routes == set(), "these routes are gone: remove them from ACCESS"


@dataclass
class World:
    commune_id: int
    village_id: int
    official_here_id: int
    assignment_id: int
    attempt_id: int
    token_id: int
    certificate_code: str
    resident_id: int  # the resident of the home village
    course_id: int  # the published course "alpha"
    session_id: int = 0  # a training session in the home village
    alert_id: int = 0  # a scam alert for the home village


def _staff(db, phone, role, unit_id):
    from elearn.auth.services import new_session_token

    user = User(full_name="Cán bộ", phone=phone, password_hash=PASSWORD_HASH,
                session_token=new_session_token())
    user.assignments.append(RoleAssignment(role=role, unit_id=unit_id))
    enroll_second_factor(user)
    db.add(user)
    db.flush()
    return user


@pytest.fixture
def world(app, db, client, auth, courses, villages) -> World:
    """Home: the demo commune and its first village (where the resident lives). Elsewhere: a
    second commune with one village."""
    from elearn.models import Unit

    home_village = db.get(Unit, villages[0])
    elsewhere = add_unit(db, kind="commune", name="Xã Khác", parent=home_village.parent.parent)
    elsewhere_village = add_unit(db, kind="village", name="Thôn Khác", parent=elsewhere)
    official_here = _staff(db, "+84933000001", "official", home_village.parent_id)
    _staff(db, "+84933000002", "official", elsewhere.id)
    _staff(db, "+84933000003", "trainer", elsewhere_village.id)
    _staff(db, "+84933000004", "admin", None)
    _staff(db, "+84933000005", "trainer", home_village.id)
    token = ApiToken(name="T", token_hash=hash_token("hs_x"), prefix="hs_x", unit_id=home_village.parent_id)
    db.add(token)
    db.commit()
    auth.register()  # the resident, in the home village
    submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha", right=False)})
    resident = db.scalar(select(User).where(User.phone == "+84912345678"))
    db.add(Certificate(user_id=resident.id, code="ABCDEFGHJKMN", trained_on=date(2026, 1, 1)))
    db.commit()
    training = TrainingSession(village_id=home_village.id, held_on=date(2026, 1, 5), notes="")
    db.add(training)
    alert = Alert(unit_id=home_village.id, title="Cảnh báo", body="x", body_html="<p>x</p>", advice="y",
                  posted_on=date(2026, 1, 1), expires_on=date(2099, 1, 1))
    db.add(alert)
    db.commit()
    return World(session_id=training.id, alert_id=alert.id, commune_id=home_village.parent_id,
                 village_id=home_village.id,
                 official_here_id=official_here.id,
                 assignment_id=official_here.assignments[0].id, attempt_id=db.scalar(select(QuizAttempt.id)),
                 token_id=token.id, certificate_code="ABCDEFGHJKMN", resident_id=resident.id,
                 course_id=db.scalar(select(Course.id).where(Course.slug == "alpha")))


PHONES = {"resident": "0912345678", "official_here": "0933000001", "official_elsewhere": "0933000002",
          "trainer_elsewhere": "0933000003", "admin": "0933000004", "trainer_here": "0933000005"}


def _browser(app, actor):
    browser = app.test_client()
    if actor != "anonymous":
        response = browser.post("/sign-in", data={"phone": PHONES[actor], "password": PASSWORD,
                                                  "csrf_token": csrf_token(browser, "/sign-in")})
        response = pass_second_step(browser, response)
        assert response.status_code == 302, f"{actor} could not sign in"
    return browser


def _outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and "/sign-in" in location:
        return "sign in"
    if response.status_code in (401, 403, 404, 405):
        return str(response.status_code)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return "allowed"


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_who_may_open_each_route(app, world, endpoint):
    who, arguments = ACCESS[endpoint]
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    method = "GET" if "GET" in rule.methods else "POST"
    values = {name: getattr(world, value) if isinstance(value, str) and hasattr(world, value) else value
              for name, value in arguments.items()}
    with app.test_request_context():
        path = url_for(endpoint, **values)
    seen = {}
    for actor in ACTORS:  # the admin last: an admin's allowed POST may change what others see
        browser = _browser(app, actor)
        data = {"csrf_token": _any_csrf_token(browser)} if method == "POST" else None
        response = browser.open(path, method=method, data=data)
        seen[actor] = _outcome(response)
        response.close()  # a static file is streamed from disk
    expected = {actor: _expected(who, actor) for actor in ACTORS}
    assert seen == expected, f"{method} {path}"


def _expected(who: str, actor: str) -> str:
    if actor in ALLOWED[who]:
        return "allowed"
    if who == TOKEN:
        return "401"
    if actor == "anonymous" and who not in (PUBLIC,):
        return "sign in"
    return "404"


def _any_csrf_token(browser) -> str:
    """Every page carries one (the language switch in the footer)."""
    page = browser.get("/privacy").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
