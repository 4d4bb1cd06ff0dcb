"""Who is trained: the required set of the day, the certificate, and the row reports count."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.db import add_to_counters, insert_new
from elearn.models import Course, CourseCompletion, RequiredSet, TrainedMonth, TrainedResident, User
from elearn.problems import Problem, Refused
from elearn.records.external import correct_external_record, mark_trained_here
from elearn.training.ages import labour_age_window


def required_courses(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).where(Course.required.is_(True), Course.is_published)
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
        found = session.scalars(select(RequiredSet).where(RequiredSet.course_key == key)).one()
    return found


def _window(user: User) -> tuple[date | None, date | None]:
    if user.birth_date is None or user.sex is None:
        return None, None
    return labour_age_window(user.birth_date, user.sex)


def month_events(trained_on: date, labour_from: date | None, labour_until: date | None) -> list[tuple[date, str]]:
    """The monthly counters a trained person moves: newly trained in the month of training; starts
    counting in the month they are both trained and 15; stops in the month after their labour age
    ends (which always ends on a month's last day)."""
    events = [(trained_on.replace(day=1), "newly")]
    if labour_from is not None and labour_until is not None:
        start = max(trained_on, labour_from)
        if start <= labour_until:
            events.append((start.replace(day=1), "starts"))
            events.append(((labour_until + timedelta(days=1)).replace(day=1), "stops"))
    return events


def count_months(session: Session, village_id: int, trained_on: date, labour_from: date | None,
                 labour_until: date | None, sign: int = 1) -> None:
    rows: dict[date, dict[str, Any]] = {}
    for month, name in month_events(trained_on, labour_from, labour_until):
        row = rows.setdefault(month, {"village_id": village_id, "month": month, "newly": 0, "starts": 0, "stops": 0})
        row[name] += sign
    add_to_counters(session, TrainedMonth, list(rows.values()), keys=("village_id", "month"))


def rebuild_trained_months(session: Session, village_ids: list[int]) -> None:
    """Recount the monthly counters of these villages from their trained rows (after a bulk load)."""
    session.execute(delete(TrainedMonth).where(TrainedMonth.village_id.in_(village_ids)))
    totals: Counter = Counter()
    rows = session.execute(select(TrainedResident.village_id, TrainedResident.trained_on,
                                  TrainedResident.labour_age_from, TrainedResident.labour_age_until)
                           .where(TrainedResident.village_id.in_(village_ids)))
    for village_id, trained_on, labour_from, labour_until in rows:
        for month, name in month_events(trained_on, labour_from, labour_until):
            totals[(village_id, month, name)] += 1
    merged: dict[tuple[int, date], dict] = {}
    for (village_id, month, name), count in totals.items():
        merged.setdefault((village_id, month), {"village_id": village_id, "month": month, "newly": 0, "starts": 0,
                                                "stops": 0})[name] = count
    for start in range(0, len(merged), 5000):
        session.execute(insert(TrainedMonth), list(merged.values())[start:start + 5000])


def record_trained(session: Session, user: User, trained_on: date, required_set: RequiredSet) -> None:
    """The report row of a newly trained resident (none for staff with no village)."""
    if user.village_id is None:
        return
    methods = set(session.scalars(select(CourseCompletion.method).where(
        CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(required_set.course_ids))))
    labour_from, labour_until = _window(user)
    inserted = insert_new(session, TrainedResident, {
        "user_id": user.id, "village_id": user.village_id, "sex": user.sex, "trained_on": trained_on,
        "method": "assisted" if "assisted" in methods else "self",
        "labour_age_from": labour_from, "labour_age_until": labour_until, "required_set_id": required_set.id,
    }, unique=("user_id",))
    if inserted is not None:
        count_months(session, user.village_id, trained_on, labour_from, labour_until)
        mark_trained_here(session, user.id, trained_on)  # a certificate from elsewhere no longer counts on its own


def correct_trained_record(session: Session, user: User) -> None:
    """A resident corrected their village, sex or birth date: the row follows (a data correction,
    not a new training), and so does their certificate from elsewhere, if any."""
    correct_external_record(session, user)
    record = session.scalar(select(TrainedResident).where(TrainedResident.user_id == user.id))
    if record is None or user.village_id is None:
        return
    count_months(session, record.village_id, record.trained_on, record.labour_age_from, record.labour_age_until,
                 sign=-1)
    record.village_id, record.sex = user.village_id, user.sex
    record.labour_age_from, record.labour_age_until = _window(user)
    count_months(session, record.village_id, record.trained_on, record.labour_age_from, record.labour_age_until)


def choose_required_courses(session: Session, course_ids: list[int], actor_id: int) -> RequiredSet:
    """An admin's choice of the required courses, among the published ones. From now on a sync
    keeps it (the files' `required` was only the default); people already trained keep the set
    they were trained under. Returns the set of the day. Raises Refused when nothing is chosen."""
    if not course_ids:
        raise Refused(Problem("none_required"))
    published = list(session.scalars(select(Course).where(Course.is_published)))
    before = [course.id for course in published if course.required]
    for course in published:
        course.required = course.id in course_ids
        course.required_by_admin = True
    session.flush()
    chosen = current_required_set(session)
    audit(session, "required_courses_chosen", actor_id=actor_id, before=sorted(before), after=chosen.course_ids,
          required_set_id=chosen.id)
    return chosen


def required_set_history(session: Session) -> list[tuple[RequiredSet, int]]:
    """Every set that has made "trained", newest first, with how many people were trained under it."""
    counts = (select(TrainedResident.required_set_id, func.count(TrainedResident.id).label("people"))
              .group_by(TrainedResident.required_set_id).subquery())
    rows = session.execute(select(RequiredSet, func.coalesce(counts.c.people, 0))
                           .outerjoin(counts, counts.c.required_set_id == RequiredSet.id)
                           .order_by(RequiredSet.created_at.desc(), RequiredSet.id.desc())).all()
    return [(row[0], row[1]) for row in rows]
