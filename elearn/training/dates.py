"""Dates as people in Vietnam type them (no Flask): day first, then month, then year.

A birth date comes in three boxes (ngày / tháng / năm) or, from an older page, a pasted text or a
hand typed box, as one text. Each of these is read here, the same way everywhere:

    "12", "05", "1985"            three boxes
    "12 05 1985", "12/5/1985", "12-05-1985", "12.05.1985", "12051985"
    "ngày 12 tháng 5 năm 1985", "12 tháng 5, 1985", "1985-05-12" (ISO), "19850512"

A two-digit year ("12/05/85") is never guessed: the person is asked for four digits. Nothing here
decides whether a date is a plausible birth date (see elearn.auth.forms.check_birth_date).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

FIRST_YEAR = 1900
MAX_PART_LENGTH = 30  # a whole date written in words fits; a 5,000-character "day" is not read
_WORDS = {"ngay", "thang", "nam", "thg", "th", "t", "sinh"}  # said around the numbers, read as separators
_SEPARATORS = re.compile(r"[\s/\-.,:]+")
PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class TypedDate:
    """What was understood: `day` (a date) or a `problem` with its `values`; `bad` names the boxes
    (day, month, year) to mark; `parts` are the numbers to show back in the three boxes when the
    text was understood (a whole date typed in one box is spread over the three)."""

    day: date | None = None
    problem: str | None = None
    values: dict = field(default_factory=dict)
    bad: frozenset[str] = frozenset()
    parts: tuple[str, str, str] | None = None


def _plain(text: str | None) -> str:
    """Full-width digits as ASCII, lower case, no diacritics ('Tháng' -> 'thang'), single spaces."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("đ", "d")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return " ".join(text.split())[:MAX_PART_LENGTH * 2]


def _numbers(text: str) -> list[str] | None:
    """The groups of digits of `text`, or None when it holds anything but digits, separators and
    the words said around them ('ngày', 'tháng', 'năm')."""
    groups: list[str] = []
    for token in _SEPARATORS.split(text):
        if not token:
            continue
        match = re.fullmatch(r"([a-z]*)(\d*)([a-z]*)", token)
        if not match or not token.isascii() or any(w and w not in _WORDS for w in (match[1], match[3])):
            return None
        if match[2]:
            groups.append(match[2])
    return groups


def _make(day: int, month: int, year: int, year_text: str) -> TypedDate:
    """A date from its numbers, or the problem with the first wrong one."""
    if not 1 <= month <= 12:
        return TypedDate(problem="bad_month", bad=frozenset({"month"}))
    if not 1 <= day <= 31:
        return TypedDate(problem="bad_day", bad=frozenset({"day"}))
    if len(year_text) == 2:
        return TypedDate(problem="two_digit_year", values={"typed": year_text}, bad=frozenset({"year"}))
    if len(year_text) != 4 or year < FIRST_YEAR:
        return TypedDate(problem="bad_year", bad=frozenset({"year"}))
    try:
        understood = date(year, month, day)
    except ValueError:  # 31 April, 29 February in a common year
        return TypedDate(problem="no_such_day", values={"day": day, "month": month, "year": year},
                         bad=frozenset({"day"}))
    return TypedDate(day=understood, parts=(str(day), str(month), str(year)))


def parse_date_text(text: str | None) -> TypedDate:
    """One text holding a whole date, day first (see the module's examples)."""
    plain = _plain(text)
    if not plain:
        return TypedDate(problem="missing", bad=frozenset(PARTS))
    groups = _numbers(plain)
    if groups is None or not groups:
        return TypedDate(problem="unknown", bad=frozenset(PARTS))
    if len(groups) == 1:
        digits = groups[0]
        if len(digits) == 8:
            as_dmy = _make(int(digits[:2]), int(digits[2:4]), int(digits[4:]), digits[4:])
            if as_dmy.day or digits[:2] not in ("19", "20"):
                return as_dmy
            as_ymd = _make(int(digits[6:]), int(digits[4:6]), int(digits[:4]), digits[:4])
            return as_ymd if as_ymd.day else as_dmy
        if len(digits) == 6:  # ddmmyy
            return _make(int(digits[:2]), int(digits[2:4]), int(digits[4:]), digits[4:])
        return TypedDate(problem="unknown", bad=frozenset(PARTS))
    if len(groups) != 3 or any(len(group) > 4 for group in groups):
        return TypedDate(problem="unknown", bad=frozenset(PARTS))
    if len(groups[0]) == 4:  # 1985-05-12: the year first, as ISO writes it
        year_text, month_text, day_text = groups
    else:
        day_text, month_text, year_text = groups
    if len(day_text) > 2 or len(month_text) > 2:
        return TypedDate(problem="unknown", bad=frozenset(PARTS))
    return _make(int(day_text), int(month_text), int(year_text), year_text)


def _one_number(text: str, part: str) -> str | None:
    """The digits of one box ('05', 'tháng 5', 'năm 1985'), or None when it holds something else."""
    groups = _numbers(_plain(text))
    if not groups or len(groups) != 1 or len(groups[0]) > (4 if part == "year" else 2):
        return None
    return groups[0]


def parse_date_parts(day_text: str | None, month_text: str | None, year_text: str | None) -> TypedDate:
    """The three boxes. A whole date typed or pasted into the day box alone is read as one text."""
    texts = {"day": (day_text or "").strip(), "month": (month_text or "").strip(), "year": (year_text or "").strip()}
    if not any(texts.values()):
        return TypedDate(problem="missing", bad=frozenset(PARTS))
    if texts["day"] and not texts["month"] and not texts["year"] and _whole_date(texts["day"]):
        return parse_date_text(texts["day"])
    missing = [part for part in PARTS if not texts[part]]
    if missing:
        return TypedDate(problem="incomplete", values={"missing": tuple(missing)}, bad=frozenset(missing))
    numbers: dict[str, str] = {}
    for part in PARTS:
        number = _one_number(texts[part], part)
        if number is None:
            return TypedDate(problem=f"bad_{part}", bad=frozenset({part}))
        numbers[part] = number
    return _make(int(numbers["day"]), int(numbers["month"]), int(numbers["year"]), numbers["year"])


def _whole_date(text: str) -> bool:
    """More than a day: several numbers, or six or eight digits in one."""
    groups = _numbers(_plain(text))
    return groups is None or len(groups) > 1 or (len(groups) == 1 and len(groups[0]) > 2)


def two_digit_year_guess(typed: str, today: date) -> int | None:
    """The one four-digit year a birth year typed as two digits can be ('85' -> 1985 in 2026), or
    None when both 19xx and 20xx could be (a person aged 5 or 105?). Only ever offered as a question."""
    candidates = [century + int(typed) for century in (1900, 2000)]
    possible = [year for year in candidates if 0 <= today.year - year <= 100]
    return possible[0] if len(possible) == 1 else None
