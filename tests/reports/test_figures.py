"""The figures of a small commune, against numbers worked out by hand (see conftest.py)."""
from datetime import date
from fractions import Fraction

from elearn.records.trained import rebuild_trained_months
from elearn.reports.figures import build_report
from elearn.training.rates import TARGETS
from tests.reports.conftest import DAY

T2025, T2030 = TARGETS


def test_the_commune_total_counts_labour_age_trained_over_the_villages_with_a_figure(db, commune):
    report = build_report(db, commune.commune, DAY)
    total = report.total
    # A: 10 (2026 figure), B: 20 (2025 figure, the latest up to 2026), C: none.
    assert (total.population, total.villages, total.villages_without_figure) == (30, 3, 1)
    # Labour-age trained on 30/06/2026: A 4, B 15, C 2; the rate counts A and B only.
    assert (total.trained, total.trained_counted, total.trained_any_age) == (21, 19, 22)
    assert total.rate == Fraction(19, 30)
    # Over 70% of 30 is 22 people (21 is exactly 70%); over 80% is 25.
    assert (total.gap(T2025), total.gap(T2030)) == (3, 6)
    assert total.assisted == 1 and total.trained_in_period == 18  # B's three were trained in 2025


def test_each_village_has_its_own_line_and_a_village_without_a_figure_has_no_rate(db, commune):
    rows = {row.name: row.counts for row in build_report(db, commune.commune, DAY).rows}
    assert list(rows) == ["Thôn A", "Thôn B", "Thôn C"]
    assert (rows["Thôn A"].population, rows["Thôn A"].trained, rows["Thôn A"].rate) == (10, 4, Fraction(4, 10))
    assert rows["Thôn A"].gap(T2025) == 4 and rows["Thôn A"].figure_years == {2026}
    assert rows["Thôn B"].figure_years == {2025} and rows["Thôn B"].gap(T2025) == 0
    assert rows["Thôn C"].population is None and rows["Thôn C"].rate is None and rows["Thôn C"].gap(T2025) is None
    assert rows["Thôn C"].trained == 2


def test_a_province_is_the_sum_of_its_communes(db, commune):
    report = build_report(db, commune.province, DAY)
    assert [row.name for row in report.rows] == ["Xã Hai", "Xã Một"]
    assert (report.total.population, report.total.trained_counted) == (35, 20)
    assert report.rows[1].counts.villages_without_figure == 1


def test_a_figure_is_taken_from_the_latest_year_up_to_the_day(db, commune):
    report = build_report(db, commune.commune, date(2025, 12, 31))
    rows = {row.name: row.counts for row in report.rows}
    assert rows["Thôn A"].population == 9 and rows["Thôn A"].figure_years == {2024}


def test_by_sex_rates_need_the_split_in_every_figure(db, commune):
    one = build_report(db, commune.commune, DAY)  # B's figure has no split
    assert [(s.sex, s.trained, s.population) for s in one.by_sex] == [("female", 7, None), ("male", 14, None)]
    two = build_report(db, commune.other_commune, DAY)
    assert [(s.sex, s.trained, s.population) for s in two.by_sex] == [("female", 1, 2), ("male", 0, 3)]


def test_age_bands_split_the_labour_age_trained(db, commune):
    bands = {band.band: band.trained for band in build_report(db, commune.commune, DAY).bands}
    # Ages on 30/06/2026: 19 (A), 30 (A), 40 (A, man), 50 (A), 46 x15 (B), 41 x2 (C).
    assert bands == {(15, 24): 1, (25, 34): 1, (35, 44): 3, (45, 54): 16, (55, None): 0}


def test_the_trend_counts_each_month_end(db, commune):
    trend = {point.month: point for point in build_report(db, commune.commune, DAY).trend}
    assert len(trend) == 24 and max(trend) == date(2026, 6, 1)
    # Newly trained (any age, every village): 3 in 11/2025; A 5, B 12, C 2 on 10/03/2026.
    assert trend[date(2025, 11, 1)].newly_trained == 3 and trend[date(2026, 3, 1)].newly_trained == 19
    # Villages with a figure (A, B): 3 trained by the end of 11/2025, 19 by the end of 03/2026.
    assert trend[date(2025, 11, 1)].trained == 3 and trend[date(2026, 3, 1)].trained == 19
    assert trend[date(2026, 3, 1)].population == 30 and trend[date(2025, 11, 1)].population == 29


def test_a_retired_person_stops_counting_at_the_end_of_their_retirement_month(db, commune):
    # A man born 05/1966 reaches 62 in 05/2028: counted on 31/05/2028, not on 01/06/2028.
    from tests.reports.conftest import trained

    db.add(trained(commune.c, date(1966, 5, 20), "male", set_id=1))
    db.flush()
    rebuild_trained_months(db, [commune.c.id])
    db.commit()
    before = build_report(db, commune.commune, date(2028, 5, 31)).total.trained
    after = build_report(db, commune.commune, date(2028, 6, 1)).total.trained
    assert before - after >= 1


def test_registrations_count_by_the_day_in_viet_nam(db, commune):
    from datetime import datetime

    from elearn.models import User

    # 16:30 UTC on 30/06 is 23:30 in Việt Nam (counted on 30/06); 17:30 UTC is already 01/07.
    for phone, at in (("+84912000001", datetime(2026, 6, 30, 16, 30)), ("+84912000002", datetime(2026, 6, 30, 17, 30))):
        db.add(User(full_name="X", phone=phone, password_hash="x", session_token=phone, birth_date=date(1980, 1, 1),
                    sex="male", village_id=commune.a.id, created_at=at))
    db.commit()
    assert build_report(db, commune.commune, DAY).total.registered == 1
    assert build_report(db, commune.commune, date(2026, 7, 1)).total.registered == 2
