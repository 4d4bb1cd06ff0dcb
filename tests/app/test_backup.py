"""`elearn backup` and `elearn restore`: a backup taken while the app writes restores to the same rows.

Every table (from the models' metadata, so a new table is compared without anyone listing it) is
compared by row count and a checksum of all its rows in primary-key order. On PostgreSQL (when
ELEARN_TEST_DATABASE_URL names one) the restore goes into a scratch database created and dropped here.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import stat
import threading
import time

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from elearn import create_app
from elearn.backup import BackupProblem, backup_revision
from elearn.db import Base
from elearn.migrate import upgrade
from elearn.models import AuditEvent
from tests.conftest import FIXTURE_COURSES

BATCH = 3  # audit rows the writer adds per transaction: a torn copy would hold a part of one


def digest(database_url: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256 of every row in primary-key order)} for every table of the models."""
    engine = create_engine(database_url, poolclass=NullPool)
    found = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            checksum = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            found[table.name] = (len(rows), checksum)
    engine.dispose()
    return found


def other_app(database_url: str, folder):
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                       "COURSES_PATH": str(FIXTURE_COURSES), "INSTANCE_PATH": str(folder),
                       "RATELIMIT_STORAGE_URI": "memory://"})


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    name = f"{url.database}_restore_{secrets.token_hex(3)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def demo_data(runner, courses):
    result = runner.invoke(args=["demo", "--residents", "150", "--seed", "5", "--password", "mau thu sao luu 1"])
    assert result.exit_code == 0, result.output


class Writer(threading.Thread):
    """The app at work: short transactions of BATCH audit rows each, until stopped."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.engine = create_engine(database_url, poolclass=NullPool, connect_args={"timeout": 15}
                                    if database_url.startswith("sqlite") else {})
        self.stopping = threading.Event()
        self.committed = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.engine.begin() as connection:
                connection.execute(insert(AuditEvent), [
                    {"action": "backup_test", "detail": {"batch": self.committed, "row": row}} for row in range(BATCH)])
            self.committed += 1

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.engine.dispose()


def test_a_backup_taken_while_the_app_writes_restores_every_row(app, runner, database_url, demo_data, scratch_url,
                                                                tmp_path):
    target = tmp_path / "sao-luu.bak"
    writer = Writer(database_url)
    writer.start()
    while writer.committed < 5:
        time.sleep(0.01)
    before = writer.committed
    result = runner.invoke(args=["backup", str(target)])
    after = writer.committed
    time.sleep(0.05)
    writer.stop()
    assert result.exit_code == 0, result.output
    assert after > before  # the app was writing while the backup ran
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # personal data: owner only

    restored = other_app(scratch_url, tmp_path / "other").test_cli_runner().invoke(args=["restore", str(target)])
    assert restored.exit_code == 0, restored.output

    source, copy = digest(database_url), digest(scratch_url)
    assert copy["users"][0] >= 150 and copy["quiz_attempts"][0] > 0  # the demo data is there
    for table in Base.metadata.sorted_tables:
        if table.name != "audit_events":
            assert copy[table.name] == source[table.name], table.name
    # The audit table kept growing after the backup: the copy holds exactly the rows of one instant,
    # whole transactions only, the same as the source's first rows.
    copied = copy["audit_events"][0]
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        events = AuditEvent.__table__
        first_rows = connection.execute(select(events).order_by(events.c.id).limit(copied)).all()
        written = connection.scalar(select(text("count(*)")).select_from(events)
                                    .where(events.c.action == "backup_test"))
    engine.dispose()
    in_copy = sum(1 for row in first_rows if row.action == "backup_test")
    assert in_copy % BATCH == 0 and 0 < in_copy <= written
    assert hashlib.sha256(repr([tuple(row) for row in first_rows]).encode()).hexdigest() == copy["audit_events"][1]


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(app, runner, database_url, courses, scratch_url,
                                                                   tmp_path):
    target = tmp_path / "one.bak"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    other = other_app(scratch_url, tmp_path / "other")
    upgrade(scratch_url)
    with other.app_context():
        from elearn.db import db_session
        from elearn.setup_data import load_units

        load_units(db_session())
        db_session().commit()
    other.extensions["elearn_engine"].dispose()
    kept = digest(scratch_url)

    refused = other.test_cli_runner().invoke(args=["restore", str(target)])
    assert refused.exit_code == 1 and "not empty" in refused.output and "--force" in refused.output
    assert digest(scratch_url) == kept  # nothing changed

    forced = other.test_cli_runner().invoke(args=["restore", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert digest(scratch_url) == digest(database_url)


def test_a_backup_from_before_the_latest_migrations_is_upgraded_after_the_restore(database_url, scratch_url,
                                                                                  tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("an old SQLite backup is enough to show the upgrade")
    old = f"sqlite:///{tmp_path / 'old.sqlite'}"
    upgrade(old, "0005")
    target = tmp_path / "old.bak"
    assert other_app(old, tmp_path / "a").test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    assert backup_revision(target) == "0005"

    result = other_app(scratch_url, tmp_path / "b").test_cli_runner().invoke(args=["restore", str(target)])
    assert result.exit_code == 0, result.output
    assert "migration 0005, upgraded to" in result.output
    engine = create_engine(scratch_url, poolclass=NullPool)
    with engine.connect() as connection:
        from alembic.script import ScriptDirectory

        from elearn.migrate import alembic_config

        head = ScriptDirectory.from_config(alembic_config(scratch_url)).get_current_head()
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head
    engine.dispose()


def test_a_backup_from_a_newer_version_of_the_app_is_refused(database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the revision check is the same for both kinds")
    made = f"sqlite:///{tmp_path / 'new.sqlite'}"
    upgrade(made)
    engine = create_engine(made, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    target = tmp_path / "new.bak"
    assert other_app(made, tmp_path / "a").test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    result = other_app(fresh, tmp_path / "b").test_cli_runner().invoke(args=["restore", str(target)])
    assert result.exit_code == 1 and "9999" in result.output and "Nothing was changed" in result.output
    engine = create_engine(fresh, poolclass=NullPool)
    with engine.connect() as connection:  # the app may have made the file (owner-only), but it stays empty
        assert connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
    engine.dispose()


def test_a_postgresql_backup_without_pg_dump_says_what_to_install(tmp_path, monkeypatch):
    from elearn.backup import backup

    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    with pytest.raises(BackupProblem, match=r"pg_dump was not found.*postgresql-client"):
        backup("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path / "x.bak")
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_a_file_that_is_not_a_backup(database_url, scratch_url, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("không phải bản sao lưu")
    result = other_app(scratch_url, tmp_path / "b").test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code == 1 and "backup" in result.output and "Nothing was changed" in result.output


def test_a_backup_never_leaves_half_a_file_under_its_name(app, runner, tmp_path, monkeypatch):
    import elearn.backup as module

    def broken(source, partial):
        partial.write_bytes(b"SQLite format 3\x00 half")
        raise BackupProblem("disk full")

    monkeypatch.setattr(module, "_sqlite_backup", broken)
    monkeypatch.setattr(module, "_pg_dump", lambda url, partial: broken(None, partial))
    folder = tmp_path / "backups"
    folder.mkdir()
    result = runner.invoke(args=["backup", str(folder / "b.bak")])
    assert result.exit_code == 1 and "disk full" in result.output
    assert os.listdir(folder) == []
