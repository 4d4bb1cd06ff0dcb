"""The files that hold residents' data or the key that signs their sessions are the owner's only:
the SQLite database (and its -wal and -shm files), the generated secret key, the instance folder."""
from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from elearn import create_app
from elearn.db import make_engine
from elearn.migrate import upgrade
from tests.conftest import FIXTURE_COURSES


@pytest.fixture
def open_umask():
    """A common default: new files readable by everyone unless the code says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_the_secret_key_and_the_instance_folder_are_the_owners_only(tmp_path, monkeypatch, open_umask):
    monkeypatch.delenv("ELEARN_DATABASE_URL", raising=False)
    monkeypatch.delenv("ELEARN_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance), "COURSES_PATH": str(FIXTURE_COURSES),
                      "RATELIMIT_STORAGE_URI": "memory://"})
    database = instance / "elearn.sqlite"
    assert app.config["DATABASE_URL"] == f"sqlite:///{database}"
    upgrade(app.config["DATABASE_URL"])
    engine = make_engine(app.config["DATABASE_URL"])
    with engine.connect() as connection:  # while a connection is open, the -wal and -shm files exist
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
        connection.execute(text("INSERT INTO scratch VALUES (1)"))
        connection.commit()
        files = {path.name: mode(path) for path in instance.iterdir()}
    engine.dispose()
    app.extensions["elearn_engine"].dispose()
    assert {"elearn.sqlite", "elearn.sqlite-wal", "elearn.sqlite-shm", "secret_key"} <= files.keys()
    assert files == dict.fromkeys(files, 0o600)
    assert mode(instance) == 0o700


def test_a_database_file_named_in_the_url_is_created_private_with_its_folder(tmp_path, open_umask):
    database = tmp_path / "data" / "hocso.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
        connection.commit()
    engine.dispose()
    assert mode(database) == 0o600 and mode(database.parent) == 0o700
    make_engine("sqlite://").dispose()  # in memory: no file, no error
