"""Alembic environment: the URL comes from elearn.migrate (or ELEARN_DATABASE_URL)."""
from __future__ import annotations

import os

from alembic import context

import elearn.models  # noqa: F401  (registers every table)
from elearn.db import Base, make_engine

config = context.config
url = config.attributes.get("database_url") or os.environ.get("ELEARN_DATABASE_URL")
target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copy, drop and rename: with foreign keys on, dropping a
            # table other rows point at fails. They are checked once the migration is done.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # leave the transaction the PRAGMA began: migrations run in their own
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
