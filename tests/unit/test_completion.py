from datetime import date

from elearn.training.ages import age_on
from elearn.training.completion import course_completed, progress_percent, trained_on
from elearn.training.passwords import password_problem


def test_a_course_needs_every_lesson_opened_and_the_quiz_passed():
    assert course_completed([1, 2, 3], [1, 2, 3], quiz_passed=True)
    assert not course_completed([1, 2, 3], [1, 3], quiz_passed=True)
    assert not course_completed([1, 2, 3], [1, 2, 3], quiz_passed=False)
    assert course_completed([1, 2], [1, 2, 7], quiz_passed=True)


def test_trained_is_the_day_the_last_required_course_was_completed():
    completions = {1: date(2025, 3, 1), 2: date(2025, 4, 2), 3: date(2025, 1, 9)}
    assert trained_on([1, 2], completions) == date(2025, 4, 2)
    assert trained_on([1, 4], completions) is None
    assert trained_on([], completions) is None


def test_progress_percent_handles_empty_courses():
    assert progress_percent(0, 0) == 0
    assert progress_percent(2, 3) == 66


def test_age_in_full_years_and_the_29_february_birthday():
    assert age_on(date(1990, 6, 15), date(2025, 6, 14)) == 34
    assert age_on(date(1990, 6, 15), date(2025, 6, 15)) == 35
    leap = date(2008, 2, 29)
    assert age_on(leap, date(2023, 2, 28)) == 14
    assert age_on(leap, date(2023, 3, 1)) == 15
    assert age_on(leap, date(2024, 2, 29)) == 16


def test_passwords_need_length_and_must_not_be_common():
    assert password_problem("short") == "too_short"
    assert password_problem("x" * 129) == "too_long"
    assert password_problem("12345678") == "too_common"
    assert password_problem("MatKhau123") == "too_common"
    assert password_problem("aaaaaaaaaa") == "too_common"
    assert password_problem("lua nuoc tra binh") is None
