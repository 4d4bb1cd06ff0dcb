"""`elearn demo`: a made-up commune (or province) with two years of residents' learning, for
demonstrations and benchmarks.

The rows are those real use writes (see elearn.learn.services, elearn.records and
elearn.auth.services): residents with their consent and "registered" audit event, lessons opened,
quiz attempts, course completions, certificates, trained-person rows, the anonymous activity
counters, plus the officials' population figures and residents' survey answers. Left out for
speed: the choices picked in each attempt (AttemptAnswer; the per-question counters are written as
if they existed), sign-in events, and the audit events of assisted completions.

How it is fast: residents are simulated in a second process while this one writes (two cores at
work), in chunks of tuples — executemany of the DB-API cursor on SQLite, COPY on PostgreSQL —
never one ORM object per row, and one argon2 hash serves every resident. The units are planned
here, everything goes into the caller's transaction, and the seeded random generator passes from
one process to the other, so a seed gives the same data.

Every unit and person is marked `is_demo` and every unit's name says it is sample data, so an
admin can remove the lot (elearn.units.remove_demo_unit). Plain Python and SQLAlchemy Core, no Flask.
"""
from __future__ import annotations

import json
import math
import multiprocessing
import queue
import random
import secrets
import threading
import time as timer
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, create_engine, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from elearn.models import (AuditEvent, Certificate, ConsentRecord, Course, CourseActivity, CourseCompletion,
                           LessonView, PopulationFigure, QuestionStat, QuizAttempt, SurveyResponse, TrainedResident,
                           Unit, User)
from elearn.records.trained import current_required_set, rebuild_trained_months
from elearn.training.ages import (GUARDIAN_CONSENT_BELOW, LABOUR_AGE_FROM, age_on, birthday_in, labour_age_window,
                                  years_before)

DAYS_OF_HISTORY = 730
RESIDENTS_PER_VILLAGE = 2_000  # villages come out between about 1,400 and 2,600
RESIDENTS_PER_COMMUNE = 10_000
ERASED_SHARE = 0.01  # residents who later erased their account: their trained rows stay, unlinked
SURVEY_SHARE = 0.30
IDLE_SHARE = 0.35  # of the residents not trained: registered and never opened a lesson
HELPED_FIRST_TRY_FACTOR = 0.5  # a trainer at the resident's side halves their wrong answers
PASS_TRIES = 4  # the fourth attempt passes at the latest
CHUNK_ROWS = 10_000
SOURCE = "Số liệu mẫu (dữ liệu mẫu)"
PROVINCE_NAME = "Tỉnh Mẫu{number} (dữ liệu mẫu)"
COMMUNE_NAME = "Xã Mẫu {name} (dữ liệu mẫu)"
VILLAGE_NAME = "Thôn {name} (mẫu)"
# National numbers 071x–075x: no network was given them in the 2018 renumbering (the 012x numbers
# went to 070 and 076–079), so a real resident is unlikely to hold one; existing rows are skipped.
FIRST_PHONE, LAST_PHONE = 710_000_000, 759_999_999
LOCAL_DAY_STARTS, LOCAL_DAY_LENGTH = 6.5 / 24, 15 / 24  # people learn between 06:30 and 21:30

# Registered residents by age band and sex, per mille: a rural commune, with fewer people of 20–34
# (they work in the cities) and more old women than old men.
AGE_PYRAMID = (
    (15, 20, 86, 80), (20, 25, 52, 50), (25, 30, 50, 52), (30, 35, 60, 62), (35, 40, 78, 76),
    (40, 45, 82, 80), (45, 50, 80, 80), (50, 55, 74, 77), (55, 60, 66, 72), (60, 65, 55, 63),
    (65, 70, 40, 50), (70, 75, 24, 33), (75, 81, 14, 25),
)
# Share of each age who learn with the village's Community Digital Technology Team beside them.
HELPED_BY_AGE = ((30, 0.03), (45, 0.10), (55, 0.22), (65, 0.40), (200, 0.60))

FAMILY_NAMES = (
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Huỳnh", 50), ("Phan", 45), ("Võ", 39),
    ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Trương", 12), ("Dương", 10),
    ("Đinh", 8), ("Đoàn", 7), ("Lương", 6), ("Lý", 5), ("Mai", 5), ("Cao", 5), ("Lâm", 4), ("Tạ", 3),
)
MIDDLE_NAMES = {
    "male": ("Văn", ("Hữu", "Minh", "Đức", "Quốc", "Thanh", "Công", "Xuân", "Ngọc", "Tấn", "Gia", "Anh")),
    "female": ("Thị", ("Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Thùy", "Bích", "Hồng", "Khánh", "Bảo", "Phương")),
}
GIVEN_NAMES = {
    "male": ("An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Hiếu", "Hoàng", "Huy", "Khang", "Khánh", "Lâm", "Long",
             "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Toàn",
             "Trung", "Tuấn", "Việt", "Vinh", "Bảo", "Đạt", "Đông", "Lộc", "Tâm", "Thịnh", "Tùng", "Kiên", "Lực"),
    "female": ("Anh", "Châu", "Diệp", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hoa", "Hồng", "Hương", "Lan", "Liên",
               "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thu",
               "Thủy", "Trang", "Tuyết", "Vân", "Xuân", "Yến", "Hiền", "Nhàn", "Lệ", "Sen", "Cúc", "Đào"),
}
PLACE_SYLLABLES = (
    ("An", "Bình", "Phú", "Tân", "Hòa", "Phước", "Thạnh", "Long", "Mỹ", "Đức", "Hiệp", "Nghĩa", "Thọ", "Tịnh",
     "Sơn", "Hưng", "Quang", "Thuận", "Vĩnh", "Xuân", "Trà", "Phổ"),
    ("Phú", "Lộc", "Hòa", "Thành", "Tân", "An", "Mỹ", "Đông", "Tây", "Nam", "Bắc", "Hưng", "Lợi", "Thịnh",
     "Phước", "Trung", "Sơn", "Điền", "Khánh", "Bình"),
)
_SECONDS_OF_DAY = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # as elearn.learn.services
CERTIFICATE_CODE_LENGTH = 12


class DemoRefused(Exception):
    """The database cannot take a demo yet (no courses, ...): the message says what to do."""


@dataclass(frozen=True)
class DemoRequest:
    residents: int  # registered residents; about 1% more are generated and erased
    province: bool  # a province of communes of about 10,000 residents, else one commune
    seed: int
    today: date  # the local day of the run: the two years of history end when it began
    utc_offset: timedelta  # local time minus UTC (Việt Nam: 7 hours, no summer time)
    password_hash: str  # of the one password every generated resident signs in with
    notice_version: str  # the privacy notice their consent records name


@dataclass
class DemoSummary:
    root_id: int = 0  # the demo commune, or the demo province
    root_name: str = ""
    communes: int = 0
    villages: int = 0
    residents: int = 0
    erased: int = 0
    trained: int = 0  # trained-person rows, erased residents' included
    trained_labour_age: int = 0  # ... of labour age today: the rate's numerator
    population: int = 0  # labour-age population today, from the generated figures
    completions: int = 0  # course completions of the residents who remain
    erased_completions: int = 0  # counted in the activity counters, their rows erased
    lessons_opened: int = 0
    attempts: int = 0
    surveys: int = 0
    sample_phone: str = ""
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.trained_labour_age / self.population if self.population else 0.0

    def add_counts(self, other: DemoSummary) -> None:
        """Take the counts the generating process made (this side knows the places)."""
        for name in ("residents", "erased", "trained", "trained_labour_age", "population", "completions",
                     "erased_completions", "lessons_opened", "attempts", "surveys"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.sample_phone = self.sample_phone or other.sample_phone


# -- courses ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseShape:
    id: int
    required: bool
    pass_mark: int
    lesson_ids: tuple[int, ...]
    quiz_version_id: int
    question_ids: tuple[int, ...]
    wrong_rates: tuple[float, ...]  # how often each question is answered wrong, by an average resident
    most_wrong_to_pass: int
    drawn: int  # questions per attempt (a pool draws fewer than it holds)
    uptake: float  # optional courses: the share of trained residents who complete it

    def passes(self, wrong: list[int]) -> bool:
        return len(wrong) <= self.most_wrong_to_pass


def most_wrong_to_pass(question_count: int, pass_mark: int) -> int:
    """Scored as elearn.training.scoring does: whole percent rounded down against the pass mark."""
    passing = [wrong for wrong in range(question_count + 1)
               if (question_count - wrong) * 100 // question_count >= pass_mark]
    return max(passing, default=-1)


def load_courses(session: Session, rng: random.Random) -> tuple[list[CourseShape], int]:
    """The published courses residents can finish, and today's required set (created if new)."""
    courses = session.scalars(select(Course).where(Course.is_published)
                              .order_by(Course.position, Course.title, Course.id)).all()
    if not courses:
        raise DemoRefused("No courses in the database: run `elearn prepare` first, then `elearn demo` again.")
    required_set = current_required_set(session)
    if not required_set.course_ids:
        raise DemoRefused("No course is required (`required: true`), so nobody can be trained: "
                          "run `elearn prepare` to load the bundled courses first.")
    shapes = [shape for course in courses if (shape := _course_shape(course, required_set.course_ids, rng))]
    missing = set(required_set.course_ids) - {shape.id for shape in shapes}
    if missing:
        raise DemoRefused("A required course has no lessons or no quiz, so nobody can finish it: "
                          "fix the course files and run `elearn courses sync`.")
    return shapes, required_set.id


def _course_shape(course: Course, required_ids: list[int], rng: random.Random) -> CourseShape | None:
    quiz = course.current_quiz
    lessons = course.active_lessons
    if quiz is None or not quiz.questions or not lessons:
        return None
    drawn = min(quiz.questions_per_attempt or len(quiz.questions), len(quiz.questions))
    most_wrong = most_wrong_to_pass(drawn, course.pass_mark)
    if most_wrong < 0:  # a pass mark above 100: nobody can complete it
        return None
    # Most questions are easy; a few trip up two residents in five.
    wrong_rates = tuple(0.05 + 0.4 * rng.random() ** 2 for _ in quiz.questions)
    return CourseShape(
        id=course.id, required=course.id in required_ids, pass_mark=course.pass_mark,
        lesson_ids=tuple(lesson.id for lesson in lessons), quiz_version_id=quiz.id,
        question_ids=tuple(question.id for question in quiz.questions), wrong_rates=wrong_rates,
        most_wrong_to_pass=most_wrong, drawn=drawn,
        uptake=rng.uniform(0.05, 0.25))


# -- time -------------------------------------------------------------------------------------------

class Clock:
    """Times are days (floats) since local midnight two years before the run's day; the history
    ends when that day began, so a seed gives the same rows all day long.

    `stamp` (a time), `day`, `month` and `stored` give the text the rows are written with: ISO
    dates, and times as SQLAlchemy writes them on SQLite (always with microseconds), which
    PostgreSQL's COPY reads as well. Times are naive UTC and days local, as the application stores
    them. Text also crosses from the generating process more cheaply than date objects."""

    def __init__(self, today: date, utc_offset: timedelta):
        self.today = today
        self.origin = datetime.combine(today - timedelta(days=DAYS_OF_HISTORY), time())
        self.origin_utc = self.origin - utc_offset
        self.first_ordinal = self.origin.toordinal()
        self.now = float(DAYS_OF_HISTORY)
        self._dates = [date.fromordinal(self.first_ordinal + i) for i in range(DAYS_OF_HISTORY + 1)]
        self._days = [day.isoformat() for day in self._dates]
        self._months = [day.replace(day=1).isoformat() for day in self._dates]
        utc_midnight = datetime.combine(self.origin_utc.date(), time())
        self._utc_start = (self.origin_utc - utc_midnight).total_seconds()
        self._utc_days = [(utc_midnight.date() + timedelta(days=i)).isoformat() for i in range(DAYS_OF_HISTORY + 2)]

    def local_date(self, t: float) -> date:
        return self._dates[int(t)]

    def at(self, day: date) -> float:
        return float(day.toordinal() - self.first_ordinal)

    def daytime(self, t: float) -> float:
        """The same day's waking hours: nobody registers or starts a course at 3 a.m."""
        day = math.floor(t)
        moved = day + LOCAL_DAY_STARTS + (t - day) * LOCAL_DAY_LENGTH
        return moved if moved <= self.now else t

    def utc(self, t: float) -> datetime:
        return self.origin_utc + timedelta(days=t)

    def stamp(self, t: float) -> str:
        """`utc(t)` as text, made from two tables (UTC days, seconds of a day): millions are made,
        and this takes half the time of formatting a datetime."""
        if t < 0:
            return self.utc(t).isoformat(" ", "microseconds")
        days, seconds = divmod(t * 86400 + self._utc_start, 86400)
        second = int(seconds)
        return f"{self._utc_days[int(days)]} {_SECONDS_OF_DAY[second]}.{int((seconds - second) * 1e6):06d}"

    def day(self, t: float) -> str:
        return self._days[int(t)]

    def month(self, t: float) -> str:
        return self._months[int(t)]

    @staticmethod
    def stored(day: date) -> str:
        return day.isoformat()


# -- places -----------------------------------------------------------------------------------------

@dataclass
class VillagePlan:
    id: int
    residents: int
    trained_rate: float  # roughly the share of its labour-age population trained today
    registered_share: float  # the share of its labour-age population with an account
    campaigns: tuple[float, ...]  # days the village's team went door to door


def place_names(rng: random.Random, taken: set[str]) -> Iterator[str]:
    """Two-syllable names as Vietnamese places have them, never one in `taken`."""
    first, second = PLACE_SYLLABLES
    names = [f"{a} {b}" for a in first for b in second if a != b]
    rng.shuffle(names)
    for number in range(1, 1_000_000):
        for name in names:
            candidate = name if number == 1 else f"{name} {number}"
            if candidate not in taken:
                taken.add(candidate)
                yield candidate


def split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` shared among `parts`, each within about ±30% of the mean."""
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % parts] += 1
    return sizes


def villages_for(residents: int) -> int:
    # At least three villages to compare, unless there are too few people to fill them.
    return max(1, min(3, residents // 50), round(residents / RESIDENTS_PER_VILLAGE))


def insert_units(session: Session, kind: str, names: list[str], parent: tuple[int, str] | None,
                 now_utc: datetime) -> list[tuple[int, str]]:
    """(id, path) of new demo units; the path needs the id, so it is set right after the insert."""
    units = Unit.__table__
    rows = [{"kind": kind, "name": name, "code": None, "parent_id": parent[0] if parent else None, "path": "",
             "is_demo": True, "created_at": now_utc} for name in names]
    ids = session.execute(insert(units).returning(units.c.id, sort_by_parameter_order=True), rows).scalars().all()
    paths = [f"{parent[1] if parent else '/'}{unit_id}/" for unit_id in ids]
    session.execute(update(units).where(units.c.id == bindparam("unit_id")).values(path=bindparam("unit_path")),
                    [{"unit_id": unit_id, "unit_path": path} for unit_id, path in zip(ids, paths)])
    return list(zip(ids, paths))


def demo_province(session: Session, new: bool, now_utc: datetime) -> tuple[int, str, str]:
    """(id, path, name): a commune goes into the demo province of an earlier run, else a new one.
    Never into a real province, whose officials report its figures."""
    first = PROVINCE_NAME.format(number="")
    if not new:
        earlier = session.execute(select(Unit.id, Unit.path).where(
            Unit.kind == "province", Unit.name == first, Unit.is_demo.is_(True))).first()
        if earlier is not None:
            return earlier.id, earlier.path, first
    taken = set(session.scalars(select(Unit.name).where(Unit.kind == "province")))
    candidates = (PROVINCE_NAME.format(number=f" {n}" if n > 1 else "") for n in range(1, 1_000_000))
    name = next(candidate for candidate in candidates if candidate not in taken)
    (unit_id, path), = insert_units(session, "province", [name], None, now_utc)
    return unit_id, path, name


def plan_places(session: Session, rng: random.Random, request: DemoRequest, clock: Clock,
                summary: DemoSummary) -> list[VillagePlan]:
    now_utc = clock.utc(clock.now)
    province_id, province_path, province_name = demo_province(session, request.province, now_utc)
    if request.province:
        communes = max(1, min(2, request.residents // 100), round(request.residents / RESIDENTS_PER_COMMUNE))
    else:
        communes = 1
    taken = set(session.scalars(select(Unit.name).where(Unit.parent_id == province_id)))
    names = place_names(rng, {name.removeprefix("Xã Mẫu ").removesuffix(" (dữ liệu mẫu)") for name in taken})
    commune_names = [COMMUNE_NAME.format(name=next(names)) for _ in range(communes)]
    commune_units = insert_units(session, "commune", commune_names, (province_id, province_path), now_utc)
    summary.root_id, summary.root_name = ((province_id, province_name) if request.province
                                          else (commune_units[0][0], commune_names[0]))
    summary.communes = communes
    plans = []
    for commune, residents in zip(commune_units, split(rng, request.residents, communes)):
        plans += _plan_commune(session, rng, commune, residents, clock, now_utc)
    summary.villages = len(plans)
    return plans


def _plan_commune(session: Session, rng: random.Random, commune: tuple[int, str], residents: int, clock: Clock,
                  now_utc: datetime) -> list[VillagePlan]:
    count = villages_for(residents)
    names = place_names(rng, set())
    villages = insert_units(session, "village", [VILLAGE_NAME.format(name=next(names)) for _ in range(count)],
                            commune, now_utc)
    # The commune sets the pace; each village is typical, well behind or ahead of it.
    pace = rng.uniform(0.52, 0.70)
    campaigns = sorted(rng.uniform(60, clock.now - 20) for _ in range(3))
    plans = []
    for (village_id, _path), size in zip(villages, split(rng, residents, count)):
        lead = rng.choices((-0.17, 0.0, 0.12), weights=(2, 6, 2))[0] + rng.uniform(-0.05, 0.05)
        plans.append(VillagePlan(
            id=village_id, residents=size, trained_rate=min(0.85, max(0.3, pace + lead)),
            registered_share=rng.uniform(0.80, 0.92),
            campaigns=tuple(max(1.0, c + rng.uniform(-12, 12)) for c in campaigns)))
    return plans


# -- people -----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Resident:
    village: VillagePlan
    sex: str
    birth: date
    age: int  # today
    registered: float
    erased: bool
    labour_age: bool  # today
    skill: float  # multiplies each question's wrong-answer rate
    helped: bool  # learns with the village's team beside them: assisted completions


@dataclass(slots=True)
class CourseRun:
    course: CourseShape
    views: list[float] = field(default_factory=list)
    # (time, the questions given, those answered wrong): indexes into the course's question_ids
    attempts: list[tuple[float, list[int], list[int]]] = field(default_factory=list)
    method: str | None = None  # "self" or "assisted" once completed


@cache
def _labour_age_end(birth_month: date, sex: str) -> date:
    return labour_age_window(birth_month, sex)[1]


def labour_age(birth: date, sex: str) -> tuple[date, date]:
    """elearn.training.ages.labour_age_window, worked out once per birth month: its end depends on
    the month only, and the rule walks year by year."""
    return birthday_in(birth, birth.year + LABOUR_AGE_FROM), _labour_age_end(birth.replace(day=1), sex)


def full_name(rng: random.Random, sex: str, birth: date) -> str:
    family = rng.choices(_FAMILY, cum_weights=_FAMILY_WEIGHTS)[0]
    traditional, others = MIDDLE_NAMES[sex]
    # Văn and Thị are most parents' choice for those born before 1980, fewer since.
    share = 0.75 if birth.year < 1980 else 0.5 if birth.year < 1995 else 0.25
    middle = traditional if rng.random() < share else rng.choice(others)
    return f"{family} {middle} {rng.choice(GIVEN_NAMES[sex])}"


_FAMILY = [name for name, _ in FAMILY_NAMES]
_FAMILY_WEIGHTS = [sum(weight for _, weight in FAMILY_NAMES[:i + 1]) for i in range(len(FAMILY_NAMES))]
_BANDS = [(low, high, sex) for low, high, _m, _f in AGE_PYRAMID for sex in ("male", "female")]
_BAND_WEIGHTS = [weight for _l, _h, men, women in AGE_PYRAMID for weight in (men, women)]


def new_resident(rng: random.Random, village: VillagePlan, clock: Clock, erased: bool) -> Resident:
    low, high, sex = rng.choices(_BANDS, weights=_BAND_WEIGHTS)[0]
    birth = date.fromordinal(clock.today.toordinal() - int(rng.uniform(low, high) * 365.2425))
    birth = min(birth, years_before(clock.today, low))
    first, last = labour_age(birth, sex)
    age = age_on(birth, clock.today)
    helped_share = next(share for below, share in HELPED_BY_AGE if age < below)
    return Resident(
        village=village, sex=sex, birth=birth, age=age,
        registered=registration_time(rng, village, clock, birth), erased=erased,
        labour_age=first <= clock.today <= last,
        skill=rng.uniform(0.6, 1.4) * (1 + max(0, age - 40) / 50), helped=rng.random() < helped_share)


def registration_time(rng: random.Random, village: VillagePlan, clock: Clock, birth: date) -> float:
    """Many register when the team goes door to door, the rest more and more as word spreads;
    nobody before their 15th birthday."""
    if rng.random() < 0.45:
        t = rng.choice(village.campaigns) + rng.expovariate(1 / 12)
    else:
        t = clock.now * math.sqrt(rng.random())
    fifteen = clock.at(birthday_in(birth, birth.year + 15))
    if t < fifteen:
        t = fifteen + rng.random() * (clock.now - fifteen)
    return clock.daytime(min(t, clock.now - 0.001))


def will_be_trained(rng: random.Random, resident: Resident) -> bool:
    village = resident.village
    chance = min(0.95, village.trained_rate / village.registered_share)
    return rng.random() < (chance if resident.labour_age else 0.45 * chance)


def plan_courses(rng: random.Random, courses: list[CourseShape], trained: bool) -> list[tuple[CourseShape, bool]]:
    """The courses a resident opens, in order, each with whether they complete it."""
    required = [c for c in courses if c.required]
    optional = [c for c in courses if not c.required]
    if trained:
        chosen = [(course, True) for course in required]
        extra = [(c, rng.random() < 0.8) for c in optional if rng.random() < c.uptake * 1.25]
    else:
        if rng.random() < IDLE_SHARE:
            return []
        done = rng.randrange(len(required))  # never all of them
        chosen = [(course, True) for course in required[:done]]
        if rng.random() < 0.7:
            chosen.append((required[done], False))
        extra = [(c, rng.random() < 0.4) for c in optional if rng.random() < c.uptake * 0.3]
    for item in extra:
        chosen.insert(rng.randint(min(1, len(chosen)), len(chosen)), item)
    return chosen


def simulate(rng: random.Random, resident: Resident, plan: list[tuple[CourseShape, bool]],
             clock: Clock) -> list[CourseRun]:
    """Lessons opened and quiz attempts, as a resident would make them, then fitted before now."""
    runs = []
    helped = resident.helped
    t = resident.registered + (0.02 if rng.random() < 0.5 else rng.expovariate(1 / 4))
    for course, completes in plan:
        run = CourseRun(course)
        t = _read_lessons(rng, run, clock.daytime(t), completes, helped)
        t = _take_quiz(rng, resident, run, t, completes)
        runs.append(run)
        t += rng.expovariate(1 / 0.05) if helped and rng.random() < 0.5 else rng.expovariate(1 / 15)
    _fit_before(runs, resident.registered, clock.now)
    return runs


def _read_lessons(rng: random.Random, run: CourseRun, t: float, completes: bool, helped: bool) -> float:
    count = len(run.course.lesson_ids)
    views, random_number, log = run.views, rng.random, math.log
    for _ in range(count if completes else rng.randint(1, count)):
        views.append(t)
        # The next lesson some minutes later, or (one time in four) another day.
        mean_gap = 0.01 if helped or random_number() < 0.75 else 2.0
        t -= mean_gap * log(1.0 - random_number())  # as rng.expovariate(1 / mean_gap), inlined
    return t


def _take_quiz(rng: random.Random, resident: Resident, run: CourseRun, t: float, completes: bool) -> float:
    course = run.course
    skill = resident.skill * (HELPED_FIRST_TRY_FACTOR if resident.helped and completes else 1)
    if completes:
        for attempt in range(1, PASS_TRIES + 1):
            given, wrong = _answer(rng, course, skill, must_pass=attempt == PASS_TRIES)
            run.attempts.append((t, given, wrong))
            t += 0.003 if rng.random() < 0.5 else rng.expovariate(1 / 1.5)
            if course.passes(wrong):
                run.method = "assisted" if resident.helped and rng.random() < 0.85 else "self"
                break
            skill *= 0.6  # the explanations teach: each try goes better
    elif rng.random() < 0.35 and course.most_wrong_to_pass < course.drawn:
        for _ in range(rng.choice((1, 1, 2))):
            run.attempts.append((t, *_answer(rng, course, skill, must_fail=True)))
            t += rng.expovariate(1 / 1.5)
    return t


def _answer(rng: random.Random, course: CourseShape, skill: float, must_pass: bool = False,
            must_fail: bool = False) -> tuple[list[int], list[int]]:
    """The indexes of the questions one attempt is given (a draw from a pool), and of those answered wrong."""
    random_number = rng.random
    pool = len(course.wrong_rates)
    given = list(range(pool)) if course.drawn >= pool else sorted(rng.sample(range(pool), course.drawn))
    wrong = [i for i in given if random_number() < course.wrong_rates[i] * skill]
    allowed = course.most_wrong_to_pass
    if must_pass and len(wrong) > allowed:
        wrong = sorted(rng.sample(wrong, allowed))
    elif must_fail and len(wrong) <= allowed:
        right = [i for i in given if i not in wrong]
        wrong = sorted(wrong + rng.sample(right, allowed + 1 - len(wrong)))
    return given, wrong


def _fit_before(runs: list[CourseRun], start: float, now: float) -> None:
    """Squeeze a history that would run past now into the time since registration."""
    last = max((t for run in runs for t in run.views + [a for a, _, _ in run.attempts]), default=start)
    end = max(start, now - 0.0001)
    if last <= end:
        return
    scale = (end - start) / (last - start)
    for run in runs:
        run.views = [start + (t - start) * scale for t in run.views]
        run.attempts = [(start + (t - start) * scale, given, wrong) for t, given, wrong in run.attempts]


def survey_answers(rng: random.Random, age: int, trained: bool) -> tuple[bool | None, ...]:
    """Smartphone ~85%, bank account ~70%, digital signature ~20%, VNeID level 2 ~60% (in
    SurveyResponse's column order): fewer among the old, more among the trained; one answer in
    twenty is "would rather not say"."""
    older = max(0, age - 50) / 30
    lift = 0.08 if trained else 0.0
    chances = (0.87 - 0.35 * older + lift / 2, 0.68 - 0.35 * older + lift, 0.19 - 0.12 * older + lift / 2,
               0.58 - 0.3 * older + lift)
    return tuple(None if rng.random() < 0.05 else rng.random() < chance for chance in chances)


def session_token(user_id: int) -> str:
    """As secret as elearn.auth.services.new_session_token, behind a prefix in id order: random keys
    land all over a unique index that soon outgrows the database's cache, ordered ones are appended
    to it (half the time per row on SQLite). The quiz attempts' idempotency keys, which need no
    secret, are "demo-" and the attempt's id, for the same reason."""
    return f"demo-{user_id:012d}-{secrets.token_urlsafe(32)}"


def certificate_code() -> str:
    """As elearn.learn.services.new_certificate_code, from one random draw instead of twelve."""
    number = secrets.randbelow(len(CERTIFICATE_ALPHABET) ** CERTIFICATE_CODE_LENGTH)
    digits = []
    for _ in range(CERTIFICATE_CODE_LENGTH):
        number, digit = divmod(number, len(CERTIFICATE_ALPHABET))
        digits.append(CERTIFICATE_ALPHABET[digit])
    return "".join(digits)


# -- counters ---------------------------------------------------------------------------------------

class ActivityCounters:
    """CourseActivity and QuestionStat, added up in memory as elearn.records.activity counts."""

    def __init__(self):
        # (village, course, first day of the month as stored) -> the five numbers of CourseActivity
        self.activity: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        # (village, course) -> per question of the pool: times given, times answered wrong
        self.given: dict[tuple[int, int], list[int]] = {}
        self.wrong: dict[tuple[int, int], list[int]] = {}

    def started(self, village_id: int, course_id: int, month: str) -> None:
        self.activity[village_id, course_id, month][0] += 1

    def completed(self, village_id: int, course_id: int, month: str, method: str) -> None:
        self.activity[village_id, course_id, month][1 if method == "self" else 2] += 1

    def first_attempt(self, village_id: int, course_id: int, month: str, passed: bool) -> None:
        numbers = self.activity[village_id, course_id, month]
        numbers[3] += 1
        numbers[4] += passed

    def answered(self, village_id: int, course: CourseShape, given: list[int], wrong: list[int]) -> None:
        key = (village_id, course.id)
        given_counts = self.given.setdefault(key, [0] * len(course.question_ids))
        for index in given:
            given_counts[index] += 1
        counts = self.wrong.setdefault(key, [0] * len(course.question_ids))
        for index in wrong:
            counts[index] += 1

    def write(self, rows: RowBatcher, courses: dict[int, CourseShape]) -> None:
        rows.extend(CourseActivity, [(village_id, course_id, month, *numbers)
                                     for (village_id, course_id, month), numbers in self.activity.items()])
        rows.extend(QuestionStat, [
            (village_id, question_id, answered, wrong)
            for (village_id, course_id), given in self.given.items()
            for question_id, answered, wrong in zip(courses[course_id].question_ids, given,
                                                    self.wrong[village_id, course_id])
            if answered])


# -- rows -------------------------------------------------------------------------------------------

# The columns each generated row gives, in order; the others keep their database default (NULL).
# Parents come before children: SQLite checks foreign keys row by row.
COLUMNS = {model.__tablename__: columns for model, columns in (
    (User, ("id", "full_name", "phone", "password_hash", "birth_date", "sex", "village_id", "session_token",
            "is_demo", "created_at")),
    (ConsentRecord, ("user_id", "purpose", "notice_version", "given_at")),
    (AuditEvent, ("at", "action", "actor_id", "subject_id", "detail")),
    (LessonView, ("user_id", "lesson_id", "first_viewed_at")),
    (QuizAttempt, ("id", "user_id", "quiz_version_id", "idempotency_key", "correct_count", "question_count",
                   "percent", "pass_mark", "passed", "submitted_at")),
    (CourseCompletion, ("user_id", "course_id", "completed_on", "method", "attempt_id")),
    (Certificate, ("user_id", "code", "program", "trained_on", "required_set_id", "issued_at")),
    (TrainedResident, ("user_id", "village_id", "sex", "trained_on", "method", "labour_age_from",
                       "labour_age_until", "required_set_id", "created_at")),
    (SurveyResponse, ("user_id", "village_id", "has_smartphone", "has_bank_account", "has_digital_signature",
                      "has_vneid_level2", "answered_on")),
    (PopulationFigure, ("village_id", "year", "total", "male", "female", "source", "entered_at")),
    (CourseActivity, ("village_id", "course_id", "month", "started", "completed_self", "completed_assisted",
                      "first_attempts", "first_attempt_passes")),
    (QuestionStat, ("village_id", "question_id", "answered", "wrong")),
)}
EMPTY_DETAIL = json.dumps({})  # JSON columns take their text
Batch = list[tuple[str, list[tuple]]]  # (table name, rows) in COLUMNS order


class IdSource:
    """Ids of rows that other rows point at (residents, quiz attempts), known before writing.

    SQLite: the next free ids, counted from `first`; safe because the transaction already holds
    SQLite's single write lock (units were inserted first). PostgreSQL: taken from the table's own
    sequence in blocks, on a connection of their own (a sequence ignores transactions), so an
    application server registering a resident meanwhile never collides."""

    BLOCK = 20_000

    def __init__(self, table: str, first: int | None = None, database_url: str | None = None):
        self.table, self.database_url = table, database_url
        self.ids: Iterator[int] = iter(range(first, 2 ** 62)) if first is not None else iter(())
        self.engine: Engine | None = None  # made where the ids are taken: in the generating process

    @classmethod
    def for_table(cls, session: Session, table: Table) -> IdSource:
        engine = session.get_bind()
        if engine.dialect.name == "postgresql":
            return cls(table.name, database_url=engine.url.render_as_string(hide_password=False))
        return cls(table.name, first=(session.scalar(select(func.max(table.c.id))) or 0) + 1)

    def take(self) -> int:
        found = next(self.ids, None)
        if found is None:
            self.engine = self.engine or create_engine(self.database_url, poolclass=NullPool)
            with self.engine.connect() as connection:
                self.ids = iter(connection.scalars(text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
                    {"table": self.table, "count": self.BLOCK}).all())
            found = next(self.ids)
        return found


class RowBatcher:
    """Rows kept per table and handed on by chunks of about CHUNK_ROWS."""

    def __init__(self, send: Callable[[Batch], None]):
        self.send = send
        self.pending: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.count = 0

    def add(self, model, row: tuple) -> None:
        self.pending[model.__tablename__].append(row)
        self.count += 1

    def extend(self, model, rows: list[tuple]) -> None:
        self.pending[model.__tablename__].extend(rows)
        self.count += len(rows)

    def flush_if_full(self) -> None:
        if self.count >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        batch = [(table, rows) for table, rows in self.pending.items() if rows]
        self.pending = {table: [] for table in COLUMNS}
        self.count = 0
        if batch:
            self.send(batch)


@dataclass
class GenerationJob:
    """Everything the generating process needs, made in the command's process."""
    request: DemoRequest
    rng_state: tuple  # the seeded generator, as planning the places left it
    courses: list[CourseShape]
    required_set_id: int
    villages: list[VillagePlan]
    user_ids: IdSource
    attempt_ids: IdSource
    first_phone: int


class Generator:
    """Turns simulated residents into rows: the residents who remain get every row real use writes,
    the erased keep only what erasure keeps (their trained row, unlinked, survey answers, counters
    and the audit trail without them)."""

    def __init__(self, job: GenerationJob, rows: RowBatcher, summary: DemoSummary):
        self.rng = random.Random()  # nosec B311 # made-up demo data from a seed, no secret
        self.rng.setstate(job.rng_state)
        self.request, self.rows, self.summary = job.request, rows, summary
        self.clock = Clock(job.request.today, job.request.utc_offset)
        self.courses, self.required_set_id = job.courses, job.required_set_id
        self.required_count = sum(1 for course in job.courses if course.required)
        self.counters = ActivityCounters()
        self.user_ids, self.attempt_ids = job.user_ids, job.attempt_ids
        self.phones = iter(range(job.first_phone, LAST_PHONE + 1))
        self.codes: set[str] = set()
        self.latest_phone = ""

    def village(self, village: VillagePlan) -> None:
        rng = self.rng
        erased = sum(rng.random() < ERASED_SHARE for _ in range(village.residents))
        people = [new_resident(rng, village, self.clock, erased=False) for _ in range(village.residents)]
        people += [new_resident(rng, village, self.clock, erased=True) for _ in range(erased)]
        people.sort(key=lambda person: person.registered)  # in a village, ids grow with time as they do
        for person in people:
            trained = will_be_trained(rng, person)
            self.resident(person, simulate(rng, person, plan_courses(rng, self.courses, trained), self.clock))
            self.rows.flush_if_full()
        self.population(village, [p for p in people if not p.erased and p.labour_age])

    def resident(self, person: Resident, runs: list[CourseRun]) -> None:
        user_id = None if person.erased else self.user(person)
        for run in runs:
            self.course_run(person, user_id, run)
        finished = [run for run in runs if run.course.required and run.method]
        trained_at = None
        if len(finished) == self.required_count:
            trained_at = max(run.attempts[-1][0] for run in finished)
            self.trained(person, user_id, trained_at, any(run.method == "assisted" for run in finished))
        if self.rng.random() < SURVEY_SHARE:
            self.survey(person, user_id, trained_at is not None)
        if person.erased:
            self.erasure(person, runs, trained_at is not None)

    def user(self, person: Resident) -> int:
        """The rows elearn.auth.services.register_resident writes."""
        user_id = self.user_ids.take()
        phone = f"+84{next(self.phones)}"
        at = self.clock.stamp(person.registered)
        self.rows.add(User, (
            user_id, full_name(self.rng, person.sex, person.birth), phone, self.request.password_hash,
            self.clock.stored(person.birth), person.sex, person.village.id, session_token(user_id), True, at))
        notice = self.request.notice_version
        self.rows.add(ConsentRecord, (user_id, "learning", notice, at))
        if age_on(person.birth, self.clock.local_date(person.registered)) < GUARDIAN_CONSENT_BELOW:
            self.rows.add(ConsentRecord, (user_id, "guardian", notice, at))
        self.rows.add(AuditEvent, (at, "registered", user_id, user_id, EMPTY_DETAIL))
        self.summary.residents += 1
        self.latest_phone = phone
        return user_id

    def course_run(self, person: Resident, user_id: int | None, run: CourseRun) -> None:
        """What elearn.learn.services writes as the lessons are opened and the quiz is taken."""
        village_id, course, clock, counters = person.village.id, run.course, self.clock, self.counters
        counters.started(village_id, course.id, clock.month(run.views[0]))
        self.summary.lessons_opened += len(run.views)
        if user_id is not None:
            self.rows.extend(LessonView, [(user_id, lesson_id, clock.stamp(t))
                                          for lesson_id, t in zip(course.lesson_ids, run.views)])
        attempt_id = None
        for number, (t, given, wrong) in enumerate(run.attempts):
            attempt_id = self.attempt(user_id, course, t, wrong)
            counters.answered(village_id, course, given, wrong)
            if number == 0:
                counters.first_attempt(village_id, course.id, clock.month(t), course.passes(wrong))
        if run.method is None:
            return
        passed_at = run.attempts[-1][0]
        counters.completed(village_id, course.id, clock.month(passed_at), run.method)
        if user_id is None:
            self.summary.erased_completions += 1
            return
        self.summary.completions += 1
        self.rows.add(CourseCompletion, (user_id, course.id, clock.day(passed_at), run.method, attempt_id))

    def attempt(self, user_id: int | None, course: CourseShape, t: float, wrong: list[int]) -> int | None:
        self.summary.attempts += 1
        if user_id is None:
            return None
        attempt_id = self.attempt_ids.take()
        total = course.drawn
        correct = total - len(wrong)
        self.rows.add(QuizAttempt, (
            attempt_id, user_id, course.quiz_version_id, f"demo-{attempt_id:012d}", correct, total,
            correct * 100 // total, course.pass_mark, course.passes(wrong), self.clock.stamp(t)))
        return attempt_id

    def trained(self, person: Resident, user_id: int | None, at: float, assisted: bool) -> None:
        """The certificate and the row elearn.records.trained.record_trained writes."""
        day, issued = self.clock.day(at), self.clock.stamp(at)
        labour_from, labour_until = labour_age(person.birth, person.sex)
        if user_id is not None:
            self.rows.add(Certificate, (user_id, self._new_code(), "basic-digital-skills", day,
                                        self.required_set_id, issued))
        self.rows.add(TrainedResident, (
            user_id, person.village.id, person.sex, day, "assisted" if assisted else "self",
            self.clock.stored(labour_from), self.clock.stored(labour_until), self.required_set_id, issued))
        self.summary.trained += 1
        self.summary.trained_labour_age += person.labour_age
        if user_id is not None and not self.summary.sample_phone:
            self.summary.sample_phone = self.latest_phone  # a resident with a certificate to show

    def _new_code(self) -> str:
        code = certificate_code()
        while code in self.codes:
            code = certificate_code()
        self.codes.add(code)
        return code

    def survey(self, person: Resident, user_id: int | None, trained: bool) -> None:
        answered = self.rng.uniform(max(person.registered, self.clock.now - 365), self.clock.now)
        self.rows.add(SurveyResponse, (user_id, person.village.id, *survey_answers(self.rng, person.age, trained),
                                       self.clock.day(answered)))
        self.summary.surveys += 1

    def erasure(self, person: Resident, runs: list[CourseRun], trained: bool) -> None:
        """What elearn.privacy.erase_account leaves: the audit trail without the person."""
        last = max([person.registered] + [t for run in runs for t in run.views + [a for a, _, _ in run.attempts]])
        erased_at = self.rng.uniform(last, self.clock.now)
        self.rows.add(AuditEvent, (self.clock.stamp(person.registered), "registered", None, None, EMPTY_DETAIL))
        self.rows.add(AuditEvent, (self.clock.stamp(erased_at), "account_deleted", None, None,
                                   json.dumps({"trained_record_kept": trained})))
        self.summary.erased += 1

    def population(self, village: VillagePlan, registered: list[Resident]) -> None:
        """The commune's labour-age figures: more than registered (not everyone has an account),
        a little higher in earlier years (young people keep leaving for the cities)."""
        by_sex = Counter(person.sex for person in registered)
        today = {sex: math.ceil(by_sex[sex] / village.registered_share) + self.rng.randint(0, 3)
                 for sex in ("male", "female")}
        this_year = self.clock.today.year
        for year in (this_year - 2, this_year - 1, this_year):
            growth = 1 + 0.015 * (this_year - year)
            male, female = round(today["male"] * growth), round(today["female"] * growth)
            entered = self.clock.at(date(year, 1, 15)) + 9 / 24  # a morning at the commune office
            self.rows.add(PopulationFigure, (village.id, year, male + female, male, female, SOURCE,
                                             self.clock.stamp(entered)))
        self.summary.population += today["male"] + today["female"]

    def finish(self) -> None:
        self.counters.write(self.rows, {course.id: course for course in self.courses})
        self.rows.flush()
        self.summary.sample_phone = self.summary.sample_phone or self.latest_phone


# -- writing ----------------------------------------------------------------------------------------

class BulkWriter:
    """Writes batches of rows on the session's connection, inside its transaction.

    A table's rows are one executemany of the DB-API cursor on SQLite, one COPY on PostgreSQL:
    several times faster than Core's executemany, whose per-row parameter processing costs more
    than the insert itself. On PostgreSQL a thread sends the batches, so that the server inserts
    while this process receives the next ones (on SQLite the inserts run in this process and need
    the GIL between rows, so a thread would only wait for it). Until `close()`, nothing else may
    use the session."""

    def __init__(self, session: Session):
        self.session = session
        dialect = session.get_bind().dialect
        self.copy = dialect.name == "postgresql"
        self.statements = {table: self._statement(table, columns, dialect.identifier_preparer.quote)
                           for table, columns in COLUMNS.items()}
        self.connection = session.connection().connection.driver_connection
        self.batches: queue.Queue[Batch | None] = queue.Queue(maxsize=2)  # bounds the rows held in memory
        self.thread: threading.Thread | None = None
        self.failure: BaseException | None = None
        self.cache_size = None
        if self.copy:
            self._skip_foreign_key_triggers()
        else:
            # The indexes of a large insert outgrow SQLite's default 2 MB page cache, and every page
            # evicted is read back: a bigger one (this connection, until close) saved 15% of 100,000.
            self.cache_size = session.scalar(text("PRAGMA cache_size"))
            session.execute(text("PRAGMA cache_size = -200000"))

    def _skip_foreign_key_triggers(self) -> None:
        """PostgreSQL checks each foreign key with a trigger per row, which costs three times the
        insert itself. The rows made here point only at rows made or read in this transaction (and
        SQLite, which checks, runs the same code in the tests), so skip the triggers as
        pg_restore --disable-triggers does: for this transaction only, and only a superuser may."""
        if self.session.scalar(text("SELECT current_setting('is_superuser')")) == "on":
            self.session.execute(text("SET LOCAL session_replication_role = replica"))

    def _statement(self, table: str, columns: tuple[str, ...], quote: Callable[[str], str]) -> str:
        names = ", ".join(quote(name) for name in columns)
        if self.copy:
            return f"COPY {quote(table)} ({names}) FROM STDIN"
        placeholders = ", ".join("?" for _ in columns)
        # The models' own table and column names, quoted; the values are parameters.
        return "INSERT INTO %s (%s) VALUES (%s)" % (quote(table), names, placeholders)  # noqa: UP031  # nosec B608 # quoted model names, values bound

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, *_exc) -> None:
        self._stop()

    def write(self, batch: Batch) -> None:
        if not self.copy:
            self._write(batch)
            return
        self._raise_failure()
        if self.thread is None:
            self.thread = threading.Thread(target=self._write_batches, name="elearn-demo-copy", daemon=True)
            self.thread.start()
        self.batches.put(batch)

    def close(self) -> None:
        """Wait until every batch is written: the session is the caller's again."""
        self._stop()
        self._raise_failure()
        if self.cache_size is not None:
            self.session.execute(text(f"PRAGMA cache_size = {int(self.cache_size)}"))

    def _stop(self) -> None:
        if self.thread is not None:
            self.batches.put(None)
            self.thread.join()
            self.thread = None

    def _raise_failure(self) -> None:
        if self.failure is not None:
            self._stop()
            raise self.failure

    def _write_batches(self) -> None:
        while (batch := self.batches.get()) is not None:
            if self.failure is None:  # after a failure, only empty the queue
                try:
                    self._write(batch)
                except BaseException as error:  # raised again by the next write or close
                    self.failure = error

    def _write(self, batch: Batch) -> None:
        cursor = self.connection.cursor()
        for table, rows in batch:
            if self.copy:
                with cursor.copy(self.statements[table]) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.statements[table], rows)


class GenerationFailed(RuntimeError):
    """The generating process failed; the message carries its traceback."""


def _generate_rows(job: GenerationJob, out) -> None:
    """The generating process: rows, progress and at last the summary, sent to the command's
    process through `out`, which writes them while the next ones are made (two cores at work)."""
    try:
        summary = DemoSummary()
        generator = Generator(job, RowBatcher(lambda batch: out.put(("rows", batch))), summary)
        for village in job.villages:
            generator.village(village)
            out.put(("village", village.residents))
        generator.finish()
        out.put(("summary", summary))
    except BaseException:
        out.put(("failed", traceback.format_exc()))


def _receive(job: GenerationJob) -> Iterator[tuple[str, Any]]:
    """The messages of a generating process started for `job`, until its summary."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding a database connection
    out = context.Queue(maxsize=4)
    process = context.Process(target=_generate_rows, args=(job, out), name="elearn-demo", daemon=True)
    process.start()
    try:
        while True:
            try:
                kind, payload = out.get(timeout=5)
            except queue.Empty:
                if not process.is_alive():
                    raise GenerationFailed(f"the generating process ended (exit code {process.exitcode})") from None
                continue
            if kind == "failed":
                raise GenerationFailed(payload)
            yield kind, payload
            if kind == "summary":
                return
    finally:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()


def generate(session: Session, request: DemoRequest, progress: Callable[[str], None] = lambda _: None) -> DemoSummary:
    """Add the demo to the session's transaction (the caller commits) and say what was made."""
    started = timer.perf_counter()
    rng = random.Random(request.seed)  # nosec B311 # made-up demo data from a seed, no secret
    clock = Clock(request.today, request.utc_offset)
    summary = DemoSummary()
    courses, required_set_id = load_courses(session, rng)
    villages = plan_places(session, rng, request, clock, summary)
    job = GenerationJob(
        request=request, rng_state=rng.getstate(), courses=courses, required_set_id=required_set_id, villages=villages,
        user_ids=IdSource.for_table(session, User.__table__),
        attempt_ids=IdSource.for_table(session, QuizAttempt.__table__),
        first_phone=first_free_phone(session, request.residents))
    done, step = 0, max(1, request.residents // 10)
    with BulkWriter(session) as writer:
        for kind, payload in _receive(job):
            if kind == "rows":
                writer.write(payload)
            elif kind == "village":
                if (done + payload) // step > done // step:
                    progress(f"  {done + payload:,} of {request.residents:,} residents "
                             f"({timer.perf_counter() - started:.0f} s)")
                done += payload
            else:
                summary.add_counts(payload)
        writer.close()
    # The monthly trend counters, recounted from the trained rows just written.
    rebuild_trained_months(session, [village.id for village in villages])
    if session.get_bind().dialect.name == "postgresql":
        # The planner would not know the new sizes until autovacuum gets to them (1M: 8 s).
        for table in [*COLUMNS, "trained_months"]:
            session.execute(text(f"ANALYZE {table}"))
    summary.seconds = timer.perf_counter() - started
    return summary


def first_free_phone(session: Session, needed: int) -> int:
    highest = session.scalar(select(func.max(User.phone)).where(
        User.phone >= f"+84{FIRST_PHONE}", User.phone <= f"+84{LAST_PHONE}"))
    first = int(highest[3:]) + 1 if highest else FIRST_PHONE
    if first + needed - 1 > LAST_PHONE:
        raise DemoRefused("The demo phone numbers (071–075…) are used up: remove earlier demo units first.")
    return first
