"""`elearn demo`: a made-up commune or province whose rows are the ones real use writes."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from elearn.models import (AuditEvent, Certificate, ConsentRecord, Course, CourseActivity, CourseCompletion, Lesson,
                           LessonView, PopulationFigure, QuestionStat, Question, QuizAttempt, QuizVersion, RequiredSet,
                           SurveyResponse, TrainedResident, Unit, User)
from elearn.training.ages import is_labour_age, labour_age_window
from tests.conftest import csrf_token


SUMMARY = {
    "registered": r"([\d,]+) registered", "erased": r"([\d,]+) erased", "trained": r"trained: ([\d,]+)",
    "completions": r"course completions: ([\d,]+)", "erased completions": r"\(\+ ([\d,]+) by erased",
    "lessons opened": r"lessons opened: ([\d,]+)", "attempts": r"quiz attempts: ([\d,]+)",
}


def run_demo(runner, *args: str) -> dict:
    """Run the command; its printed numbers, sample phone, password and unit."""
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    output = result.output
    numbers = {key: int(re.search(pattern, output).group(1).replace(",", "")) for key, pattern in SUMMARY.items()}
    return {**numbers, "output": output, "phone": re.search(r"phone (\d{4} \d{3} \d{3})", output).group(1),
            "password": re.search(r"password: (\S+)", output).group(1),
            "root": int(re.search(r"\(unit (\d+)\)", output).group(1))}


def local_today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


@pytest.fixture
def commune(runner, courses):
    return run_demo(runner, "--residents", "1000", "--seed", "7")


def subtree(db, root_id: int) -> list[Unit]:
    root = db.get(Unit, root_id)
    return db.scalars(select(Unit).where(Unit.path.like(root.path + "%")).order_by(Unit.id)).all()


def test_the_commune_and_its_villages_are_marked_demo_with_paths_from_the_root(db, commune):
    units = subtree(db, commune["root"])
    commune_unit = db.get(Unit, commune["root"])
    province = commune_unit.parent
    villages = [unit for unit in units if unit.kind == "village"]
    assert commune_unit.kind == "commune" and province.kind == "province"
    assert len(villages) >= 3 and all(village.parent_id == commune_unit.id for village in villages)
    for unit in [province, *units]:
        assert unit.is_demo and "mẫu" in unit.name.lower()
        parent_path = unit.parent.path if unit.parent else "/"
        assert unit.path == f"{parent_path}{unit.id}/"


def test_residents_are_registered_as_the_registration_form_registers_them(app, db, commune):
    users = db.scalars(select(User)).all()
    assert len(users) == commune["registered"] == 1000
    villages = {unit.id for unit in subtree(db, commune["root"]) if unit.kind == "village"}
    assert all(user.is_demo and user.village_id in villages and user.phone.startswith("+847") for user in users)
    assert len({user.session_token for user in users}) == len(users)
    sexes = {sex: sum(user.sex == sex for user in users) for sex in ("female", "male")}
    assert 400 < sexes["female"] < 600
    ages = [(local_today() - user.birth_date).days // 365 for user in users]
    assert min(ages) >= 15 and max(ages) <= 81
    learning = db.scalars(select(ConsentRecord).where(ConsentRecord.purpose == "learning")).all()
    assert sorted(consent.user_id for consent in learning) == sorted(user.id for user in users)
    assert {consent.notice_version for consent in learning} == {app.config["PRIVACY_NOTICE_VERSION"]}
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "registered")) == 1000 + commune[
        "erased"]


def test_every_village_has_three_years_of_figures_above_its_registered_labour_age(db, commune):
    users = db.scalars(select(User)).all()
    today = local_today()
    registered = defaultdict(int)
    for user in users:
        registered[user.village_id] += is_labour_age(user.birth_date, user.sex, today)
    villages = [unit for unit in subtree(db, commune["root"]) if unit.kind == "village"]
    for village in villages:
        figures = db.scalars(select(PopulationFigure).where(PopulationFigure.village_id == village.id)
                             .order_by(PopulationFigure.year)).all()
        assert [figure.year for figure in figures] == [today.year - 2, today.year - 1, today.year]
        assert all(figure.male + figure.female == figure.total for figure in figures)
        assert figures[-1].total > registered[village.id]
        assert "mẫu" in figures[-1].source


def test_trained_residents_have_a_certificate_and_their_labour_age_window(db, commune):
    rows = db.scalars(select(TrainedResident)).all()
    assert len(rows) == commune["trained"] and rows
    required = db.scalar(select(RequiredSet))
    alpha_beta = sorted(db.scalars(select(Course.id).where(Course.required.is_(True))))
    assert required.course_ids == alpha_beta and {row.required_set_id for row in rows} == {required.id}
    linked = [row for row in rows if row.user_id is not None]
    assert 0 < len(rows) - len(linked) <= commune["erased"]  # erased residents' rows stay, unlinked
    certificates = {c.user_id: c for c in db.scalars(select(Certificate))}
    assert set(certificates) == {row.user_id for row in linked}
    assert len({c.code for c in certificates.values()}) == len(certificates)
    for row in linked:
        user = db.get(User, row.user_id)
        completions = db.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user.id,
                                                                CourseCompletion.course_id.in_(alpha_beta))).all()
        assert len(completions) == len(alpha_beta)
        assert row.trained_on == certificates[user.id].trained_on == max(c.completed_on for c in completions)
        assert row.method == ("assisted" if any(c.method == "assisted" for c in completions) else "self")
        assert (row.village_id, row.sex) == (user.village_id, user.sex)
        assert (row.labour_age_from, row.labour_age_until) == labour_age_window(user.birth_date, user.sex)
        assert row.trained_on >= user.created_at.date()


def test_a_completion_has_every_lesson_opened_and_a_passing_attempt(db, commune):
    lessons = defaultdict(set)
    for lesson in db.scalars(select(Lesson).where(Lesson.is_active.is_(True))):
        lessons[lesson.course_id].add(lesson.id)
    questions = dict(db.execute(select(QuizVersion.course_id, func.count(Question.id)).join(Question)
                                .where(QuizVersion.is_current.is_(True)).group_by(QuizVersion.course_id)).all())
    opened = defaultdict(set)
    for user_id, lesson_id in db.execute(select(LessonView.user_id, LessonView.lesson_id)):
        opened[user_id].add(lesson_id)
    completions = db.scalars(select(CourseCompletion)).all()
    assert len(completions) == commune["completions"]
    for completion in completions:
        attempt = db.get(QuizAttempt, completion.attempt_id)
        course = db.get(Course, completion.course_id)
        assert lessons[course.id] <= opened[completion.user_id]
        assert attempt.user_id == completion.user_id and attempt.passed
        assert attempt.question_count == questions[course.id] and attempt.pass_mark == course.pass_mark
        assert attempt.percent == attempt.correct_count * 100 // attempt.question_count >= course.pass_mark
        assert attempt.submitted_at.date() <= completion.completed_on  # stored in UTC, the day is local


def test_counters_agree_with_what_residents_did(db, commune):
    completed = db.scalar(select(func.sum(CourseActivity.completed_self + CourseActivity.completed_assisted)))
    assert completed == commune["completions"] + commune["erased completions"]
    assisted = db.scalar(select(func.sum(CourseActivity.completed_assisted)))
    assert assisted >= db.scalar(select(func.count()).where(CourseCompletion.method == "assisted")) > 0
    assert all(row.month.day == 1 for row in db.scalars(select(CourseActivity)))
    started_pairs = select(LessonView.user_id, Lesson.course_id).join(Lesson).distinct().subquery()
    tried_pairs = select(QuizAttempt.user_id, QuizVersion.course_id).join(QuizVersion).distinct().subquery()
    started, first_attempts = db.execute(select(func.sum(CourseActivity.started),
                                                func.sum(CourseActivity.first_attempts))).one()
    # The erased residents' part stays in the counters: at least what the remaining residents did.
    assert started >= db.scalar(select(func.count()).select_from(started_pairs)) > 0
    assert first_attempts >= db.scalar(select(func.count()).select_from(tried_pairs)) > 0
    attempts = db.scalar(select(func.count(QuizAttempt.id)))
    assert attempts <= commune["attempts"]
    per_question = db.execute(select(Question.quiz_version_id, QuestionStat.question_id,
                                     func.sum(QuestionStat.answered), func.sum(QuestionStat.wrong))
                              .join(Question, Question.id == QuestionStat.question_id)
                              .group_by(Question.quiz_version_id, QuestionStat.question_id)).all()
    answered_per_quiz = defaultdict(set)
    for version_id, _question, answered, wrong in per_question:
        answered_per_quiz[version_id].add(answered)
        assert 0 <= wrong < answered
    assert all(len(counts) == 1 for counts in answered_per_quiz.values())  # every attempt answers every question
    assert sum(counts.pop() for counts in answered_per_quiz.values()) == commune["attempts"]
    assert len({round(wrong / answered, 2) for *_, answered, wrong in per_question}) > 1


def test_a_share_of_residents_answered_the_survey(db, commune):
    answers = db.scalars(select(SurveyResponse)).all()
    assert 200 < len(answers) < 400
    smartphones = [a.has_smartphone for a in answers if a.has_smartphone is not None]
    assert 0.7 < sum(smartphones) / len(smartphones) <= 1
    assert any(a.has_bank_account is None for a in answers)
    assert all(a.answered_on <= local_today() for a in answers)


def test_a_demo_resident_signs_in_with_the_printed_password(client, commune):
    data = {"phone": commune["phone"], "password": commune["password"], "csrf_token": csrf_token(client, "/sign-in")}
    response = client.post("/sign-in", data=data)
    assert response.status_code == 302
    assert client.get("/progress").status_code == 200


def test_the_same_seed_gives_the_same_commune(runner, db, courses):
    first = run_demo(runner, "--residents", "300", "--seed", "11")
    second = run_demo(runner, "--residents", "300", "--seed", "11")
    other = run_demo(runner, "--residents", "300", "--seed", "12")

    def people(result):
        villages = select(Unit.id).where(Unit.path.like(db.get(Unit, result["root"]).path + "%"))
        return sorted(db.execute(select(User.full_name, User.birth_date, User.sex, User.created_at)
                                 .where(User.village_id.in_(villages))).all())

    numbers = ("registered", "erased", "trained", "completions", "lessons opened", "attempts")
    assert [first[key] for key in numbers] == [second[key] for key in numbers]
    assert people(first) == people(second) != people(other)
    assert len({first["phone"], second["phone"]}) == 2  # phones go on where the last run stopped


def test_a_demo_province_has_communes_of_villages(runner, db, courses):
    result = run_demo(runner, "--residents", "600", "--province", "--seed", "3")
    province = db.get(Unit, result["root"])
    assert province.kind == "province" and province.is_demo and "Demo province" in result["output"]
    units = subtree(db, province.id)
    communes = [unit for unit in units if unit.kind == "commune"]
    villages = [unit for unit in units if unit.kind == "village"]
    assert len(communes) == 2 and len(villages) >= 6
    assert all(unit.path == f"{unit.parent.path}{unit.id}/" for unit in communes + villages)
    figured = set(db.scalars(select(PopulationFigure.village_id)))
    assert figured == {village.id for village in villages}
    assert db.scalar(select(func.count(User.id))) == 600


def test_no_row_points_at_a_missing_one(db, commune):
    # On PostgreSQL the generator skips the per-row foreign-key triggers: nothing may dangle.
    checks = [(LessonView.user_id, User.id), (LessonView.lesson_id, Lesson.id), (QuizAttempt.user_id, User.id),
              (CourseCompletion.attempt_id, QuizAttempt.id), (CourseCompletion.user_id, User.id),
              (Certificate.user_id, User.id), (ConsentRecord.user_id, User.id), (User.village_id, Unit.id),
              (TrainedResident.village_id, Unit.id), (SurveyResponse.village_id, Unit.id)]
    for column, target in checks:
        dangling = db.scalar(select(func.count()).select_from(column.table).where(
            column.is_not(None), column.not_in(select(target))))
        assert dangling == 0, column


def test_without_courses_the_command_says_to_prepare_first(runner, db):
    result = runner.invoke(args=["demo", "--residents", "100"])
    assert result.exit_code == 1
    assert "elearn prepare" in result.output
    assert db.scalar(select(func.count(Unit.id))) == 0 and db.scalar(select(func.count(User.id))) == 0


def test_a_weak_password_is_refused(runner, db, courses):
    result = runner.invoke(args=["demo", "--residents", "10", "--password", "12345678"])
    assert result.exit_code == 1 and "password refused" in result.output
    assert db.scalar(select(func.count(User.id))) == 0


def test_the_demo_fills_the_monthly_trend_counters_from_its_trained_rows(runner, db, courses):
    from elearn.models import TrainedMonth, TrainedResident

    assert runner.invoke(args=["demo", "--residents", "300", "--password", "mau hoc so 2026"]).exit_code == 0
    assert db.scalar(select(func.sum(TrainedMonth.newly))) == db.scalar(select(func.count(TrainedResident.id)))
