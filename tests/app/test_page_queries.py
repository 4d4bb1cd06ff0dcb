"""Every page a resident or staff member can open runs a fixed number of SQL statements, however many
questions, lessons, courses, residents, classes, staff, villages and past attempts there are: eager
loads and grouped queries, never a query per row (issue 11). The pages come from the route matrix of
tests/app/test_access.py, so a page added tomorrow is counted too, and needs a ceiling below.

Each page is opened with one of everything, then with five of everything: it must run as many
statements both times, and no more than its ceiling. Lists without bound (residents, the audit trail,
training sessions) are paginated, so they are constant per page size; the rows here fit on one page,
and a query per row would show. The other lists (courses, staff, the follow-up list of one village)
load all their rows in the same few queries however long they are."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import select

from elearn.auth.second_factor_views import NEW_RECOVERY_CODES
from elearn.auth.services import hash_password, new_session_token
from elearn.models import (Alert, AlertRead, ApiToken, AttemptAnswer, AuditEvent, ConsentRecord, Course,
                           CourseCompletion, ExternalTraining, Lesson, LessonView, OneTimeCode, PopulationFigure,
                           Question, Choice,
                           QuizAttempt, QuizVersion, RoleAssignment, TrainingAttendance, TrainingSession, Unit, User)
from elearn.reports.tokens import hash_token
from elearn.units import add_unit
from tests.app.test_access import (ACCESS, ADMIN, OFFICIAL, OFFICIAL_HERE, OWN, PUBLIC, RESIDENT, SECOND_STEP,
                                   SIGNED_IN, STAFF, STAFF_HERE, TOKEN, TRAINER, TRAINER_HERE, World, _browser,
                                   world)  # noqa: F401 (the fixture)
from tests.app.test_access import PUBLIC_MORE
from tests.conftest import PASSWORD, csrf_token, enroll_second_factor
from tests.helpers import answers, quiz_form, statements_of

# Who opens each kind of page here: the actors whose page shows the most rows.
OPENED_BY = {
    PUBLIC: ("anonymous",), PUBLIC_MORE: ("anonymous", "resident", "trainer_here"),
    SIGNED_IN: ("resident", "trainer_here"), OWN: ("resident",), RESIDENT: ("resident",),
    STAFF: ("trainer_here",), TRAINER: ("trainer_here",), TRAINER_HERE: ("trainer_here",),
    OFFICIAL: ("official_here", "admin"), OFFICIAL_HERE: ("official_here",), ADMIN: ("admin",), TOKEN: ("token",),
    SECOND_STEP: ("enrolling", "verifying"), STAFF_HERE: ("trainer_here", "official_here"),
}
TRAINER_PHONE = "+84933000005"  # trainer_here of test_access's world
NOT_PAGES = {"static"}  # files from disk: no SQL
SHOWN_ONCE = {"author.show_code", "second_factor.recovery_codes"}  # a one-time code: a reload shows it no more
# The same pages with what people type or pick on them.
MORE_PATHS = {
    "author.follow_up": "?village={village_id}&order=name",
    "author.residents": "?q=Nguy",
    "admin.audit": "?action=signed_in",
    "reports.dashboard": "?as_of=30/06/2026&order_by=gap-desc",
}
# Not a page for this actor: where they are sent, in as few statements.
SENT_ON = {("learn.certificate", "trainer_here"): 302, ("reports.index", "official_here"): 302,
           ("second_factor.verify", "enrolling"): 302, ("second_factor.enroll", "verifying"): 302}

# The most statements each page may run (SQLite and PostgreSQL alike): a page that needs more has
# grown a query, which this makes someone decide on.
CEILING = {
    "admin.audit as admin": 6, "admin.audit as admin, filled in": 6, "admin.import_template as admin": 2,
    "admin.import_units as admin": 2, "admin.index as admin": 6,
    "admin.required_courses as admin": 6, "admin.new_staff as admin": 4,
    "admin.staff as admin": 6, "admin.staff_member as admin": 9, "admin.unit as admin": 8, "admin.units as admin": 5,
    "api.api_completion as token": 12, "api.api_report as token": 12, "api.api_units as token": 3,
    "api.healthz as anonymous": 1, "api.open_completion as anonymous": 3, "api.openapi as anonymous": 0,
    "auth.change_password as resident": 1, "auth.change_password as trainer_here": 2, "auth.consent as resident": 1,
    "auth.consent as trainer_here": 2, "auth.delete_account as resident": 1,
    "auth.delete_account as trainer_here": 2, "auth.edit_profile as resident": 2,
    "auth.edit_profile as trainer_here": 3, "auth.privacy as anonymous": 0, "auth.profile as resident": 3,
    "auth.profile as trainer_here": 2, "auth.register as anonymous": 1, "auth.sign_in as anonymous": 0,
    "auth.use_code as anonymous": 0, "auth.withdraw_consent as resident": 1,
    "auth.withdraw_consent as trainer_here": 2, "author.assisted_quiz as trainer_here": 8,
    "author.assisted_result as trainer_here": 12, "author.course as trainer_here": 5,
    "author.course_history as trainer_here": 4, "author.course_revision as trainer_here": 4,
    "author.courses as trainer_here": 3, "author.delete_session as trainer_here": 4,
    "author.edit_file as trainer_here": 5, "author.edit_session as trainer_here": 7,
    "author.export_course as trainer_here": 5, "author.external_training as trainer_here": 4,
    "author.follow_up as trainer_here": 10, "author.follow_up as trainer_here, filled in": 10,
    "author.index as trainer_here": 3, "author.new_course as trainer_here": 2,
    "author.new_resident as trainer_here": 3, "author.new_session as trainer_here": 5,
    "author.remove_lesson as trainer_here": 5, "author.resident as trainer_here": 15,
    "author.residents as trainer_here": 4, "author.residents as trainer_here, filled in": 4,
    "author.sessions as trainer_here": 4, "author.show_code as trainer_here": 3,
    "author.training_session as trainer_here": 5, "learn.certificate as resident": 4,
    "learn.certificate as trainer_here": 3, "learn.course as resident": 5, "learn.course as trainer_here": 6,
    "learn.courses as resident": 9, "learn.courses as trainer_here": 8, "learn.home as anonymous": 2,
    # Residents' lesson pages come from memory in one statement (elearn/learn/fast_path.py); staff
    # pay for that statement too before going through Flask.
    "learn.lesson as resident": 1, "learn.lesson as trainer_here": 4, "learn.media as anonymous": 1,
    "learn.progress as resident": 7, "learn.progress as trainer_here": 11, "learn.quiz as resident": 5,
    "learn.quiz as trainer_here": 6, "learn.quiz_result as resident": 10, "learn.survey as resident": 2,
    "learn.verify as anonymous": 1, "offline.manifest as anonymous": 0, "offline.page as anonymous": 0,
    "offline.service_worker as anonymous": 0,
    "reports.api_tokens as official_here": 4, "reports.api_tokens as admin": 4,
    "reports.dashboard as official_here": 12, "reports.dashboard as official_here, filled in": 12,
    "reports.index as official_here": 3, "reports.index as admin": 3, "reports.period as official_here": 12,
    "reports.population_figures as official_here": 5, "reports.population_template as official_here": 4,
    "second_factor.enroll as enrolling": 3, "second_factor.enroll as verifying": 3,
    "second_factor.recovery_codes as trainer_here": 2, "second_factor.status as trainer_here": 3,
    "second_factor.verify as enrolling": 3, "second_factor.verify as verifying": 3,
    # Sharing and paper (issue 9): the course page is open to all (the anonymous see no progress).
    "learn.course as anonymous": 1, "share.verify_form as anonymous": 0, "share.poster as anonymous": 1,
    "share.certificate_picture as resident": 4, "share.handout as resident": 2, "share.handout as trainer_here": 3,
    "auth.my_data as resident": 14, "auth.my_data as trainer_here": 12,
    "POST learn.submit_quiz as resident": 11, "POST learn.read_lesson as resident": 7,
    "POST auth.export_data as resident": 15, "POST author.submit_assisted_quiz as trainer_here": 15,
    "POST auth.register as anonymous": 10,  # + the form's key claimed, then where it led (elearn.form_keys)
    "alerts.edit_alert as trainer_here": 4, "alerts.edit_alert as official_here": 4, "alerts.index as trainer_here": 4,
    "alerts.new_alert as trainer_here": 3,
}


def _pages(app, world):
    for endpoint, (who, arguments) in sorted(ACCESS.items()):
        rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
        if "GET" not in rule.methods or endpoint in NOT_PAGES:
            continue
        values = {name: getattr(world, value) if isinstance(value, str) and hasattr(world, value) else value
                  for name, value in arguments.items()}
        with app.test_request_context():
            path = url_for(endpoint, **values)
        for actor in OPENED_BY[who]:
            yield endpoint, f"{endpoint} as {actor}", actor, path
            if endpoint in MORE_PATHS:
                filled_in = path + MORE_PATHS[endpoint].format(**vars(world))
                yield endpoint, f"{endpoint} as {actor}, filled in", actor, filled_in


def _half_signed_in(app, db, phone, with_app: bool):
    """A trainer who typed the right password and is at the second step (setting up the app, or its code)."""
    with app.app_context():
        password_hash = hash_password(PASSWORD)
    user = User(full_name="Cán bộ mới", phone=phone, password_hash=password_hash, session_token=new_session_token())
    user.assignments.append(RoleAssignment(role="trainer", unit_id=db.scalar(
        select(Unit.id).where(Unit.kind == "village").order_by(Unit.id))))
    if with_app:
        enroll_second_factor(user)
    db.add(user)
    db.commit()
    browser = app.test_client()
    response = browser.post("/sign-in", data={"phone": phone, "password": PASSWORD,
                                              "csrf_token": csrf_token(browser, "/sign-in")})
    assert response.headers["Location"].endswith("/sign-in/verify" if with_app else "/sign-in/enroll")
    return browser


def _browsers(app, db):
    browsers = {actor: _browser(app, actor) for actor in ("anonymous", "resident", "trainer_here",
                                                          "official_here", "admin")}
    browsers["token"] = app.test_client()
    browsers["enrolling"] = _half_signed_in(app, db, "+84933000098", with_app=False)
    browsers["verifying"] = _half_signed_in(app, db, "+84933000099", with_app=True)
    return browsers


def measure(app, db, world, browsers) -> dict[str, int]:
    """Statements per page, each page opened by its actor(s) once before (so a page that keeps something
    in memory between requests is counted as most requests find it)."""
    counts = {}
    trainer_id = db.scalar(select(User.id).where(User.phone == TRAINER_PHONE))
    for endpoint, label, actor, path in _pages(app, world):
        browser = browsers[actor]
        headers = {"Authorization": "Bearer hs_x"} if actor == "token" else {}
        if endpoint not in SHOWN_ONCE:  # what a page keeps in memory between requests is in memory already
            browser.get(path, headers=headers).close()
        if endpoint == "author.show_code":  # shown once, after the code is issued
            page = f"/trainer/residents/{world.resident_id}"
            browser.post(page + "/codes", data={"csrf_token": csrf_token(browser, page)})
        if endpoint == "second_factor.recovery_codes":  # shown once, after new codes are made
            with browser.session_transaction() as cookie:
                cookie[NEW_RECOVERY_CODES] = {"user_id": trainer_id, "codes": ["ABCD-EFGH"] * 10, "next": "/me"}
        status = SENT_ON.get((endpoint, actor), 200)
        counts[label] = statements_of(app, browser, path, status=status, headers=headers)
    return counts


def _question(version_id: int, number: int) -> Question:
    question = Question(quiz_version_id=version_id, position=100 + number, kind="single",
                        text=f"Câu hỏi thêm {number}?")
    question.choices = [Choice(position=k, text=f"Ý {k}", is_correct=k == 0) for k in range(3)]
    return question


def _attempt(user_id: int, version: QuizVersion, key: str, assisted_by_id=None) -> QuizAttempt:
    attempt = QuizAttempt(user_id=user_id, quiz_version_id=version.id, idempotency_key=key, correct_count=0,
                          question_count=len(version.questions), percent=0, pass_mark=70, passed=False,
                          assisted_by_id=assisted_by_id)
    attempt.answers = [AttemptAnswer(question_id=q.id, choice_id=q.choices[-1].id) for q in version.questions]
    return attempt


def more_of_everything(db, world: World, start: int, count: int) -> None:
    """`count` more questions in every quiz, lessons, courses, residents (with their progress),
    classes, staff, villages and tokens, and more of the signed-in resident's own records."""
    home = db.get(Unit, world.village_id)
    resident = db.get(User, world.resident_id)
    trainer = db.scalar(select(User).where(User.phone == TRAINER_PHONE))
    alpha = db.get(Course, world.course_id)
    training = db.get(TrainingSession, world.session_id)
    for number in range(start, start + count):
        for version in db.scalars(select(QuizVersion).where(QuizVersion.is_current)):
            version.questions.append(_question(version.id, number))
        db.flush()
        first = db.get(QuizAttempt, world.attempt_id)  # the result page's attempt answers the new questions too
        first.answers.append(AttemptAnswer(question_id=alpha.current_quiz.questions[-1].id,
                                           choice_id=alpha.current_quiz.questions[-1].choices[0].id))
        lesson = Lesson(course_id=alpha.id, slug=f"bai-them-{number}", position=100 + number,
                        title=f"Bài thêm {number}", body_html="<p>Thêm.</p>", word_count=1)
        db.add(lesson)
        course = Course(slug=f"khoa-them-{number}", title=f"Khóa thêm {number}", track="digital-skills",
                        position=10 + number, status="published")
        course.lessons = [Lesson(slug="mot", position=1, title="Một", body_html="<p>Một.</p>")]
        course.quiz_versions = [QuizVersion(number=1, content_hash=f"them-{number}", is_current=True)]
        db.add(course)
        db.flush()
        course.quiz_versions[0].questions.append(_question(course.quiz_versions[0].id, number))
        db.flush()
        # The signed-in resident's own records.
        db.add(LessonView(user_id=resident.id, lesson_id=lesson.id))
        db.add(_attempt(resident.id, alpha.current_quiz, f"them-{number}"))
        db.add(_attempt(resident.id, course.quiz_versions[0], f"them-khoa-{number}", assisted_by_id=trainer.id))
        if number % 2:  # and some not, so that what a page shows for an unfinished course is counted too
            db.add(CourseCompletion(user_id=resident.id, course_id=course.id, completed_on=date(2026, 1, 2),
                                    method="assisted", recorded_by_id=trainer.id))
        db.add(AuditEvent(action="signed_in", actor_id=resident.id, subject_id=resident.id))
        db.add(OneTimeCode(user_id=resident.id, purpose="reset", code_hash=f"{number:064d}", issued_by_id=trainer.id,
                           expires_at=datetime(2026, 1, 1) + timedelta(days=number), voided_at=datetime(2026, 1, 1)))
        resident.consents.append(ConsentRecord(purpose="learning", notice_version="2026-01",
                                               withdrawn_at=datetime(2026, 1, 1)))
        # Other residents of the village, with progress of their own.
        neighbour = User(full_name=f"Nguyễn Văn Thêm {number}", phone=f"+8491200{number:04d}", password_hash="x",
                         session_token=new_session_token(), village_id=home.id, birth_date=date(1980, 1, 1),
                         sex="male", registered_by_id=trainer.id)
        neighbour.consents.append(ConsentRecord(purpose="learning", notice_version="2026-01"))
        db.add(neighbour)
        db.flush()
        db.add(LessonView(user_id=neighbour.id, lesson_id=lesson.id))
        db.add(_attempt(neighbour.id, alpha.current_quiz, f"lang-gieng-{number}"))
        db.add(ExternalTraining(user_id=neighbour.id, village_id=home.id, programme="binh-dan-hoc-vu-so",
                                certificate_number=f"SO-{number}", certified_on=date(2026, 1, 3),
                                recorded_by_id=trainer.id))
        db.add(AuditEvent(action="registered_in_person", actor_id=trainer.id, subject_id=neighbour.id))
        # Scam alerts for the village and the commune, some read by the neighbour, unread by the resident.
        for unit_id in (home.id, home.parent_id):
            alert = Alert(unit_id=unit_id, title=f"Cảnh báo {number}", body="x", body_html="<p>x</p>", advice="y",
                          posted_on=date(2026, 1, 1), expires_on=date(2099, 1, 1), created_by_id=trainer.id)
            db.add(alert)
            db.flush()
            db.add(AlertRead(alert_id=alert.id, user_id=neighbour.id))
        # Classes, staff, villages, tokens.
        held = TrainingSession(village_id=home.id, course_id=alpha.id, notes=f"Buổi {number}",
                               held_on=date(2026, 2, 1) + timedelta(days=number), created_by_id=trainer.id)
        held.attendances = [TrainingAttendance(user_id=resident.id), TrainingAttendance(user_id=neighbour.id)]
        db.add(held)
        training.attendances.append(TrainingAttendance(user_id=neighbour.id))
        for role, unit_id in (("trainer", home.id), ("official", home.parent_id)):
            colleague = User(full_name=f"Cán bộ thêm {number}", phone=f"+849440{number:02d}{len(role):03d}",
                             password_hash="x", session_token=new_session_token())
            colleague.assignments.append(RoleAssignment(role=role, unit_id=unit_id))
            db.add(enroll_second_factor(colleague))
            db.flush()
            db.add(AuditEvent(action="signed_in", actor_id=colleague.id, subject_id=colleague.id))
        village = add_unit(db, kind="village", name=f"Thôn thêm {number}", parent=home.parent)
        db.add(PopulationFigure(village_id=village.id, year=2026, total=40))
        db.add(ApiToken(name=f"Thêm {number}", token_hash=hash_token(f"hs_them{number}"), prefix=f"hs_them{number}",
                        unit_id=home.parent_id))
        db.flush()
    db.commit()


def posts(app, db, world, browsers, turn: int) -> dict[str, int]:
    """The POSTs residents and trainers make most, each doing the same work on both turns."""
    resident, trainer, newcomer = browsers["resident"], browsers["trainer_here"], app.test_client()
    quiz = f"/trainer/residents/{world.resident_id}/courses/{world.course_id}/quiz"
    hidden = dict(re.findall(r'<input[^>]*name="(csrf_token|idempotency_key|quiz_version_id)"[^>]*value="([^"]*)"',
                             trainer.get(quiz).get_data(as_text=True)))
    lesson = f"/courses/alpha/lessons/{('mo-dau', 'tiep-theo')[turn]}"  # one not read yet
    sent = {
        "learn.submit_quiz as resident": (resident, "/courses/alpha/quiz", 303,
                                          {**quiz_form(resident, "alpha"), **answers(db, "alpha", right=False)}),
        "learn.read_lesson as resident": (resident, f"{lesson}/read", 303,
                                          {"csrf_token": csrf_token(resident, lesson)}),
        "auth.export_data as resident": (resident, "/me/data.json", 200, {"csrf_token": csrf_token(resident, "/me")}),
        "author.submit_assisted_quiz as trainer_here": (trainer, quiz, 303, {
            **hidden, **answers(db, "alpha", right=False), "lessons_covered": "y"}),
        "auth.register as anonymous": (newcomer, "/register", 302, {
            "full_name": "Trần Thị Mới", "phone": f"090000000{turn}", "birth_date": "1980-01-01", "sex": "female",
            "village_id": str(world.village_id), "password": PASSWORD, "consent": "y",
            "csrf_token": csrf_token(newcomer, "/register")}),
    }
    return {f"POST {label}": statements_of(app, browser, path, "POST", status, data=data)
            for label, (browser, path, status, data) in sent.items()}


def test_every_page_runs_as_many_statements_with_five_of_everything(app, db, world):
    browsers = _browsers(app, db)
    more_of_everything(db, world, 0, 1)
    small = measure(app, db, world, browsers) | posts(app, db, world, browsers, 0)
    more_of_everything(db, world, 1, 4)
    large = measure(app, db, world, browsers) | posts(app, db, world, browsers, 1)
    grown = {key: f"{small[key]} -> {large[key]}" for key in small if large[key] != small[key]}
    assert grown == {}, "a statement per row on these pages: load the rows with their page (selectinload, one query)"
    assert small.keys() - CEILING.keys() == set(), "new pages: add their statement counts to CEILING"
    over = {key: f"{large[key]} > {CEILING[key]}" for key in large if large[key] > CEILING[key]}
    assert over == {}, "more statements than before on these pages"
