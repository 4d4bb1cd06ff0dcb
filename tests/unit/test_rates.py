"""Rates, gaps in people, targets, age bands and small-count suppression, on small populations
worked out by hand."""
from datetime import date
from fractions import Fraction
from itertools import pairwise

import pytest

from elearn.training.rates import (AGE_BANDS, TARGETS, band_label, band_offsets, meets, people_needed, rate,
                                   suppressed, target_for)

T2025, T2030 = TARGETS


def test_the_rate_is_trained_over_population_and_absent_without_a_figure():
    assert rate(7, 10) == Fraction(7, 10)
    assert rate(3, None) is None and rate(3, 0) is None


@pytest.mark.parametrize("trained, population, needed_70, needed_80", [
    (0, 10, 8, 9),  # over 70% of 10 is 8 people; over 80% is 9
    (7, 10, 1, 2),  # exactly 70% is not over 70%
    (8, 10, 0, 1),
    (70, 100, 1, 11),
    (71, 100, 0, 10),
    (0, 3, 3, 3),  # over 70% of 3 is 3 (2 is 66.7%)
    (350, 1000, 351, 451),
    (12, 10, 0, 0),  # more trained than the figure: nothing needed (the page flags the figure)
])
def test_people_needed_to_be_over_the_target(trained, population, needed_70, needed_80):
    assert people_needed(trained, population, T2025) == needed_70
    assert people_needed(trained, population, T2030) == needed_80
    assert meets(trained + needed_70, population, T2025)
    if needed_70:
        assert not meets(trained + needed_70 - 1, population, T2025)


def test_no_gap_is_invented_without_a_population_figure():
    assert people_needed(5, None, T2025) is None and not meets(5, None, T2025)


@pytest.mark.parametrize("day, year", [(date(2024, 6, 30), 2025), (date(2025, 12, 31), 2025),
                                       (date(2026, 1, 1), 2030), (date(2031, 5, 1), 2030)])
def test_a_day_is_measured_against_the_next_target(day, year):
    assert target_for(day).year == year


def test_age_bands_cover_labour_age_without_gaps():
    assert [band_label(b) for b in AGE_BANDS] == ["15–24", "25–34", "35–44", "45–54", "55+"]
    assert band_offsets() == [10, 20, 30, 40]
    for (_, high), (low, _) in pairwise(AGE_BANDS):
        assert low == high + 1


def test_counts_under_five_are_hidden_and_none_is_never_shown():
    hidden, _ = suppressed({"a": 4, "b": 5, "c": 0, "d": None, "e": 40}, totals=[])
    assert hidden == {"a", "c"}


def test_one_hidden_count_would_be_recovered_from_the_total_so_the_smallest_other_goes_too():
    # Total 3 + 20 + 9 = 32 is published: 3 alone = 32 - 20 - 9, so 9 is hidden as well.
    assert suppressed({"a": 3, "b": 20, "c": 9}) == ({"a", "c"}, set())


def test_a_hidden_pair_adding_up_to_under_five_is_not_enough():
    # 1 + 2 = 3 could be worked out as a pair: the next smallest (6) is hidden as well.
    assert suppressed({"a": 1, "b": 2, "c": 6, "d": 30}) == ({"a", "b", "c"}, set())


def test_nothing_is_hidden_when_every_count_is_five_or_more():
    assert suppressed({"a": 5, "b": 12}) == (set(), set())


def test_a_group_with_nothing_left_to_hide_hides_its_total():
    assert suppressed({"a": 2}) == ({"a"}, {0})
    assert suppressed({"a": 2, "b": 1}) == ({"a", "b"}, {0})
    assert suppressed({"a": 6}) == (set(), set())


def test_every_published_total_is_protected():
    # Two totals: every village, and the villages with a population figure (a, c). Hiding a and b
    # protects the first total, but a = (a + c) - c through the second: c is hidden too.
    hidden, _ = suppressed({"a": 3, "b": 10, "c": 20}, totals=[{"a", "b", "c"}, {"a", "c"}])
    assert hidden == {"a", "b", "c"}
