"""nginx in front of two app servers on one PostgreSQL database and Redis (benchmarks/two_servers.py
in its short mode): a sign-in slowdown earned on one holds on the other, a session made on one works
on the other, a short load through nginx is shared by both with no error, a lesson edit and an image
made on one are served by the other on its next request, and a rolling restart of both under
residents reading and submitting quizzes answers every request and stores every acknowledged
attempt once."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "two_servers.py"


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _missing() -> str | None:
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        return "Debian's nginx is not installed (.ci/run installs it)"
    if not _answers(6379):
        return "no Redis on 127.0.0.1:6379"
    if not _answers(5432):
        return "no PostgreSQL on 127.0.0.1:5432"
    return None


@pytest.mark.slow
def test_two_servers_behind_nginx_share_limits_and_sessions():
    missing = _missing()
    if missing:
        if os.environ.get("ELEARN_REQUIRE_NGINX"):
            pytest.fail(f"ELEARN_REQUIRE_NGINX is set but {missing}")
        pytest.skip(missing)
    done = subprocess.run([sys.executable, str(SCRIPT), "--short"], capture_output=True, text=True, timeout=600)
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "the right password through B at once: 429" in done.stdout
    assert "[ok] B's next answer for the lesson: 200, new text shown: True, image shown: True" in done.stdout
    assert "[ok] no request failed" in done.stdout
    assert "[ok] acknowledged quiz attempts = stored attempts, each once" in done.stdout
    assert "All checks passed." in done.stdout
