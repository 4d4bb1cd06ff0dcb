"""One unit of work per request: services flush, the request commits once or keeps nothing."""
import pytest
from flask import abort
from sqlalchemy import func, select, text

from elearn.audit import audit
from elearn.db import db_session
from elearn.models import AuditEvent, User


def _events(db) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def routes(app):
    """Views that write through two services and then end in different ways."""

    def two_writes(then):
        audit(db_session(), "first_write")
        audit(db_session(), "second_write")
        db_session().flush()
        return then()

    def fail():
        raise RuntimeError("a bug after the writes")

    app.add_url_rule("/t/ok", "t_ok", lambda: two_writes(lambda: "done"))
    app.add_url_rule("/t/crash", "t_crash", lambda: two_writes(fail))
    app.add_url_rule("/t/abort", "t_abort", lambda: two_writes(lambda: abort(404)))
    app.add_url_rule("/t/broken-sql", "t_broken_sql",
                     lambda: two_writes(lambda: db_session().execute(text("SELECT no_such_column FROM users"))))
    app.add_url_rule("/t/clash", "t_clash", _clash)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not a traceback
    return app


def test_a_request_that_succeeds_keeps_every_write(client, db, routes):
    assert client.get("/t/ok").status_code == 200
    assert _events(db) == ["first_write", "second_write"]


def test_a_request_that_crashes_after_two_writes_keeps_none_of_them(client, db, routes):
    response = client.get("/t/crash")
    assert response.status_code == 500 and "Hệ thống đang gặp lỗi" in response.get_data(as_text=True)
    assert _events(db) == []


def test_a_request_that_aborts_keeps_nothing(client, db, routes):
    assert client.get("/t/abort").status_code == 404
    assert _events(db) == []


def test_the_error_page_still_renders_after_a_failed_database_statement(client, db, routes, auth):
    auth.register()  # a signed-in page reads the user again while rendering the error
    response = client.get("/t/broken-sql")
    assert response.status_code == 500 and "Hệ thống đang gặp lỗi" in response.get_data(as_text=True)
    assert "first_write" not in _events(db)


def _clash():
    # Nothing is flushed in the view: the duplicate phone only fails at the request's commit.
    taken = db_session().scalar(select(User.phone).limit(1))
    db_session().add(User(full_name="X", phone=taken, password_hash="x", session_token="t" * 20))
    audit(db_session(), "would_be_lost")
    return "saved"


def test_a_commit_that_fails_is_never_answered_as_a_success(client, db, auth, routes):
    auth.register()
    response = client.get("/t/clash")
    assert response.status_code == 409 and "Chưa có gì được lưu" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(User.id))) == 1 and "would_be_lost" not in _events(db)


def test_a_cli_command_that_fails_keeps_nothing(runner, db, tmp_path):
    broken = tmp_path / "courses" / "broken"
    broken.mkdir(parents=True)
    (broken / "course.md").write_text("---\ntitle: X\n---\n")
    result = runner.invoke(args=["courses", "sync", str(tmp_path / "courses")])
    assert result.exit_code == 1
    assert _events(db) == []
