"""A password may not be the person's own phone number, name or birth date, nor the page's example."""
from datetime import date

import pytest

from elearn.training.passwords import password_problem

LAN = {"phone": "+84912345678", "full_name": "Nguyễn Thị Lan", "birth_date": date(1975, 3, 25)}


@pytest.mark.parametrize("password", [
    "0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678", "912345678",
    "Nguyễn Thị Lan", "nguyen thi lan", "NGUYENTHILAN", "Nguyen-Thi-Lan", "NGUYỄN THỊ LAN", "Lan Nguyễn Thị",
    "25031975", "25/03/1975", "25-03-1975", "25.03.1975", "1975-03-25", "19750325", "03/25/1975", "25/3/1975 ",
])
def test_the_persons_own_details_are_refused_in_any_formatting(password):
    assert password_problem(password, **LAN) == "personal"


def test_the_d_with_stroke_is_folded_too():
    assert password_problem("dang dinh dong", full_name="Đặng Đình Đông") == "personal"


@pytest.mark.parametrize("password", ["luanuoctrabinh2025", "LuaNuocTraBinh2025", " luanuoctrabinh2025 "])
def test_the_example_in_the_hint_is_refused(password):
    assert password_problem(password) == "example"


@pytest.mark.parametrize("password", ["nguyen thi lan 1975 que toi", "0912345678 la so cua me", "lua nuoc tra binh",
                                      "25031976", "Nguyễn Thị Lan Anh"])
def test_a_phrase_that_only_contains_a_detail_is_fine(password):
    assert password_problem(password, **LAN) is None


def test_without_details_only_the_general_rules_apply():
    assert password_problem("0912345678") is None and password_problem("nguyen thi lan") is None


# Issue 9: the example as people would type it, and the phone and birth date in any form.

@pytest.mark.parametrize("password", ["lua nuoc tra binh 2025", "Lúa nước trà bình 2025", "lua-nuoc-tra-binh-2025"])
def test_the_example_with_spaces_or_diacritics_is_the_example(password):
    assert password_problem(password) == "example"


MAY_12 = {"phone": "+84912345678", "birth_date": date(1985, 5, 12)}


@pytest.mark.parametrize("password", [
    "12051985", "12/05/1985", "12-5-1985", "12.05.85", "12 05 85", "19850512", "1985-05-12", "85-05-12", "05121985",
    "12 / 5 / 1985", "ngày 12 tháng 5 năm 1985", "ngay12thang5nam1985", "sinh ngày 12/05/1985", "12051985ab",
    "0912345678", "+84912345678", "84 912 345 678", "(+84) 912-345-678", "912.345.678", "0912345678!!", "a0912345678",
])
def test_the_phone_and_the_birth_date_are_refused_in_any_form(password):
    assert password_problem(password, **MAY_12) == "personal"


@pytest.mark.parametrize("password", ["toi sinh nam 1985 o que", "12051986 khong phai", "cay lua 12 thang 5 tot",
                                      "0912345678 la so cua me"])
def test_a_sentence_around_a_detail_is_still_fine(password):
    assert password_problem(password, **MAY_12) is None
