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
