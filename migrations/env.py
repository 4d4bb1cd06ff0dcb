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
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
