"""Back up the whole database while the app serves, and restore a backup into an empty database.

SQLite: SQLite's online backup API copies every page in one step inside one read transaction, so
the copy is the database as it was at one instant, while the app goes on writing (in WAL mode
writers do not wait for a reader). Never a copy of the live file, which can be caught half-written
or without the pages still in the write-ahead log. The backup is itself a SQLite file.
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot), restored with `pg_restore`.

A backup holds personal data: it is written owner-only (0600), under a temporary name first and
renamed when complete, so a backup file is never half a backup. A restore checks the backup's
migration revision: older ones are upgraded after the restore, newer ones (made by a newer
version of the app) are refused before anything is written.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from elearn.migrate import alembic_config, upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
INSTALL_CLIENT = ("Install the PostgreSQL client tools of the server's major version (Debian: "
                  "`apt install postgresql-client`) and try again.")


class BackupProblem(Exception):
    """Something the operator must fix; the message says what. Nothing was written."""


@dataclass
class Restored:
    revision: str
    upgraded_to: str | None  # the head revision when the backup was older, else None
    tables: int
    rows: int


def kind_of(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupProblem(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupProblem("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _private_file(path: Path) -> None:
    """Create `path` empty and owner-only (a backup holds personal data)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _temporary_beside(target: Path) -> Path:
    return target.with_name(f".{target.name}.part")


# --------------------------------------------------------------------------- backup


def backup(database_url: str, target: Path) -> str:
    """Write a backup of the database to `target`; returns its migration revision."""
    kind = kind_of(database_url)
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupProblem(f"The folder {target.parent} does not exist.")
    partial = _temporary_beside(target)
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            _pg_dump(database_url, partial)
        revision = backup_revision(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return revision


def _sqlite_backup(source: Path, partial: Path) -> None:
    if not source.exists():
        raise BackupProblem(f"There is no database at {source}.")
    _private_file(partial)
    # Read-write: in WAL mode a reader needs the shared-memory file, as the app's own connections do.
    live = sqlite3.connect(source, timeout=15)
    copy = sqlite3.connect(partial)
    try:
        live.execute("PRAGMA busy_timeout=15000")
        live.backup(copy, pages=-1)  # every page in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        found = copy.execute("PRAGMA integrity_check").fetchall()
        if found != [("ok",)]:
            raise BackupProblem(f"The copy failed its integrity check: {found[:3]}")
    finally:
        copy.close()
        live.close()


def _libpq_environment(database_url: str) -> dict:
    """The connection for pg_dump/pg_restore as libpq variables: no password on a command line."""
    url = make_url(database_url)
    env = {**os.environ}
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[variable] = str(value)
    for option, variable in (("sslmode", "PGSSLMODE"), ("host", "PGHOST")):
        if option in url.query:
            env[variable] = str(url.query[option])
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupProblem(f"{name} was not found on this machine, so nothing was done. {INSTALL_CLIENT}")
    return found


def _pg_dump(database_url: str, partial: Path) -> None:
    tool = _pg_tool("pg_dump")
    _private_file(partial)
    command = [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial)]
    # pg_dump from PATH with fixed arguments, no shell; the password goes in the environment.
    done = subprocess.run(command, env=_libpq_environment(database_url), capture_output=True, text=True)  # nosec B603 # see above
    if done.returncode != 0:
        raise BackupProblem(f"pg_dump failed: {done.stderr.strip()}")


def backup_revision(path: Path) -> str:
    """The migration revision recorded in a backup file (SQLite file or pg_dump custom format)."""
    path = Path(path)
    with path.open("rb") as stream:
        head = stream.read(16)
    if head.startswith(SQLITE_MAGIC):
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupProblem(f"{path} is a SQLite file but not a backup of this app: {error}") from error
        finally:
            connection.close()
    elif head.startswith(PG_DUMP_MAGIC):
        command = [_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)]
        done = subprocess.run(command, capture_output=True, text=True)  # nosec B603 # fixed arguments, no shell
        if done.returncode != 0:
            raise BackupProblem(f"pg_restore could not read {path}: {done.stderr.strip()}")
        lines = done.stdout.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("COPY ") and "alembic_version" in line),
                     None)
        row = (lines[start + 1].strip(),) if start is not None and lines[start + 1] != "\\." else None
    else:
        raise BackupProblem(f"{path} is neither a SQLite backup nor a pg_dump custom-format file.")
    if not row:
        raise BackupProblem(f"{path} records no migration revision: it is not a backup of this app.")
    return row[0]


# --------------------------------------------------------------------------- restore


def row_count(database_url: str) -> int:
    """Rows in every table of the database, migration bookkeeping aside (0: an empty database)."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = [name for name in inspect(connection).get_table_names()
                     if name not in ("alembic_version", "sqlite_sequence")]
            # The names come from the database's own catalogue, quoted.
            counts = [text(f'SELECT count(*) FROM "{name}"') for name in names]  # nosec B608 # see above
            return sum(connection.execute(count).scalar_one() for count in counts)
    finally:
        engine.dispose()


def restore(database_url: str, source: Path, force: bool = False) -> Restored:
    """Put the backup `source` into the database of `database_url`, which must hold no rows unless
    `force` (then everything in it is replaced). Stop the app first: it must not write meanwhile."""
    kind = kind_of(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupProblem(f"There is no backup file at {source}.")
    with source.open("rb") as stream:
        head = stream.read(16)
    expected = SQLITE_MAGIC if kind == "sqlite" else PG_DUMP_MAGIC
    if not head.startswith(expected):
        other = "a SQLite" if head.startswith(SQLITE_MAGIC) else "a PostgreSQL" if head.startswith(
            PG_DUMP_MAGIC) else "not a"
        raise BackupProblem(f"{source} is {other} backup; this database is {kind}. Nothing was changed.")
    revision = backup_revision(source)
    script = ScriptDirectory.from_config(alembic_config(database_url))
    head_revision = script.get_current_head()
    known = {entry.revision for entry in script.walk_revisions()}
    if revision not in known:
        raise BackupProblem(f"The backup is at migration {revision}, which this version of the app does not "
                            f"know (it knows up to {head_revision}): restore it with the version that made it. "
                            "Nothing was changed.")
    present = 0 if kind == "sqlite" and not _sqlite_path(database_url).exists() else row_count(database_url)
    if present and not force:
        raise BackupProblem(f"The database is not empty ({present} rows). Restore into an empty database, or "
                            "add --force to replace everything in it. Nothing was changed.")
    if kind == "sqlite":
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        _pg_restore(database_url, source)
    upgraded = None
    if revision != head_revision:
        upgrade(database_url)
        upgraded = head_revision
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = [name for name in inspect(connection).get_table_names() if name != "alembic_version"]
    finally:
        engine.dispose()
    return Restored(revision=revision, upgraded_to=upgraded, tables=len(tables), rows=row_count(database_url))


def _sqlite_restore(source: Path, target: Path) -> None:
    if not target.exists():
        _private_file(target)
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(target, timeout=15)
    try:
        live.execute("PRAGMA busy_timeout=15000")
        backup_file.backup(live, pages=-1)  # replaces every page of the target in one transaction
        live.execute("PRAGMA journal_mode=WAL")
    finally:
        live.close()
        backup_file.close()


def _pg_restore(database_url: str, source: Path) -> None:
    tool = _pg_tool("pg_restore")
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:  # whatever is there (empty tables, or --force) goes first
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    command = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               "--dbname", make_url(database_url).database, str(source)]
    done = subprocess.run(command, env=_libpq_environment(database_url), capture_output=True, text=True)  # nosec B603 # see above
    if done.returncode != 0:
        raise BackupProblem(f"pg_restore failed (the database is left empty): {done.stderr.strip()}")
