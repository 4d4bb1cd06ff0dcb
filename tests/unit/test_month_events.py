"""Which monthly counters a trained person moves (the dashboard's trend sums them)."""
from datetime import date

from elearn.records.trained import month_events


def test_a_labour_age_resident_starts_when_trained_and_stops_the_month_after_their_labour_age():
    assert month_events(date(2026, 3, 10), date(1990, 3, 25), date(2034, 11, 30)) == [
        (date(2026, 3, 1), "newly"), (date(2026, 3, 1), "starts"), (date(2034, 12, 1), "stops")]


def test_someone_trained_before_fifteen_starts_counting_on_their_fifteenth_birthday():
    assert month_events(date(2026, 3, 10), date(2026, 5, 2), date(2073, 4, 30))[1] == (date(2026, 5, 1), "starts")


def test_someone_trained_after_their_labour_age_never_counts():
    assert month_events(date(2026, 3, 10), date(1975, 1, 1), date(2021, 4, 30)) == [(date(2026, 3, 1), "newly")]
    assert month_events(date(2026, 3, 10), None, None) == [(date(2026, 3, 1), "newly")]
