"""Learning: lessons opened, quiz attempts, completions, certificates. Plain values in, no Flask."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from elearn.audit import audit
from elearn.db import insert_new
from elearn.models import (AttemptAnswer, Certificate, Course, CourseCompletion, Lesson, LessonView, Question,
                           QuizAttempt, QuizVersion, RequiredSet, SurveyResponse, User)
from elearn.problems import Problem, Refused
from elearn.records import activity, trained
from elearn.routing import MAX_ID
from elearn.training import completion, draws, scoring

# No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken.
CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CERTIFICATE_CODE_LENGTH = 12  # about 59 bits; the verify page is rate-limited


class IdempotencyKeyTaken(Refused):
    """The form's key was already used by someone else: never show or record their attempt."""

    def __init__(self):
        super().__init__(Problem("key_taken", "idempotency_key"))


class Unanswered(Refused):
    """Questions left without an answer: one problem per question, on its field `q<id>`."""

    def __init__(self, question_ids: list[int]):
        super().__init__([Problem("unanswered", f"q{qid}", values={"question_id": qid}) for qid in question_ids])
        self.question_ids = question_ids


@dataclass(frozen=True)
class CourseProgress:
    lessons_total: int
    lessons_viewed: int
    best_percent: int | None
    passed: bool
    completed_on: date | None

    @property
    def percent(self) -> int:
        if self.completed_on:
            return 100  # an assisted completion is complete without lessons opened on this account
        steps_done = self.lessons_viewed + (1 if self.passed else 0)
        return completion.progress_percent(steps_done, self.lessons_total + 1)


def published_courses(session: Session) -> list[Course]:
    return list(session.scalars(
        select(Course).where(Course.is_published).order_by(Course.position, Course.title)
        .options(selectinload(Course.lessons))))


def published_course(session: Session, slug: str) -> Course | None:
    return session.scalar(select(Course).where(Course.slug == slug, Course.is_published)
                          .options(joinedload(Course.lessons)))


def next_required_course(session: Session, user_id: int) -> Course | None:
    """The first published required course (in the course list's order) the user has not completed."""
    done = select(CourseCompletion.course_id).where(CourseCompletion.user_id == user_id)
    return session.scalar(select(Course).where(Course.is_published, Course.required, Course.id.not_in(done))
                          .order_by(Course.position, Course.title).limit(1))


def active_lesson(course: Course, lesson_slug: str) -> Lesson | None:
    return next((lesson for lesson in course.active_lessons if lesson.slug == lesson_slug), None)


def viewed_lesson_ids(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(LessonView.lesson_id).where(LessonView.user_id == user_id)))


def progress_by_course(session: Session, user_id: int, courses: list[Course],
                       viewed: set[int] | None = None) -> dict[int, CourseProgress]:
    """`viewed`: the user's viewed_lesson_ids, when the caller has them already."""
    if viewed is None:
        viewed = viewed_lesson_ids(session, user_id)
    attempts = session.execute(
        select(QuizVersion.course_id, func.max(QuizAttempt.percent), func.max(case((QuizAttempt.passed, 1), else_=0)))
        .join(QuizAttempt.quiz_version).where(QuizAttempt.user_id == user_id).group_by(QuizVersion.course_id)).all()
    best = {course_id: percent for course_id, percent, _passed in attempts}
    passed = {course_id for course_id, _percent, any_passed in attempts if any_passed}
    completed = dict(session.execute(
        select(CourseCompletion.course_id, CourseCompletion.completed_on).where(CourseCompletion.user_id == user_id)
    ).all())
    result = {}
    for course in courses:
        lesson_ids = {lesson.id for lesson in course.active_lessons}
        result[course.id] = CourseProgress(
            lessons_total=len(lesson_ids),
            lessons_viewed=len(lesson_ids & viewed),
            best_percent=best.get(course.id),
            passed=course.id in passed,
            completed_on=completed.get(course.id),
        )
    return result


def record_lesson_view(session: Session, user: User, lesson: Lesson, today: date) -> None:
    # One statement on a repeat visit; the same lesson opened twice at once is recorded once.
    if insert_new(session, LessonView, {"user_id": user.id, "lesson_id": lesson.id},
                  unique=("user_id", "lesson_id")) is None:
        return
    opened_in_course = session.scalar(select(func.count(LessonView.id)).join(LessonView.lesson).where(
        LessonView.user_id == user.id, Lesson.course_id == lesson.course_id))
    if opened_in_course == 1 and not _completed(session, user, lesson.course_id):
        # (An assisted completion before any lesson opened here already counted the start.)
        activity.count_started(session, user.village_id, lesson.course_id, today)
    update_completion(session, user, lesson.course, today)


def quiz_keys(questions: list[Question]) -> list[scoring.QuestionKey]:
    return [
        scoring.QuestionKey(
            question_id=q.id, kind=q.kind,
            choice_ids=frozenset(c.id for c in q.choices),
            correct_ids=frozenset(c.id for c in q.choices if c.is_correct),
        )
        for q in questions
    ]


def attempt_questions(session: Session, user: User, version: QuizVersion) -> list[Question]:
    """The questions of this person's next attempt on this version: the whole quiz, or a draw from its pool."""
    if not version.questions_per_attempt or version.questions_per_attempt >= len(version.questions):
        return list(version.questions)
    made = session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user.id,
                                                                   QuizAttempt.quiz_version_id == version.id))
    ids = set(draws.draw([q.id for q in version.questions], version.questions_per_attempt, user.id, version.id,
                         made or 0))
    return [q for q in version.questions if q.id in ids]


def answered_questions(attempt: QuizAttempt) -> list[Question]:
    """The questions an attempt was given: every one it was given is answered (a blank is refused)."""
    answered = {answer.question_id for answer in attempt.answers}
    return [q for q in attempt.quiz_version.questions if q.id in answered]


# A quiz is shown and scored whole: its questions and their choices come in two statements, not one per question.
WITH_QUESTIONS = selectinload(QuizVersion.questions).selectinload(Question.choices)


def current_quiz(session: Session, course: Course) -> QuizVersion | None:
    """The version residents take today, with its questions and choices."""
    return session.scalar(select(QuizVersion).where(QuizVersion.course_id == course.id, QuizVersion.is_current)
                          .order_by(QuizVersion.number).limit(1).options(WITH_QUESTIONS))


def quiz_version_for(session: Session, course: Course, version_id: int | None) -> QuizVersion | None:
    """The version the form was built from (it may have changed since), else the current one."""
    if version_id:
        if version_id > MAX_ID:  # a forged number the database could not even compare
            return None
        # A query, not session.get: the version may be in the session already, its questions not loaded.
        return session.scalar(select(QuizVersion).options(WITH_QUESTIONS)
                              .where(QuizVersion.id == version_id, QuizVersion.course_id == course.id))
    return current_quiz(session, course)


def attempt_by_key(session: Session, user: User, key: str, assisted_by_id: int | None = None) -> QuizAttempt | None:
    attempt = session.scalar(select(QuizAttempt).where(QuizAttempt.idempotency_key == key))
    if attempt is not None and (attempt.user_id != user.id or attempt.assisted_by_id != assisted_by_id):
        raise IdempotencyKeyTaken()
    return attempt


def submit_attempt(session: Session, user: User, course: Course, version: QuizVersion,
                   answers: dict[int, set[int]], idempotency_key: str, today: date,
                   assisted_by_id: int | None = None) -> QuizAttempt:
    """Score and store one attempt; the same key again returns the first attempt.

    `assisted_by_id`: the trainer on whose phone, with whose help, the resident answered ("Làm bài
    cùng người dân"); a pass then completes the course as an assisted completion.
    Raises Refused: IdempotencyKeyTaken, scoring.AnswerProblem (a post no real form sends) or Unanswered.
    """
    earlier = attempt_by_key(session, user, idempotency_key, assisted_by_id)
    if earlier is not None:
        return earlier
    keys = quiz_keys(attempt_questions(session, user, version))
    scoring.check_answers(keys, answers)
    missing = scoring.unanswered(keys, answers)
    if missing:
        raise Unanswered(missing)
    result = scoring.score(keys, answers, course.pass_mark)
    attempt_id = insert_new(session, QuizAttempt, {
        "user_id": user.id, "quiz_version_id": version.id, "idempotency_key": idempotency_key,
        "correct_count": result.correct, "question_count": result.total, "percent": result.percent,
        "pass_mark": course.pass_mark, "passed": result.passed, "assisted_by_id": assisted_by_id,
    }, unique=("idempotency_key",))
    if attempt_id is None:  # a double tap that raced past the first check
        earlier = attempt_by_key(session, user, idempotency_key, assisted_by_id)
        if earlier is None:
            raise IdempotencyKeyTaken()
        return earlier
    rows = [{"attempt_id": attempt_id, "question_id": question_id, "choice_id": choice_id}
            for question_id, picked in answers.items() for choice_id in sorted(picked)]
    if rows:  # one executemany, not an INSERT per chosen answer
        session.execute(insert(AttemptAnswer), rows)
    activity.count_answers(session, user.village_id, [key.question_id for key in keys], result.right_questions)
    attempts_on_course = session.scalar(select(func.count(QuizAttempt.id)).join(QuizAttempt.quiz_version).where(
        QuizAttempt.user_id == user.id, QuizVersion.course_id == course.id))
    if attempts_on_course == 1:
        activity.count_first_attempt(session, user.village_id, course.id, today, result.passed)
    session.flush()
    attempt = session.get(QuizAttempt, attempt_id)
    if assisted_by_id is not None:
        audit(session, "assisted_attempt", actor_id=assisted_by_id, subject_id=user.id, course_id=course.id,
              attempt_id=attempt.id, passed=attempt.passed)
        if attempt.passed:
            record_assisted_completion(session, user, course, today, attempt, assisted_by_id)
    elif attempt.passed:
        update_completion(session, user, course, today, attempt)
    return attempt


def _completed(session: Session, user: User, course_id: int) -> bool:
    return session.scalar(select(CourseCompletion.id).where(CourseCompletion.user_id == user.id,
                                                            CourseCompletion.course_id == course_id)) is not None


def record_assisted_completion(session: Session, user: User, course: Course, today: date, attempt: QuizAttempt,
                               trainer_id: int) -> bool:
    """The course completed with a trainer's help: the resident passed the quiz on the trainer's
    phone, after the trainer went through the lessons with them (the trainer confirms this on the
    quiz form). The resident opened no lesson on their own account, so lessons are not checked.
    Counted apart from self-study; the certificate follows when every required course is done.
    False when the course was already completed (by self-study or an earlier assisted attempt)."""
    if insert_new(session, CourseCompletion, {"user_id": user.id, "course_id": course.id, "completed_on": today,
                                              "method": "assisted", "attempt_id": attempt.id,
                                              "recorded_by_id": trainer_id},
                  unique=("user_id", "course_id")) is None:
        return False
    opened = session.scalar(select(func.count(LessonView.id)).join(LessonView.lesson).where(
        LessonView.user_id == user.id, Lesson.course_id == course.id))
    if not opened:  # never counted as started on self-study: it starts and ends today
        activity.count_started(session, user.village_id, course.id, today)
    activity.count_completed(session, user.village_id, course.id, today, "assisted")
    audit(session, "assisted_completion", actor_id=trainer_id, subject_id=user.id, course_id=course.id,
          attempt_id=attempt.id)
    issue_certificate_if_trained(session, user)
    return True


def update_completion(session: Session, user: User, course: Course, today: date,
                      attempt: QuizAttempt | None = None) -> None:
    """Record the course as completed once every lesson is opened and the quiz passed."""
    if session.scalar(select(CourseCompletion.id).where(CourseCompletion.user_id == user.id,
                                                         CourseCompletion.course_id == course.id)):
        return
    if attempt is None:
        attempt = session.scalar(
            select(QuizAttempt).join(QuizAttempt.quiz_version)
            .where(QuizAttempt.user_id == user.id, QuizVersion.course_id == course.id, QuizAttempt.passed.is_(True))
            .order_by(QuizAttempt.id).limit(1))
    done = completion.course_completed(
        [lesson.id for lesson in course.active_lessons], viewed_lesson_ids(session, user.id), attempt is not None)
    if not done:
        return
    if insert_new(session, CourseCompletion, {"user_id": user.id, "course_id": course.id, "completed_on": today,
                                              "method": "self", "attempt_id": attempt.id},
                  unique=("user_id", "course_id")) is None:
        return
    activity.count_completed(session, user.village_id, course.id, today, "self")
    issue_certificate_if_trained(session, user)


def date_trained(session: Session, user: User, required_set: RequiredSet) -> date | None:
    completions = dict(session.execute(
        select(CourseCompletion.course_id, CourseCompletion.completed_on).where(CourseCompletion.user_id == user.id)
    ).all())
    return completion.trained_on(required_set.course_ids, completions)


def trained_without_certificate(session: Session, user: User) -> bool:
    """Every course required today is completed, yet no certificate (the required courses changed
    after the last completion). Reads only: issuing is issue_certificate_if_trained, on a POST."""
    if certificate_of(session, user) is not None:
        return False
    completions = dict(session.execute(
        select(CourseCompletion.course_id, CourseCompletion.completed_on).where(CourseCompletion.user_id == user.id)
    ).all())
    return completion.trained_on([course.id for course in trained.required_courses(session)], completions) is not None


def issue_certificate_if_trained(session: Session, user: User) -> Certificate | None:
    """Once every course of today's required set is completed: the certificate, and the row the
    officials' reports count. Both are issued once; a later change of the set changes neither."""
    existing = certificate_of(session, user)
    if existing is not None:
        return existing
    required_set = trained.current_required_set(session)
    day = date_trained(session, user, required_set)
    if day is None:
        return None
    issued = insert_new(session, Certificate, {"user_id": user.id, "code": new_certificate_code(), "trained_on": day,
                                               "required_set_id": required_set.id}, unique=("user_id",))
    if issued is not None:
        trained.record_trained(session, user, day, required_set)
    return certificate_of(session, user)


def certificate_of(session: Session, user: User) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.user_id == user.id))


def new_certificate_code() -> str:
    return "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(CERTIFICATE_CODE_LENGTH))


def normalize_certificate_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def find_certificate(session: Session, raw_code: str) -> tuple[Certificate, User] | None:
    code = normalize_certificate_code(raw_code)
    row = session.execute(
        select(Certificate, User).join(User, User.id == Certificate.user_id).where(Certificate.code == code)).first()
    return (row[0], row[1]) if row else None


def initials(full_name: str) -> str:
    """'Nguyễn Văn An' -> 'N. V. A.': enough to match a paper, not enough to identify."""
    return " ".join(part[0].upper() + "." for part in full_name.split() if part)


def attempt_of(session: Session, user: User, course: Course, attempt_id: int) -> QuizAttempt | None:
    """The attempt with its answers, and its quiz version's questions and choices (the result page shows them all)."""
    attempt = session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id).options(
        selectinload(QuizAttempt.answers), joinedload(QuizAttempt.quiz_version).options(WITH_QUESTIONS)))
    if attempt is None or attempt.user_id != user.id or attempt.quiz_version.course_id != course.id:
        return None
    return attempt


def attempt_review(attempt: QuizAttempt) -> tuple[dict[int, set[int]], frozenset[int]]:
    """The choices picked per question, and the questions answered right, by the scoring rule itself."""
    picked: dict[int, set[int]] = {}
    for answer in attempt.answers:
        picked.setdefault(answer.question_id, set()).add(answer.choice_id)
    return picked, scoring.score(quiz_keys(answered_questions(attempt)), picked, attempt.pass_mark).right_questions


def survey_of(session: Session, user: User) -> SurveyResponse | None:
    return session.scalar(select(SurveyResponse).where(SurveyResponse.user_id == user.id))


def save_survey(session: Session, user: User, answers: dict[str, bool | None], today: date) -> None:
    """The resident's own answers, replacing earlier ones; counted under their village."""
    response = survey_of(session, user)
    if response is None:
        response = SurveyResponse(user_id=user.id, village_id=user.village_id)
        session.add(response)
    for name, value in answers.items():
        setattr(response, name, value)
    response.village_id, response.answered_on = user.village_id, today
    session.flush()
