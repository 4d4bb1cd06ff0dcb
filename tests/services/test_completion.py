"""Completing a course and becoming trained, through learn.services: every lesson read and the quiz
passed completes a course; every required course completed issues the certificate, once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from elearn.learn import services
from elearn.models import Certificate, CourseActivity, CourseCompletion, TrainedResident
from tests.services.conftest import TODAY, course, read_every_lesson, submit_quiz


def completed(db, user) -> dict[str, str]:
    return {c.course.slug: c.method for c in db.scalars(select(CourseCompletion).where(
        CourseCompletion.user_id == user.id))}


def test_a_passed_quiz_completes_the_course_only_once_every_lesson_is_read(db, lan):
    first, second = course(db, "alpha").active_lessons
    services.record_lesson_view(db, lan, first, TODAY)
    submit_quiz(db, lan, "alpha")
    assert completed(db, lan) == {}
    services.record_lesson_view(db, lan, second, TODAY)  # the last lesson, read after passing
    assert completed(db, lan) == {"alpha": "self"}
    activity = db.scalar(select(CourseActivity).where(CourseActivity.course_id == course(db, "alpha").id))
    assert (activity.started, activity.completed_self) == (1, 1)


def test_a_failed_quiz_completes_nothing(db, lan):
    read_every_lesson(db, lan, "alpha")
    submit_quiz(db, lan, "alpha", right=False)
    assert completed(db, lan) == {}


def test_update_completion_records_a_course_once(db, lan):
    read_every_lesson(db, lan, "alpha")
    submit_quiz(db, lan, "alpha")
    alpha = course(db, "alpha")
    services.update_completion(db, lan, alpha, TODAY + timedelta(days=1))
    services.update_completion(db, lan, alpha, TODAY + timedelta(days=2))
    assert db.scalar(select(func.count(CourseCompletion.id))) == 1
    assert db.scalar(select(CourseCompletion.completed_on)) == TODAY
    assert db.scalar(select(CourseActivity.completed_self)) == 1


def test_the_certificate_comes_with_the_last_required_course_and_is_issued_once(db, lan):
    read_every_lesson(db, lan, "alpha")
    submit_quiz(db, lan, "alpha")
    assert services.certificate_of(db, lan) is None  # "beta" is required too
    later = TODAY + timedelta(days=5)
    read_every_lesson(db, lan, "beta", later)
    submit_quiz(db, lan, "beta", day=later)
    certificate = services.certificate_of(db, lan)
    assert certificate is not None and certificate.trained_on == later
    assert len(certificate.code) == services.CERTIFICATE_CODE_LENGTH
    assert set(certificate.code) <= set(services.CERTIFICATE_ALPHABET)
    trained = db.scalar(select(TrainedResident))
    assert (trained.user_id, trained.trained_on, trained.method) == (lan.id, later, "self")
    assert services.issue_certificate_if_trained(db, lan) is certificate
    assert db.scalar(select(func.count(Certificate.id))) == 1
    assert db.scalar(select(func.count(TrainedResident.id))) == 1
