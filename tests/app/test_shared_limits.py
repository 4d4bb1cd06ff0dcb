"""Several app servers share their sign-in counters through Redis (ELEARN_REDIS_URL)."""
import socket

import pytest

from elearn import create_app
from elearn.auth.throttle import SLOWDOWNS, Slowdown
from elearn.extensions import limiter
from tests.conftest import PASSWORD, csrf_token


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_failures_on_one_server_count_on_another(app, database_url, tmp_path, villages):
    config = {key: app.config[key] for key in ("SECRET_KEY", "DATABASE_URL", "COURSES_PATH",
                                                  "PASSWORD_HASH_PARAMETERS", "SERVER_NAME")}
    # A minute's wait after the sixth failure: long enough that a slow machine still sees it.
    config.update({"INSTANCE_PATH": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/15",
                   "RATELIMIT_KEY_PREFIX": f"test-{tmp_path.name}",
                   "LOGIN_SLOWDOWN": {**SLOWDOWNS, "phone": Slowdown(free=5, first_wait=60, max_wait=60)}})
    first, second = create_app(dict(config)), create_app(dict(config))
    assert first.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    try:
        for _ in range(5):
            client = first.test_client()
            client.post("/sign-in", data={"phone": "0912345678", "password": "wrong guess",
                                          "csrf_token": csrf_token(client, "/sign-in")})
        for _ in range(1):  # the sixth failure, on the other server, earns the wait
            client = second.test_client()
            client.post("/sign-in", data={"phone": "0912345678", "password": "wrong guess",
                                          "csrf_token": csrf_token(client, "/sign-in")})
        client = first.test_client()
        response = client.post("/sign-in", data={"phone": "0912345678", "password": PASSWORD,
                                                  "csrf_token": csrf_token(client, "/sign-in")})
        assert response.status_code == 429 and 55 <= int(response.headers["Retry-After"]) <= 60
    finally:
        with first.app_context():
            limiter.reset()
        for each in (first, second):
            each.extensions["elearn_engine"].dispose()
