"""Who is trained: the required set of the day, the certificate, and the row reports count."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.db import insert_new
from elearn.models import Course, CourseCompletion, RequiredSet, TrainedResident, User
from elearn.training.ages import labour_age_window


def required_courses(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).where(Course.required.is_(True), Course.is_published.is_(True))
                                .order_by(Course.position, Course.title)))


def current_required_set(session: Session) -> RequiredSet:
    """The row for today's required courses, added the first time this set is seen."""
    courses = required_courses(session)
    ids = sorted(course.id for course in courses)
    key = ",".join(str(i) for i in ids)
    found = session.scalar(select(RequiredSet).where(RequiredSet.course_key == key))
    if found is None:
        insert_new(session, RequiredSet, {"course_key": key, "course_ids": ids,
                                          "course_titles": [c.title for c in courses]}, unique=("course_key",))
        found = session.scalar(select(RequiredSet).where(RequiredSet.course_key == key))
    return found


def _window(user: User) -> tuple[date | None, date | None]:
    if user.birth_date is None or user.sex is None:
        return None, None
    return labour_age_window(user.birth_date, user.sex)


def record_trained(session: Session, user: User, trained_on: date, required_set: RequiredSet) -> None:
    """The report row of a newly trained resident (none for staff with no village)."""
    if user.village_id is None:
        return
    methods = set(session.scalars(select(CourseCompletion.method).where(
        CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(required_set.course_ids))))
    labour_from, labour_until = _window(user)
    insert_new(session, TrainedResident, {
        "user_id": user.id, "village_id": user.village_id, "sex": user.sex, "trained_on": trained_on,
        "method": "assisted" if "assisted" in methods else "self",
        "labour_age_from": labour_from, "labour_age_until": labour_until, "required_set_id": required_set.id,
    }, unique=("user_id",))


def correct_trained_record(session: Session, user: User) -> None:
    """A resident corrected their village, sex or birth date: the row follows (a data correction,
    not a new training)."""
    record = session.scalar(select(TrainedResident).where(TrainedResident.user_id == user.id))
    if record is None or user.village_id is None:
        return
    record.village_id, record.sex = user.village_id, user.sex
    record.labour_age_from, record.labour_age_until = _window(user)
