"""A birth date as people in Vietnam type it: day first, never a guessed century (issue 9)."""
from datetime import date

import pytest

from elearn.training.dates import parse_date_parts, parse_date_text, two_digit_year_guess

MAY_12 = date(1985, 5, 12)


@pytest.mark.parametrize("text", [
    "12 05 1985", "12/05/1985", "12/5/1985", "12-05-1985", "12.05.1985", "12051985", " 12 / 05 / 1985 ",
    "ngày 12 tháng 5 năm 1985", "Ngày 12 Tháng 05 Năm 1985", "12 tháng 5, 1985", "ngay 12 thang 5 nam 1985",
    "1985-05-12", "19850512", "１２/０５/１９８５", "12 thg 5 1985", "sinh ngày 12/5/1985",
])
def test_every_common_way_of_writing_a_date_is_read_day_first(text):
    assert parse_date_text(text).day == MAY_12


def test_12051985_is_12_may_not_5_december():  # what <input type="date"> made of it in Chromium
    parsed = parse_date_text("12051985")
    assert parsed.day == MAY_12 and parsed.parts == ("12", "5", "1985")


@pytest.mark.parametrize("text, typed", [("12/05/85", "85"), ("12 5 85", "85"), ("120585", "85"), ("1/1/05", "05")])
def test_a_two_digit_year_is_not_guessed(text, typed):
    parsed = parse_date_text(text)
    assert parsed.day is None and parsed.problem == "two_digit_year" and parsed.values == {"typed": typed}
    assert parsed.bad == {"year"}


@pytest.mark.parametrize("text, problem", [
    ("", "missing"), ("   ", "missing"), ("hôm qua", "unknown"), ("12/05", "unknown"), ("1985", "unknown"),
    ("31/13/1980", "bad_month"), ("00/05/1985", "bad_day"), ("32/05/1985", "bad_day"), ("30/02/2001", "no_such_day"),
    ("29/02/1983", "no_such_day"), ("12/05/1850", "bad_year"), ("12/05/985", "bad_year"),
    ("12\x0005\x001985", "unknown"), ("1" * 5000, "unknown"), ("12a/05/1985", "unknown"), ("123/05/1985", "unknown"),
])
def test_what_is_not_a_date_says_why(text, problem):
    parsed = parse_date_text(text)
    assert parsed.day is None and parsed.problem == problem


def test_29_february_of_a_leap_year_is_a_date():
    assert parse_date_text("29/2/1984").day == date(1984, 2, 29)


@pytest.mark.parametrize("day, month, year", [
    ("12", "5", "1985"), ("12", "05", "1985"), (" 12 ", " 5 ", " 1985 "), ("ngày 12", "tháng 5", "năm 1985"),
    ("12", "T5", "1985"), ("１２", "５", "１９８５"),
])
def test_the_three_boxes(day, month, year):
    assert parse_date_parts(day, month, year).day == MAY_12


@pytest.mark.parametrize("boxes, problem, bad", [
    (("", "", ""), "missing", {"day", "month", "year"}),
    (("12", "", "1985"), "incomplete", {"month"}),
    (("", "5", ""), "incomplete", {"day", "year"}),
    (("12", "5", "85"), "two_digit_year", {"year"}),
    (("12", "13", "1985"), "bad_month", {"month"}),
    (("12", "năm", "1985"), "bad_month", {"month"}),
    (("40", "5", "1985"), "bad_day", {"day"}),
    (("12", "5", "19850"), "bad_year", {"year"}),
    (("31", "4", "1985"), "no_such_day", {"day"}),
])
def test_the_box_with_the_mistake_is_named(boxes, problem, bad):
    parsed = parse_date_parts(*boxes)
    assert parsed.day is None and parsed.problem == problem and parsed.bad == bad


@pytest.mark.parametrize("day_box", ["12051985", "12/05/1985", "12 05 1985", "ngày 12 tháng 5 năm 1985"])
def test_a_whole_date_typed_in_the_day_box_is_understood_and_spread_over_the_three(day_box):
    parsed = parse_date_parts(day_box, "", "")
    assert parsed.day == MAY_12 and parsed.parts == ("12", "5", "1985")


def test_a_whole_two_digit_year_date_in_the_day_box_asks_for_the_year():
    assert parse_date_parts("12/05/85", "", "").problem == "two_digit_year"


@pytest.mark.parametrize("typed, guess", [("85", 1985), ("05", 2005), ("60", 1960), ("26", None)])
def test_a_two_digit_year_is_only_offered_as_a_question_when_one_century_fits(typed, guess):
    assert two_digit_year_guess(typed, date(2026, 12, 1)) == guess
