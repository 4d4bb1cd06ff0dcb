"""Every figure the officials see, computed once: the dashboard, the six-monthly report, its files,
open data and the API all read a `Report` built here, so they cannot disagree.

Aggregates run in SQL over the trained-person rows, the activity counters and the population
figures, with a fixed number of statements whatever the number of villages or residents;
Python only adds up per-village rows (a few thousand at most for a province).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from elearn.models import (Course, CourseActivity, ExternalTraining, PopulationFigure, Question, QuestionStat,
                           QuizVersion, SurveyResponse, TrainedMonth, TrainedResident, Unit, User)
from elearn.training.ages import birth_date_window, years_before
from elearn.training.rates import (AGE_BANDS, TARGETS, Target, band_offsets, meets, people_needed, rate)

SEXES = ("female", "male")
REPORT_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the communes the reports are for
TREND_MONTHS = 24
TOP_WRONG = 3

# The survey's indicators and their targets (DOMAIN.md §1): share of adults, 2025 and 2030.
INDICATORS = (
    ("has_smartphone", Fraction(80, 100), Fraction(95, 100)),
    ("has_bank_account", Fraction(80, 100), Fraction(95, 100)),
    ("has_digital_signature", Fraction(50, 100), Fraction(70, 100)),
    ("has_vneid_level2", Fraction(100, 100), None),
)


@dataclass
class Counts:
    """One village, one commune or the whole scope, on the report's day."""
    villages: int = 0
    villages_without_figure: int = 0
    population: int | None = None  # labour-age population, from the villages that have a figure
    population_by_sex: dict[str, int] | None = None  # None unless every figure gives the split
    figure_years: set[int] = field(default_factory=set)
    registered: int = 0  # labour-age residents with an account, registered by the day
    trained: int = 0  # labour-age trained residents, every village
    trained_counted: int = 0  # ... in villages with a population figure: the rate's numerator
    trained_in_period: int = 0  # ... who became trained since the period's first day
    trained_any_age: int = 0  # trained by the day, of labour age or not
    assisted: int = 0  # labour-age trained through an assisted completion
    # Certificates from another recognised programme, of people not trained here (by the day):
    external: int = 0  # labour-age, every village
    external_counted: int = 0  # ... in villages with a population figure
    external_in_period: int = 0  # ... certified since the period's first day
    external_any_age: int = 0  # of labour age or not
    include_external: bool = False  # the official's choice: do they count toward the rate?

    @property
    def counted(self) -> int:
        """The rate's numerator: trained here, plus the certificates from elsewhere when chosen."""
        return self.trained_counted + (self.external_counted if self.include_external else 0)

    @property
    def rate(self) -> Fraction | None:
        return rate(self.counted, self.population)

    def gap(self, target: Target) -> int | None:
        return people_needed(self.counted, self.population, target)

    def meets(self, target: Target) -> bool:
        return meets(self.counted, self.population, target)

    @property
    def figure_exceeded(self) -> bool:
        """More trained than the population figure: the figure is out of date or wrong."""
        return self.population is not None and self.counted > self.population

    def add(self, other: Counts) -> None:
        for name in ("villages", "villages_without_figure", "registered", "trained", "trained_counted",
                     "trained_in_period", "trained_any_age", "assisted", "external", "external_counted",
                     "external_in_period", "external_any_age"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.population is not None:
            self.population = (self.population or 0) + other.population
        self.figure_years |= other.figure_years


@dataclass(frozen=True)
class Row:
    unit_id: int
    name: str
    kind: str
    is_demo: bool
    counts: Counts


@dataclass(frozen=True)
class SexLine:
    sex: str
    registered: int
    trained: int
    population: int | None
    external: int = 0  # labour-age, certified elsewhere and not trained here
    include_external: bool = False

    @property
    def rate(self) -> Fraction | None:
        return rate(self.trained + (self.external if self.include_external else 0), self.population)


@dataclass(frozen=True)
class BandLine:
    band: tuple[int, int | None]
    registered: int
    trained: int


@dataclass(frozen=True)
class MonthPoint:
    month: date  # first day of the month
    newly_trained: int  # people who became trained that month, any age, every village
    trained: int  # labour-age trained at the month's end (or the report's day), villages with a figure
    population: int | None
    external: int = 0  # labour-age with a certificate from elsewhere only, same villages, same day
    include_external: bool = False

    @property
    def rate(self) -> Fraction | None:
        return rate(self.trained + (self.external if self.include_external else 0), self.population)


@dataclass(frozen=True)
class WrongQuestion:
    text: str
    quiz_version: int
    answered: int
    wrong: int


@dataclass(frozen=True)
class CourseLine:
    course_id: int
    title: str
    required: bool
    started: int
    completed_self: int
    completed_assisted: int
    first_attempts: int
    first_attempt_passes: int
    most_wrong: tuple[WrongQuestion, ...]

    @property
    def completed(self) -> int:
        return self.completed_self + self.completed_assisted

    @property
    def first_attempt_pass_rate(self) -> Fraction | None:
        return rate(self.first_attempt_passes, self.first_attempts)


@dataclass(frozen=True)
class Indicator:
    key: str
    yes: int
    answered: int
    target_2025: Fraction
    target_2030: Fraction | None

    @property
    def rate(self) -> Fraction | None:
        return rate(self.yes, self.answered)


@dataclass
class Report:
    root: Unit
    day: date
    since: date
    total: Counts
    rows: list[Row]
    by_sex: list[SexLine]
    bands: list[BandLine]
    trend: list[MonthPoint]
    courses: list[CourseLine]
    survey: list[Indicator]
    survey_responses: int
    targets: tuple[Target, ...] = TARGETS
    include_external: bool = False  # certificates from elsewhere count toward the rates

    @property
    def row_kind(self) -> str:
        return {"province": "commune", "commune": "village"}.get(self.root.kind, "village")


# -- the scope -------------------------------------------------------------------------------

def _in_scope(root: Unit | _Everywhere):
    return Unit.path.like(root.path + "%")


def _units(session: Session, root: Unit) -> tuple[dict[int, int], dict[int, Unit]]:
    """{village id: row unit id} and the row units: the communes of a province, the villages of
    a commune (or the village itself)."""
    units = session.scalars(select(Unit).where(_in_scope(root), Unit.merged_into_id.is_(None))).all()
    row_kind = {"province": "commune"}.get(root.kind, "village")
    rows = {unit.id: unit for unit in units if unit.kind == row_kind}
    row_of = {unit.id: (unit.parent_id if row_kind == "commune" else unit.id)
              for unit in units if unit.kind == "village"}
    return row_of, rows  # type: ignore[return-value] # a village always has a commune above it


# -- per-village numbers -----------------------------------------------------------------------

def _count(condition):
    return func.count().filter(condition)


def _population(session: Session, root: Unit | _Everywhere) -> dict[int, list[tuple[int, int, int | None, int | None]]]:
    """{village id: [(year, total, male, female), ...] oldest first}."""
    rows = session.execute(
        select(PopulationFigure.village_id, PopulationFigure.year, PopulationFigure.total, PopulationFigure.male,
               PopulationFigure.female).join(Unit, Unit.id == PopulationFigure.village_id)
        .where(_in_scope(root)).order_by(PopulationFigure.village_id, PopulationFigure.year)).all()
    figures: dict[int, list] = defaultdict(list)
    for village_id, year, total, male, female in rows:
        figures[village_id].append((year, total, male, female))
    return figures


def figure_for(figures: list[tuple], year: int, fallback_to_earliest: bool = False) -> tuple | None:
    """The latest figure of a year up to `year` (optionally the earliest one when there is none)."""
    found = [figure for figure in figures if figure[0] <= year]
    if found:
        return found[-1]
    return figures[0] if fallback_to_earliest and figures else None


def _labour_age(day: date):
    return and_(TrainedResident.labour_age_from <= day, TrainedResident.labour_age_until >= day)


def _bands_of_trained(day: date) -> list:
    """A column per age band: labour-age trained people whose age on `day` falls in it."""
    cutoffs = [years_before(day, offset) for offset in band_offsets()]  # 15th birthday on or before
    start = TrainedResident.labour_age_from
    conditions = [start > cutoffs[0]]
    conditions += [and_(start <= low, start > high) for low, high in pairwise(cutoffs)]
    conditions.append(start <= cutoffs[-1])
    return [_count(and_(_labour_age(day), condition)) for condition in conditions]


def _trained(session: Session, villages: list[int], day: date, since: date) -> Sequence[Any]:
    labour = _labour_age(day)
    return session.execute(
        select(TrainedResident.village_id, TrainedResident.sex, func.count(), _count(labour),
               _count(TrainedResident.trained_on >= day.replace(day=1)),
               _count(and_(labour, TrainedResident.trained_on >= since)),
               _count(and_(labour, TrainedResident.method == "assisted")), *_bands_of_trained(day))
        .where(TrainedResident.village_id.in_(villages), TrainedResident.trained_on <= day)
        .group_by(TrainedResident.village_id, TrainedResident.sex)).all()


def _registered(session: Session, villages: list[int], day: date) -> Sequence[Any]:
    windows = {sex: birth_date_window(sex, day) for sex in SEXES}
    labour = or_(*(and_(User.sex == sex, User.birth_date.between(*windows[sex])) for sex in SEXES))
    cutoffs = [years_before(day, low) for low, _high in AGE_BANDS[1:]]  # born on or before: at least `low`
    bands = [User.birth_date > cutoffs[0]]
    bands += [and_(User.birth_date <= low, User.birth_date > high) for low, high in pairwise(cutoffs)]
    bands.append(User.birth_date <= cutoffs[-1])
    # Registration times are stored in UTC; the day ends at midnight in Việt Nam.
    end_of_day = (datetime.combine(day + timedelta(days=1), time(), REPORT_TIMEZONE)
                  .astimezone(UTC).replace(tzinfo=None))
    return session.execute(
        select(User.village_id, User.sex, func.count(), *(_count(band) for band in bands))
        .where(User.village_id.in_(villages), User.created_at < end_of_day, labour)
        .group_by(User.village_id, User.sex)).all()


def _external_only(on: date):
    """Certified elsewhere by `on`, and not counted as trained here on `on`: not trained here at all,
    or trained here only later. The day trained here is kept on the certificate's row, so an erasure
    (which cuts the person's links) changes no day's figures."""
    return and_(ExternalTraining.certified_on <= on,
                or_(ExternalTraining.trained_here.is_(False), ExternalTraining.trained_here_on > on))


def _external_labour_age(on: date):
    return and_(_external_only(on), ExternalTraining.labour_age_from <= on, ExternalTraining.labour_age_until >= on)


def _external(session: Session, villages: list[int], day: date, since: date, month_ends: list[date]) -> Sequence[Any]:
    """Per village and sex: certificates from elsewhere only, any age and of labour age in the period,
    then of labour age at each month's end (the last is the report's day). The table holds a few
    rows per village."""
    return session.execute(
        select(ExternalTraining.village_id, ExternalTraining.sex, _count(_external_only(day)),
               _count(and_(_external_labour_age(day), ExternalTraining.certified_on >= since)),
               *(_count(_external_labour_age(end)) for end in month_ends))
        .where(ExternalTraining.village_id.in_(villages), ExternalTraining.certified_on <= day)
        .group_by(ExternalTraining.village_id, ExternalTraining.sex)).all()


def _add_external(session: Session, found: _Collected, figures: dict, day: date, since: date) -> dict[date, int]:
    """Adds the certificates from elsewhere to the villages' counts; returns, per month of the trend,
    those of labour age at its end in the villages with a population figure."""
    months = _months(day)
    with_figure = {village for village, rows in figures.items() if figure_for(rows, day.year)}
    by_month = dict.fromkeys(months, 0)
    for village_id, sex, any_age, in_period, *at_month_end in _external(
            session, list(found.villages), day, since, [_month_end(month, day) for month in months]):
        counts = found.villages.get(village_id)
        if counts is None:
            continue
        labour = at_month_end[-1] or 0
        counts.external_any_age += any_age or 0
        counts.external += labour
        counts.external_in_period += in_period or 0
        if counts.population is not None:
            counts.external_counted += labour
        found.external_by_sex[sex or "unknown"] += labour
        if village_id in with_figure:
            for month, count in zip(months, at_month_end):
                by_month[month] += count or 0
    return by_month


# -- the report ------------------------------------------------------------------------------------

@dataclass
class _Collected:
    villages: dict[int, Counts]
    trained_by_sex: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    registered_by_sex: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    trained_by_band: list[int] = field(default_factory=lambda: [0] * len(AGE_BANDS))
    registered_by_band: list[int] = field(default_factory=lambda: [0] * len(AGE_BANDS))
    newly_this_month: int = 0  # trained from the 1st of the report's month to its day, any age
    external_by_sex: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _collect(session: Session, root: Unit | _Everywhere, row_of: dict[int, int], figures: dict, day: date,
             since: date, registered: bool = True) -> _Collected:
    """Per-village counts, and the by-sex and by-band sums, from two grouped queries."""
    found = _Collected(_village_counts(row_of, figures, day))
    for village_id, sex, any_age, labour, this_month, in_period, assisted, *bands in _trained(
            session, list(row_of), day, since):
        counts = found.villages.get(village_id)
        if counts is None:  # a village merged away: its rows moved with it
            continue
        found.newly_this_month += this_month
        counts.trained_any_age += any_age
        counts.trained += labour or 0
        if counts.population is not None:  # the rate counts the villages that have a figure
            counts.trained_counted += labour or 0
        counts.trained_in_period += in_period or 0
        counts.assisted += assisted or 0
        found.trained_by_sex[sex or "unknown"] += labour or 0
        found.trained_by_band = [a + (b or 0) for a, b in zip(found.trained_by_band, bands)]
    for village_id, sex, count, *bands in (_registered(session, list(row_of), day) if registered else ()):
        if village_id in found.villages:
            found.villages[village_id].registered += count
            found.registered_by_sex[sex] += count
            found.registered_by_band = [a + (b or 0) for a, b in zip(found.registered_by_band, bands)]
    return found


def build_report(session: Session, root: Unit, day: date, since: date | None = None,
                 activity_since: date | None = None, include_external: bool = False) -> Report:
    """The figures of `root`'s subtree on `day`. `since` starts the period whose newly trained are
    counted (default: 1 January); `activity_since` limits the per-course figures to a period.
    Certificates from elsewhere are always counted apart; `include_external` adds them to the rates."""
    since = since or date(day.year, 1, 1)
    row_of, row_units = _units(session, root)
    figures = _population(session, root)
    found = _collect(session, root, row_of, figures, day, since)
    external_by_month = _add_external(session, found, figures, day, since)
    rows: dict[int, Counts] = {unit_id: Counts(include_external=include_external) for unit_id in row_units}
    total = Counts(include_external=include_external)
    for village_id, counts in found.villages.items():
        rows.setdefault(row_of[village_id], Counts(include_external=include_external)).add(counts)
        total.add(counts)
    total.population_by_sex = _population_by_sex(row_of, figures, day)
    trend = _trend(session, list(row_of), day, figures, (found.newly_this_month, total.trained_counted))
    return Report(
        root=root, day=day, since=since, total=total, include_external=include_external,
        rows=[Row(unit.id, unit.name, unit.kind, unit.is_demo, rows[unit.id])
              for unit in sorted(row_units.values(), key=lambda u: u.name)],
        by_sex=[SexLine(sex, found.registered_by_sex[sex], found.trained_by_sex[sex],
                        total.population_by_sex[sex] if total.population_by_sex else None,
                        found.external_by_sex[sex], include_external) for sex in SEXES],
        bands=[BandLine(band, r, t) for band, r, t in zip(AGE_BANDS, found.registered_by_band,
                                                          found.trained_by_band)],
        trend=[replace(point, external=external_by_month.get(point.month, 0), include_external=include_external)
               for point in trend],
        courses=_courses(session, list(row_of), day, activity_since),
        **_survey(session, list(row_of), day),
    )


@dataclass(frozen=True)
class _Everywhere:
    """The root of every unit of the instance, for open data."""
    path: str = "/"
    kind: str = "instance"


@dataclass(frozen=True)
class OpenCommune:
    commune: Unit
    villages: list[tuple[Unit, Counts]]


def open_data_counts(session: Session, day: date) -> list[OpenCommune]:
    """Per village and commune, for publication: real (not demo) units only. Three queries."""
    everywhere = _Everywhere()
    units = session.scalars(select(Unit).where(Unit.merged_into_id.is_(None), Unit.is_demo.is_(False),
                                               Unit.kind.in_(("commune", "village")))).all()
    communes = {unit.id: unit for unit in units if unit.kind == "commune"}
    row_of = {unit.id: unit.parent_id for unit in units if unit.kind == "village" and unit.parent_id in communes}
    figures = _population(session, everywhere)
    villages = _collect(session, everywhere, row_of, figures, day, date(day.year, 1, 1), registered=False).villages
    units_by_id = {unit.id: unit for unit in units}
    grouped: dict[int, list] = defaultdict(list)
    for village_id, counts in villages.items():
        grouped[row_of[village_id]].append((units_by_id[village_id], counts))
    return [OpenCommune(commune, sorted(grouped[commune.id], key=lambda pair: pair[0].name))
            for commune in sorted(communes.values(), key=lambda unit: unit.name)]


def _village_counts(row_of: dict[int, int], figures: dict, day: date) -> dict[int, Counts]:
    villages = {}
    for village_id in row_of:
        figure = figure_for(figures.get(village_id, []), day.year)
        counts = Counts(villages=1, villages_without_figure=int(figure is None))
        if figure is not None:
            counts.population, counts.figure_years = figure[1], {figure[0]}
        villages[village_id] = counts
    return villages


def _population_by_sex(row_of: dict[int, int], figures: dict, day: date) -> dict[str, int] | None:
    """Labour-age population by sex, only when every figure in use gives the split."""
    used = [figure for village_id in row_of if (figure := figure_for(figures.get(village_id, []), day.year))]
    if not used or any(figure[2] is None or figure[3] is None for figure in used):
        return None
    return {"male": sum(f[2] for f in used), "female": sum(f[3] for f in used)}


def _months(day: date) -> list[date]:
    first = day.replace(day=1)
    months = []
    for _ in range(TREND_MONTHS):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _month_end(month: date, day: date) -> date:
    following = (month + timedelta(days=32)).replace(day=1)
    return min(following - timedelta(days=1), day)


def _trend(session: Session, villages: list[int], day: date, figures: dict, this_month: tuple[int, int]
           ) -> list[MonthPoint]:
    """Trained per month, and the labour-age trained at each month's end over the population.

    Whole months come from the monthly counters (starts up to the month minus stops up to it); the
    last, unfinished month is `this_month` (newly trained, labour-age trained), counted exactly from
    the trained rows up to the report's day."""
    months = _months(day)
    with_figure = [village for village, rows in figures.items() if figure_for(rows, day.year)]
    counted = TrainedMonth.village_id.in_(with_figure)
    rows = session.execute(
        select(TrainedMonth.month, func.sum(TrainedMonth.newly),
               func.sum(TrainedMonth.starts - TrainedMonth.stops).filter(counted))
        .where(TrainedMonth.village_id.in_(villages), TrainedMonth.month < months[-1])
        .group_by(TrainedMonth.month)).all()
    new: dict[date, int] = {}
    change: dict[date, int] = {}
    for month, newly, changed in rows:
        new[_as_date(month)], change[_as_date(month)] = int(newly or 0), int(changed or 0)
    # With fallback_to_earliest, a village with figures always gets one.
    population = {year: sum(figure_for(figures[v], year, fallback_to_earliest=True)[1]  # type: ignore[index]
                            for v in with_figure)
                  for year in {month.year for month in months}}
    trained = sum(n for changed, n in change.items() if changed < months[0])
    points = []
    for month in months[:-1]:
        trained += change.get(month, 0)
        points.append(MonthPoint(month, new.get(month, 0), trained, population[month.year] or None))
    points.append(MonthPoint(months[-1], this_month[0], this_month[1], population[day.year] or None))
    return points


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _courses(session: Session, villages: list[int], day: date, since: date | None) -> list[CourseLine]:
    activity = CourseActivity
    period = [activity.month <= day.replace(day=1)]
    if since is not None:
        period.append(activity.month >= since.replace(day=1))
    sums = (select(activity.course_id, func.sum(activity.started).label("started"),
                   func.sum(activity.completed_self).label("completed_self"),
                   func.sum(activity.completed_assisted).label("completed_assisted"),
                   func.sum(activity.first_attempts).label("first_attempts"),
                   func.sum(activity.first_attempt_passes).label("first_attempt_passes"))
            .where(activity.village_id.in_(villages), *period)
            .group_by(activity.course_id).subquery())
    lines = session.execute(
        select(Course.id, Course.title, Course.required, sums.c.started, sums.c.completed_self,
               sums.c.completed_assisted, sums.c.first_attempts, sums.c.first_attempt_passes)
        .outerjoin(sums, sums.c.course_id == Course.id)
        .where(or_(Course.is_published, sums.c.course_id.is_not(None)))
        .order_by(Course.required.desc(), Course.position, Course.title)).all()
    wrong = _most_wrong(session, villages)
    # The five sums fill the fields before most_wrong, which mypy cannot count in a starred argument.
    return [CourseLine(course_id, title, required, *(int(n or 0) for n in numbers),  # type: ignore[misc, arg-type]
                       most_wrong=tuple(wrong.get(course_id, ())))
            for course_id, title, required, *numbers in lines]


def _most_wrong(session: Session, villages: list[int]) -> dict[int, list[WrongQuestion]]:
    """The questions answered wrong most often, per course (all time: for improving lessons)."""
    rows = session.execute(
        select(QuizVersion.course_id, Question.text, QuizVersion.number, func.sum(QuestionStat.answered),
               func.sum(QuestionStat.wrong))
        .join(Question, Question.id == QuestionStat.question_id)
        .join(QuizVersion, QuizVersion.id == Question.quiz_version_id)
        .where(QuestionStat.village_id.in_(villages))
        .group_by(QuizVersion.course_id, Question.id, Question.text, QuizVersion.number)
        .having(func.sum(QuestionStat.wrong) > 0)).all()
    found: dict[int, list[WrongQuestion]] = defaultdict(list)
    for course_id, text, number, answered, wrong in rows:
        found[course_id].append(WrongQuestion(text, number, int(answered), int(wrong)))
    return {course_id: sorted(questions, key=lambda q: (-q.wrong, -Fraction(q.wrong, q.answered), q.text))[:TOP_WRONG]
            for course_id, questions in found.items()}


def _survey(session: Session, villages: list[int], day: date) -> dict:
    answers = session.execute(
        select(func.count(), *(column for key, _a, _b in INDICATORS for column in (
            _count(getattr(SurveyResponse, key).is_(True)), _count(getattr(SurveyResponse, key).is_not(None)))))
        .where(SurveyResponse.village_id.in_(villages), SurveyResponse.answered_on <= day)).one()
    responses, *numbers = answers
    indicators = [Indicator(key, int(numbers[2 * i] or 0), int(numbers[2 * i + 1] or 0), t2025, t2030)
                  for i, (key, t2025, t2030) in enumerate(INDICATORS)]
    return {"survey": indicators, "survey_responses": int(responses or 0)}


