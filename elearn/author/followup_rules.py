"""The follow-up list (danh sách cần hỗ trợ): labour-age residents of a village who are not trained
yet, what each still lacks, and the phone number to call. No Flask: a select of the residents the
trainer may see comes in (elearn.access), plain values go out.

A fixed number of statements whatever the number of residents: the required courses and their
lessons, the residents, then lessons read, quizzes passed and courses completed, each grouped.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from elearn.models import (Course, CourseCompletion, ExternalTraining, Lesson, LessonView, QuizAttempt, QuizVersion,
                           TrainedResident, User)
from elearn.reports.exports import csv_value
from elearn.training.ages import age_on, birth_date_window, is_labour_age
from elearn.training.completion import progress_percent
from elearn.training.phones import display_phone

ORDERS = ("progress", "name")
SEX_NAMES = {"female": "Nữ", "male": "Nam"}


@dataclass(frozen=True)
class CourseNeed:
    """A required course the person has not completed yet."""
    title: str
    lessons_read: int
    lessons_total: int
    quiz_passed: bool


@dataclass(frozen=True)
class Person:
    user_id: int
    full_name: str
    phone: str  # +84..., shown as 0912 345 678
    birth_date: date
    sex: str
    age: int
    external: bool  # holds a certificate from another programme (recorded by a trainer)
    needs: tuple[CourseNeed, ...]
    steps_done: int
    steps_total: int

    @property
    def percent(self) -> int:
        return progress_percent(self.steps_done, self.steps_total) if self.steps_total else 100

    @property
    def local_phone(self) -> str:
        return display_phone(self.phone)


def fold(text: str) -> str:
    """A name as a sort key: no diacritics, đ as d, lower case ("Ánh" sits with "Anh")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def name_key(full_name: str) -> tuple:
    """Vietnamese order: by the given name (the last word), then the whole name."""
    words = full_name.split()
    return fold(words[-1] if words else ""), fold(full_name), full_name


def sort_people(people: list[Person], order: str) -> list[Person]:
    if order == "name":
        return sorted(people, key=lambda p: name_key(p.full_name))
    return sorted(people, key=lambda p: (p.percent, p.steps_done, name_key(p.full_name)))


def _required(session: Session) -> list[Course]:
    return list(session.scalars(select(Course).where(Course.required.is_(True), Course.is_published)
                                .order_by(Course.position, Course.title).options(selectinload(Course.lessons))))


def _labour_age_now(today: date):
    windows = {sex: birth_date_window(sex, today) for sex in SEX_NAMES}
    return or_(*(and_(User.sex == sex, User.birth_date.between(*windows[sex])) for sex in SEX_NAMES))


def follow_up(session: Session, residents: Select, today: date) -> list[Person]:
    """The labour-age residents `residents` (a select(User)) finds who have no trained row, each with
    what they lack, least progress first."""
    courses = _required(session)
    course_ids = [course.id for course in courses]
    candidates = (residents.where(_labour_age_now(today),
                                  ~exists().where(TrainedResident.user_id == User.id))
                  .outerjoin(ExternalTraining, ExternalTraining.user_id == User.id))
    rows = session.execute(candidates.add_columns(ExternalTraining.id)).all()
    ids = candidates.with_only_columns(User.id).scalar_subquery()
    read = {(user_id, course_id): count for user_id, course_id, count in session.execute(
        select(LessonView.user_id, Lesson.course_id, func.count()).join(Lesson, Lesson.id == LessonView.lesson_id)
        .where(LessonView.user_id.in_(ids), Lesson.course_id.in_(course_ids), Lesson.is_active.is_(True))
        .group_by(LessonView.user_id, Lesson.course_id))}
    passed = set(session.execute(
        select(QuizAttempt.user_id, QuizVersion.course_id)
        .join(QuizVersion, QuizVersion.id == QuizAttempt.quiz_version_id)
        .where(QuizAttempt.user_id.in_(ids), QuizAttempt.passed.is_(True), QuizVersion.course_id.in_(course_ids))
        .distinct()).all())
    completed = set(session.execute(select(CourseCompletion.user_id, CourseCompletion.course_id).where(
        CourseCompletion.user_id.in_(ids), CourseCompletion.course_id.in_(course_ids))).all())
    people = [_person(user, external_id is not None, courses, read, passed, completed, today)
              for user, external_id in rows if is_labour_age(user.birth_date, user.sex, today)]
    return sort_people(people, "progress")


def _person(user: User, external: bool, courses: list[Course], read: dict, passed: set, completed: set,
            today: date) -> Person:
    needs, done, total = [], 0, 0
    for course in courses:
        lessons = len(course.active_lessons)
        total += lessons + 1
        if (user.id, course.id) in completed:
            done += lessons + 1
            continue
        need = CourseNeed(course.title, min(read.get((user.id, course.id), 0), lessons), lessons,
                          (user.id, course.id) in passed)
        done += need.lessons_read + int(need.quiz_passed)
        needs.append(need)
    return Person(user.id, user.full_name, user.phone, user.birth_date, user.sex, age_on(user.birth_date, today),
                  external, tuple(needs), done, total)


def need_text(need: CourseNeed) -> str:
    quiz = "đã đạt bài kiểm tra" if need.quiz_passed else "chưa đạt bài kiểm tra"
    return f"{need.title}: đã đọc {need.lessons_read}/{need.lessons_total} bài, {quiz}"


CSV_HEADINGS = ["STT", "Họ và tên", "Số điện thoại", "Năm sinh", "Giới tính", "Tiến độ (%)", "Còn thiếu", "Ghi chú"]


def to_csv(village_name: str, today: date, people: list[Person]) -> bytes:
    """For the door-to-door round: UTF-8 with a BOM (Excel shows Vietnamese), every text cell inert
    (a name can never become a formula), phone numbers as people write them (the leading 0 kept)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_value("Danh sách cần hỗ trợ"), csv_value(village_name), "Ngày", csv_value(today)])
    writer.writerow(CSV_HEADINGS)
    for number, person in enumerate(people, start=1):
        writer.writerow([number, csv_value(person.full_name), csv_value(person.local_phone), person.birth_date.year,
                         SEX_NAMES.get(person.sex, ""), person.percent,
                         csv_value("; ".join(need_text(need) for need in person.needs)),
                         "Có chứng nhận nơi khác" if person.external else ""])
    return out.getvalue().encode("utf-8-sig")
