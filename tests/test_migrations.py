"""The Alembic migrations build, from empty, exactly the schema the models describe."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import elearn.models  # noqa: F401
from elearn.db import Base
from elearn.migrate import downgrade, upgrade


def _empty_database_url(tmp_path):
    url = os.environ.get("ELEARN_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}", None
    # A schema of its own, so the suite's tables are left alone.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3Dmigration_check", url


def test_migrations_run_up_from_empty_and_match_the_models(tmp_path):
    url, base_url = _empty_database_url(tmp_path)
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        engine.dispose()

        downgrade(url, "base")
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        upgrade(url)
    finally:
        if base_url:
            engine = create_engine(base_url)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            engine.dispose()


@pytest.mark.skipif(not os.environ.get("ELEARN_TEST_DATABASE_URL"), reason="runs on PostgreSQL in CI")
def test_the_suite_really_runs_on_postgresql(app):
    assert app.extensions["elearn_engine"].dialect.name == "postgresql"


@pytest.fixture
def empty_database(tmp_path):
    url, base_url = _empty_database_url(tmp_path)
    yield url
    if base_url:
        engine = create_engine(base_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        engine.dispose()


def test_0003_carries_certificates_and_anonymous_completions_over(empty_database):
    url = empty_database
    upgrade(url, "0002")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO units (id, kind, name, parent_id, path, is_demo, created_at) VALUES "
            "(1, 'province', 'P', NULL, '/1/', false, '2026-01-01'), (2, 'commune', 'C', 1, '/1/2/', false, "
            "'2026-01-01'), (3, 'village', 'V', 2, '/1/2/3/', false, '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO courses (id, slug, title, summary, track, required, pass_mark, position, version, "
            "intro_html, sources, is_published, content_hash, updated_at) VALUES (1, 'a', 'Khóa A', '', "
            "'digital-skills', true, 70, 1, 1, '', '[]', true, '', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO users (id, full_name, phone, password_hash, birth_date, sex, village_id, session_token, "
            "is_demo, created_at) VALUES (1, 'A', '+84900000001', 'x', '1961-01-20', 'male', 3, 't1', false, "
            "'2026-01-01')"))
        connection.execute(text(
            "INSERT INTO course_completions (id, user_id, course_id, completed_on, method) "
            "VALUES (1, 1, 1, '2026-03-05', 'self')"))
        connection.execute(text(
            "INSERT INTO certificates (id, user_id, code, program, trained_on, issued_at) "
            "VALUES (1, 1, 'ABCDEFGHJKMN', 'basic-digital-skills', '2026-03-05', '2026-03-05')"))
        connection.execute(text(
            "INSERT INTO anonymous_completions (id, village_id, course_id, completed_on, method, sex, birth_year) "
            "VALUES (1, 3, 1, '2026-03-20', 'assisted', 'female', 1970)"))
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        trained = connection.execute(text(
            "SELECT user_id, village_id, method, trained_on, labour_age_until FROM trained_residents")).all()
        activity = connection.execute(text(
            "SELECT village_id, course_id, month, completed_self, completed_assisted FROM course_activity")).all()
        titles = connection.execute(text("SELECT course_titles FROM required_sets")).scalar()
    engine.dispose()
    assert [(t[0], t[1], t[2], str(t[3]), str(t[4])) for t in trained] == [
        (1, 3, "self", "2026-03-05", "2021-04-30")]
    assert [(a[0], a[1], str(a[2]), a[3], a[4]) for a in activity] == [(3, 1, "2026-03-01", 1, 1)]
    assert "Khóa A" in str(titles)


def test_0002_keeps_staff_roles_and_gives_every_unit_its_path(empty_database):
    url = empty_database
    upgrade(url, "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO units (id, kind, name, code, parent_id) VALUES "
            "(1, 'province', 'Tỉnh A', '51', NULL), (2, 'commune', 'Xã B (demo)', NULL, 1), "
            "(3, 'village', 'Thôn C', NULL, 2)"))
        connection.execute(text(
            "INSERT INTO users (id, full_name, phone, password_hash, role, scope_unit_id, session_token, "
            "created_at) VALUES (1, 'A', '+84900000001', 'x', 'admin', NULL, 't1', '2026-01-01'), "
            "(2, 'B', '+84900000002', 'x', 'official', 2, 't2', '2026-01-01'), "
            "(3, 'C', '+84900000003', 'x', 'resident', NULL, 't3', '2026-01-01')"))
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        paths = dict(connection.execute(text("SELECT id, path FROM units")).all())
        demo = dict(connection.execute(text("SELECT id, is_demo FROM units")).all())
        roles = connection.execute(text("SELECT user_id, role, unit_id FROM role_assignments ORDER BY user_id")).all()
    engine.dispose()
    assert paths == {1: "/1/", 2: "/1/2/", 3: "/1/2/3/"}
    assert {k: bool(v) for k, v in demo.items()} == {1: False, 2: True, 3: True}
    assert [tuple(r) for r in roles] == [(1, "admin", None), (2, "official", 2)]


def test_0007_signs_every_staff_member_out_and_leaves_residents_signed_in(empty_database):
    url = empty_database
    upgrade(url, "0006")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, full_name, phone, password_hash, session_token, is_demo, created_at) VALUES "
            "(1, 'A', '+84900000001', 'x', 'staff-token', false, '2026-01-01'), "
            "(2, 'B', '+84900000002', 'x', 'resident-token', false, '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO role_assignments (id, user_id, role, unit_id, created_at) "
            "VALUES (1, 1, 'admin', NULL, '2026-01-01')"))
    engine.dispose()
    upgrade(url, "0007")
    engine = create_engine(url)
    with engine.connect() as connection:
        tokens = dict(connection.execute(text("SELECT id, session_token FROM users")).all())
    engine.dispose()
    assert tokens[2] == "resident-token"
    assert tokens[1] != "staff-token" and len(tokens[1]) >= 40
    downgrade(url, "0006")


def test_0008_keeps_the_day_trained_here_on_each_certificate_from_elsewhere(empty_database):
    url = empty_database
    upgrade(url, "0007")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO units (id, kind, name, parent_id, path, is_demo, created_at) VALUES "
            "(1, 'province', 'P', NULL, '/1/', false, '2026-01-01'), (2, 'commune', 'C', 1, '/1/2/', false, "
            "'2026-01-01'), (3, 'village', 'V', 2, '/1/2/3/', false, '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO users (id, full_name, phone, password_hash, session_token, is_demo, created_at) VALUES "
            "(1, 'A', '+84900000001', 'x', 't1', false, '2026-01-01'), "
            "(2, 'B', '+84900000002', 'x', 't2', false, '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO required_sets (id, course_key, course_ids, course_titles, created_at) "
            "VALUES (1, '', '[]', '[]', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO trained_residents (id, user_id, village_id, sex, trained_on, method, required_set_id, "
            "created_at) VALUES (1, 1, 3, 'female', '2026-09-10', 'self', 1, '2026-09-10')"))
        connection.execute(text(
            "INSERT INTO external_trainings (id, user_id, village_id, sex, programme, certificate_number, "
            "certified_on, trained_here, created_at) VALUES "
            "(1, 1, 3, 'female', 'binh-dan-hoc-vu-so', 'X1', '2025-05-20', true, '2026-01-01'), "
            "(2, 2, 3, 'male', 'binh-dan-hoc-vu-so', 'X2', '2025-06-01', false, '2026-01-01'), "
            "(3, NULL, 3, 'male', 'binh-dan-hoc-vu-so', '', '2025-06-01', true, '2026-01-01')"))
    engine.dispose()
    upgrade(url, "0008")
    engine = create_engine(url)
    with engine.connect() as connection:
        days = dict(connection.execute(text("SELECT id, trained_here_on FROM external_trainings")).all())
    engine.dispose()
    assert {key: value and str(value) for key, value in days.items()} == {1: "2026-09-10", 2: None, 3: None}
    downgrade(url, "0007")
    engine = create_engine(url)
    assert "trained_here_on" not in {c["name"] for c in inspect(engine).get_columns("external_trainings")}
    engine.dispose()
