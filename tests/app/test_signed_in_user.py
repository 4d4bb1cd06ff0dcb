"""The resident loaded from one plain statement on every request (elearn/security.py) is the same
person, with the same consents, as a full ORM query would give, and behaves as one in the session."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import inspect, select

from elearn.db import db_session
from elearn.models import ConsentRecord, RoleAssignment, User
from elearn.security import load_user
from tests.conftest import enroll_second_factor


def resident(db, auth) -> User:
    auth.register()
    return db.scalar(select(User).where(User.phone == "+84912345678"))


def test_a_resident_is_loaded_whole_with_every_consent_in_order(app, db, auth):
    user = resident(db, auth)
    first = user.consents[0]
    first.withdrawn_at = first.given_at + timedelta(days=1)
    user.consents.append(ConsentRecord(notice_version=first.notice_version,
                                       given_at=first.given_at + timedelta(days=2)))
    db.commit()
    expected = {attr.key: getattr(user, attr.key) for attr in inspect(User).column_attrs}
    consents = [(c.id, c.given_at, c.withdrawn_at) for c in user.consents]

    with app.test_request_context():
        loaded = load_user(user.session_token)
        assert {attr.key: getattr(loaded, attr.key) for attr in inspect(User).column_attrs} == expected
        assert [(c.id, c.given_at, c.withdrawn_at) for c in loaded.consents] == consents
        assert loaded.active_consent.id == consents[1][0]
        assert loaded.assignments == [] and loaded.second_factor is None
        assert inspect(loaded).persistent and loaded in db_session()
        assert loaded.village.id == loaded.village_id  # other relationships load as usual
        assert not db_session().dirty

        loaded.full_name = "Nguyễn Thị Lan Anh"  # a change made through it is saved as any other
        loaded.consents[0].witness_name = "Tổ CNS thôn"
        db_session().commit()
    db.expire_all()
    assert db.get(User, user.id).full_name == "Nguyễn Thị Lan Anh"
    assert db.get(ConsentRecord, consents[0][0]).witness_name == "Tổ CNS thôn"


def test_an_unknown_or_rotated_token_signs_nobody_in(app, db, auth):
    user = resident(db, auth)
    old = user.session_token
    user.session_token = "rotated-" + old
    db.commit()
    with app.test_request_context():
        assert load_user(old) is None
        assert load_user("") is None


def test_staff_and_residents_with_a_leftover_second_factor_are_loaded_in_full(app, db, auth, villages):
    user = resident(db, auth)
    enroll_second_factor(user)  # a former trainer: the role is gone, the app is still enrolled
    db.commit()
    with app.test_request_context():
        loaded = load_user(user.session_token)
        assert loaded.second_factor is not None and loaded.second_factor.confirmed_at is not None
    user.assignments.append(RoleAssignment(role="trainer", unit_id=villages[0]))
    user.second_factor.confirmed_at = None
    db.commit()
    with app.test_request_context():
        assert load_user(user.session_token) is None  # staff without a confirmed second factor count for nothing
    user.second_factor.confirmed_at = datetime(2026, 1, 1)
    db.commit()
    with app.test_request_context():
        assert [a.role for a in load_user(user.session_token).assignments] == ["trainer"]
