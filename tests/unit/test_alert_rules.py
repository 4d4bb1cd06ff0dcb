"""The scam alerts' rules: who posts for which kind of unit, which expiry days are accepted, what is shown when."""
from datetime import date, datetime, timedelta

from elearn.training import alerts as rules

TODAY = date(2026, 12, 1)


def test_a_trainer_posts_for_villages_only_an_official_for_any_level_of_their_scope():
    assert rules.kinds_for({"trainer"}) == ("village",)
    assert rules.kinds_for({"official"}) == ("province", "commune", "village")
    assert rules.kinds_for({"admin"}) == ("province", "commune", "village")
    assert rules.kinds_for(set()) == ()


def test_the_expiry_day_is_today_or_later_and_at_most_a_year_ahead():
    assert rules.expiry_problem(TODAY, TODAY) is None
    assert rules.expiry_problem(TODAY + timedelta(days=30), TODAY) is None
    assert rules.expiry_problem(TODAY - timedelta(days=1), TODAY) == "past"
    assert rules.expiry_problem(TODAY + timedelta(days=366), TODAY) is None
    assert rules.expiry_problem(TODAY + timedelta(days=367), TODAY) == "too_far"


def test_an_alert_is_shown_from_the_day_posted_to_the_end_of_its_expiry_day_unless_ended():
    posted, expires = date(2026, 11, 20), date(2026, 12, 1)
    assert rules.is_active(posted, expires, None, TODAY)  # the last day
    assert not rules.is_active(posted, expires, None, TODAY + timedelta(days=1))
    assert not rules.is_active(posted, expires, None, posted - timedelta(days=1))
    assert not rules.is_active(posted, expires, datetime(2026, 11, 25), TODAY)
    assert rules.status(posted, expires, None, TODAY) == "active"
    assert rules.status(posted, expires, None, TODAY + timedelta(days=1)) == "expired"
    assert rules.status(posted, expires, datetime(2026, 11, 25), TODAY) == "ended"
