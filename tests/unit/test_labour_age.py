"""Labour age by the Labour Code 2019 and Decree 135/2020/NĐ-CP (DOMAIN.md §2)."""
from datetime import date, timedelta

import pytest

from elearn.training.ages import (age_on, birth_date_window, is_labour_age, labour_age_window,
                                  retirement_age_months)

# Decree 135, Appendix I: the normal retirement age for people who reach it in each year.
MEN = {2020: (60, 0), 2021: (60, 3), 2022: (60, 6), 2023: (60, 9), 2024: (61, 0), 2025: (61, 3),
       2026: (61, 6), 2027: (61, 9), 2028: (62, 0), 2040: (62, 0)}
WOMEN = {2020: (55, 0), 2021: (55, 4), 2022: (55, 8), 2023: (56, 0), 2024: (56, 4), 2025: (56, 8),
         2026: (57, 0), 2027: (57, 4), 2028: (57, 8), 2029: (58, 0), 2030: (58, 4), 2031: (58, 8),
         2032: (59, 0), 2033: (59, 4), 2034: (59, 8), 2035: (60, 0), 2040: (60, 0)}


@pytest.mark.parametrize("sex, year, age", [("male", y, a) for y, a in MEN.items()]
                         + [("female", y, a) for y, a in WOMEN.items()])
def test_the_retirement_age_of_each_year_is_the_published_one(sex, year, age):
    assert retirement_age_months(sex, year) == age[0] * 12 + age[1]


# Decree 135, Appendix II: the first birth month of each year's group. The group's first person
# retires at the end of April (men) or May (women) of that year, its last at the end of December:
# a group spans 9 birth months for men (+3 months a year) and 8 for women (+4 months a year).
MEN_GROUPS = {2021: (1961, 1), 2022: (1961, 10), 2023: (1962, 7), 2024: (1963, 4), 2025: (1964, 1),
              2026: (1964, 10), 2027: (1965, 7), 2028: (1966, 4)}
WOMEN_GROUPS = {2021: (1966, 1), 2022: (1966, 9), 2023: (1967, 5), 2024: (1968, 1), 2025: (1968, 9),
                2026: (1969, 5), 2027: (1970, 1), 2028: (1970, 9), 2029: (1971, 5), 2030: (1972, 1),
                2031: (1972, 9), 2032: (1973, 5), 2033: (1974, 1), 2034: (1974, 9), 2035: (1975, 5)}


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


@pytest.mark.parametrize("sex, year, first_birth, span, first_month", [
    ("male", year, start, 9, 4) for year, start in MEN_GROUPS.items()] + [
    ("female", year, start, 8, 5) for year, start in WOMEN_GROUPS.items()])
def test_every_year_of_the_schedule_retires_its_group_from_april_or_may_to_december(
        sex, year, first_birth, span, first_month):
    for offset in range(span):
        birth_year, birth_month = _add_months(*first_birth, offset)
        _, last = labour_age_window(date(birth_year, birth_month, 15), sex)
        month = first_month + offset
        assert (last.year, last.month) == (year, month), (birth_year, birth_month)
    # The month before the group belongs to the year before, retiring in December.
    before_year, before_month = _add_months(*first_birth, -1)
    _, last = labour_age_window(date(before_year, before_month, 15), sex)
    assert (last.year, last.month) == (year - 1, 12)


@pytest.mark.parametrize("sex, birth, retires", [
    ("male", date(1961, 1, 20), date(2021, 4, 30)),  # published example: 60y3m, end of 04/2021
    ("female", date(1966, 1, 5), date(2021, 5, 31)),  # published example: 55y4m, end of 05/2021
    ("male", date(1961, 10, 2), date(2022, 4, 30)),  # reaches 60y3m in 01/2022, so 60y6m applies
    ("male", date(1960, 12, 31), date(2020, 12, 31)),  # the old rule: 60 years, in 2020
    ("female", date(1965, 12, 1), date(2020, 12, 31)),
    ("male", date(1990, 6, 1), date(2052, 6, 30)),  # 62 years from 2028 on
    ("female", date(1990, 6, 1), date(2050, 6, 30)),  # 60 years from 2035 on
])
def test_the_published_examples_and_the_ends_of_the_schedule(sex, birth, retires):
    assert labour_age_window(birth, sex)[1] == retires


def test_labour_age_ends_at_the_end_of_the_last_day_of_the_retirement_month():
    birth = date(1961, 1, 20)  # retires at the end of 30/04/2021
    assert is_labour_age(birth, "male", date(2021, 4, 30))
    assert not is_labour_age(birth, "male", date(2021, 5, 1))


def test_month_ends_fall_on_the_right_last_day():
    # Retirement in February: 28 or 29 days. A man born 11/1963 reaches 61y in 11/2024 (2024 age).
    assert labour_age_window(date(1963, 11, 30), "male")[1] == date(2024, 11, 30)
    # A woman born 09/1968 reaches 56y8m in 05/2025; born 06/1968 reaches 56y4m in 10/2024.
    assert labour_age_window(date(1968, 6, 30), "female")[1] == date(2024, 10, 31)
    # February, once every month can be a retirement month: 62 years for men from 2028 on,
    # 60 for women from 2035 on; 29 days in a leap year, 28 otherwise.
    assert labour_age_window(date(1970, 2, 1), "male")[1] == date(2032, 2, 29)
    assert labour_age_window(date(1967, 2, 1), "male")[1] == date(2029, 2, 28)
    assert labour_age_window(date(1976, 2, 1), "female")[1] == date(2036, 2, 29)
    # A man of the old rule, born 02/1952, retires at the end of 02/2012, a leap February.
    assert labour_age_window(date(1952, 2, 10), "male")[1] == date(2012, 2, 29)


def test_labour_age_starts_on_the_fifteenth_birthday():
    birth = date(2010, 6, 15)
    assert not is_labour_age(birth, "female", date(2025, 6, 14))
    assert is_labour_age(birth, "female", date(2025, 6, 15))


def test_a_29_february_birthday_turns_fifteen_on_1_march():
    birth = date(2008, 2, 29)
    assert labour_age_window(birth, "male")[0] == date(2023, 3, 1)
    assert not is_labour_age(birth, "male", date(2023, 2, 28))
    assert is_labour_age(birth, "male", date(2023, 3, 1))
    assert age_on(birth, date(2023, 2, 28)) == 14 and age_on(birth, date(2023, 3, 1)) == 15


def _days(start: date, end: date, step: int):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=step)


@pytest.mark.parametrize("sex", ["male", "female"])
@pytest.mark.parametrize("on", [date(2021, 4, 30), date(2021, 5, 1), date(2024, 2, 29), date(2025, 6, 30),
                                date(2026, 11, 30), date(2030, 1, 1), date(2036, 3, 1)])
def test_the_birth_date_window_agrees_with_the_rule_for_every_birth_date(sex, on):
    earliest, latest = birth_date_window(sex, on)
    # Every day around both ends of the window, and every ninth day in between and outside.
    near_ends = [*_days(earliest - timedelta(days=400), earliest + timedelta(days=400), 1),
                 *_days(latest - timedelta(days=400), latest + timedelta(days=400), 1)]
    for birth in [*near_ends, *_days(date(on.year - 70, 1, 1), date(on.year - 10, 12, 31), 9)]:
        assert is_labour_age(birth, sex, on) == (earliest <= birth <= latest), birth


def test_the_birth_date_window_handles_29_february_on_both_ends():
    _, latest = birth_date_window("male", date(2024, 2, 29))
    assert latest == date(2009, 2, 28)
    _, latest = birth_date_window("female", date(2023, 2, 28))
    assert date(2008, 2, 29) > latest  # still 14 on 28/02/2023
