"""Ages and labour age (độ tuổi lao động), by the Labour Code 2019 and Decree 135/2020/NĐ-CP.

A 29 February birthday comes on 1 March in other years. Labour age starts on the 15th birthday and
ends at the end of the month in which the person reaches the normal retirement age that applies
to them (see ../shared/docs/DOMAIN.md §2 for the rule and the published examples).
"""
from __future__ import annotations

import calendar
from datetime import date
from functools import cache

MIN_REGISTRATION_AGE = 15
GUARDIAN_CONSENT_BELOW = 16  # Law 91/2025/QH15: a child's data needs a guardian's consent too
LABOUR_AGE_FROM = 15  # Labour Code 2019, Art. 3

# Normal retirement age in months (Art. 169, Decree 135): before 2021, then one step per year.
_RETIREMENT = {
    "male": (60 * 12, 3, 62 * 12),  # 60y0m until 2020, +3 months a year, 62y0m from 2028
    "female": (55 * 12, 4, 60 * 12),  # 55y0m until 2020, +4 months a year, 60y0m from 2035
}
_SCHEDULE_START = 2020


def birthday_in(birth: date, year: int) -> date:
    try:
        return birth.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    return years if day >= birthday_in(birth, day.year) else years - 1


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year.

    A person born on or before `years_before(day, n)` is at least n years old on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def retirement_age_months(sex: str, year: int) -> int:
    """The normal retirement age, in months, for people who reach it in `year`."""
    start, step, last = _RETIREMENT[sex]
    return min(start + step * max(0, year - _SCHEDULE_START), last)


def _retirement_month_index(birth_month_index: int, sex: str) -> int:
    """year*12 + (month-1) of the month in which a person born in `birth_month_index` retires.

    The age that applies is the one for the calendar year in which the person reaches it: the
    first year Y whose age, added to the birth month, falls in Y or earlier."""
    year = birth_month_index // 12 + min(start // 12 for start, _step, _last in _RETIREMENT.values())
    while (birth_month_index + retirement_age_months(sex, year)) // 12 > year:
        year += 1
    return birth_month_index + retirement_age_months(sex, year)


def _month_end(month_index: int) -> date:
    year, month = divmod(month_index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def labour_age_window(birth: date, sex: str) -> tuple[date, date]:
    """(first day, last day) of labour age: the 15th birthday and the end of the retirement month."""
    retirement = _retirement_month_index(birth.year * 12 + birth.month - 1, sex)
    return birthday_in(birth, birth.year + LABOUR_AGE_FROM), _month_end(retirement)


def is_labour_age(birth: date, sex: str, on: date) -> bool:
    first, last = labour_age_window(birth, sex)
    return first <= on <= last


@cache
def birth_date_window(sex: str, on: date) -> tuple[date, date]:
    """(earliest, latest) birth dates of the people of labour age on `on`, so that a query can ask
    `birth_date BETWEEN earliest AND latest` instead of applying the rule person by person.

    The retirement month never moves earlier for a later birth month, so the set is one range."""
    latest = years_before(on, LABOUR_AGE_FROM)
    target = on.year * 12 + on.month - 1
    month = (on.year - 80) * 12
    while _retirement_month_index(month, sex) < target:
        month += 1
    earliest = date(month // 12, month % 12 + 1, 1)
    return earliest, latest
