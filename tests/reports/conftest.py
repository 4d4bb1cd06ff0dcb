"""A small commune whose figures are worked out by hand, for the reports' tests.

Xã Một (commune) has three villages: A with a 2026 figure of 10 labour-age people (6 men, 4
women), B with a 2025 figure of 20 (no split), C with no figure. Another commune, Xã Hai, has one
village D (figure 5) and belongs to the same province.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from elearn.models import (CourseActivity, PopulationFigure, RequiredSet, RoleAssignment, SurveyResponse,
                           TrainedResident, Unit, User)
from elearn.records.trained import rebuild_trained_months
from elearn.training.ages import labour_age_window
from elearn.units import add_unit
from tests.conftest import PASSWORD, PASSWORD_HASH, csrf_token, enroll_second_factor

DAY = date(2026, 6, 30)


@dataclass
class Commune:
    province: Unit
    commune: Unit
    other_commune: Unit
    a: Unit
    b: Unit
    c: Unit
    d: Unit


def trained(village, birth, sex="female", on=date(2026, 3, 10), method="self", set_id=None, user_id=None):
    start, until = labour_age_window(birth, sex)
    return TrainedResident(user_id=user_id, village_id=village.id, sex=sex, trained_on=on, method=method,
                           labour_age_from=start, labour_age_until=until, required_set_id=set_id)


@pytest.fixture
def commune(app, db) -> Commune:
    province = add_unit(db, kind="province", name="Tỉnh Thử")
    one = add_unit(db, kind="commune", name="Xã Một", parent=province)
    two = add_unit(db, kind="commune", name="Xã Hai", parent=province)
    a = add_unit(db, kind="village", name="Thôn A", parent=one)
    b = add_unit(db, kind="village", name="Thôn B", parent=one)
    c = add_unit(db, kind="village", name="Thôn C", parent=one)
    d = add_unit(db, kind="village", name="Thôn D", parent=two)
    db.add_all([PopulationFigure(village_id=a.id, year=2026, total=10, male=6, female=4, source="Thống kê xã"),
                PopulationFigure(village_id=a.id, year=2024, total=9, source="Thống kê xã"),
                PopulationFigure(village_id=b.id, year=2025, total=20, source="Thống kê xã"),
                PopulationFigure(village_id=d.id, year=2026, total=5, male=3, female=2, source="Thống kê xã")])
    required = RequiredSet(course_key="", course_ids=[], course_titles=[])
    db.add(required)
    db.flush()
    s = required.id
    db.add_all([
        # A: 4 labour-age trained (two women 30 and 50, a man 40, a woman of 19 trained by assistance),
        # plus a retired man (born 1950) who does not count, and a woman trained after the day.
        trained(a, date(1996, 1, 1), set_id=s), trained(a, date(1976, 1, 1), set_id=s),
        trained(a, date(1986, 5, 5), "male", set_id=s), trained(a, date(2007, 1, 1), method="assisted", set_id=s),
        trained(a, date(1950, 1, 1), "male", set_id=s), trained(a, date(1990, 1, 1), on=date(2026, 7, 1), set_id=s),
        # B: 15 labour-age trained, 3 of them in 2025, one erased (no user) - still counted.
        *[trained(b, date(1980, 1, 1), "male", set_id=s) for _ in range(12)],
        *[trained(b, date(1980, 1, 1), on=date(2025, 11, 2), set_id=s) for _ in range(3)],
        # C: 2 trained, no figure.
        trained(c, date(1985, 1, 1), set_id=s), trained(c, date(1985, 1, 1), "male", set_id=s),
        # D: 1 trained (the other commune).
        trained(d, date(1985, 1, 1), set_id=s),
    ])
    db.flush()
    rebuild_trained_months(db, [a.id, b.id, c.id, d.id])  # rows added in bulk, as `elearn demo` does
    db.commit()
    return Commune(province, one, two, a, b, c, d)


def staff(db, role, unit, phone):
    """A staff account with `role` over `unit`; signs in with tests.conftest.PASSWORD."""
    from elearn.auth.services import new_session_token

    user = User(full_name=f"Cán bộ {phone[-3:]}", phone=phone, password_hash=PASSWORD_HASH,
                session_token=new_session_token())
    user.assignments.append(RoleAssignment(role=role, unit_id=unit.id if unit else None))
    enroll_second_factor(user)
    db.add(user)
    db.commit()
    return user


@pytest.fixture
def sign_in_as(client, db):
    from tests.conftest import csrf_token, pass_second_step

    def sign_in(role, unit, phone="+84933000001", on=None):
        staff(db, role, unit, phone)
        browser = on or client
        response = browser.post("/sign-in", data={"phone": phone, "password": PASSWORD,
                                                  "csrf_token": csrf_token(browser, "/sign-in")})
        response = pass_second_step(browser, response)
        assert response.status_code == 302
        return browser

    return sign_in


def create_token(client, unit_id, name="Hệ thống tỉnh") -> str:
    """An official (signed in on `client`) creates an API token for the unit; the token, as shown once."""
    response = client.post("/reports/tokens", data={"csrf_token": csrf_token(client, "/reports/tokens"),
                                                     "name": name, "unit_id": str(unit_id), "days": "365"})
    assert response.status_code == 302
    page = client.get("/reports/tokens").get_data(as_text=True)
    return re.search(r"(hs_[A-Za-z0-9_-]{40,})", page).group(1)


__all__ = ["CourseActivity", "SurveyResponse"]
