"""The wheel is enough to run the app: built from the working tree, installed (not editable) into a
new virtualenv, and run from a folder that is not the repository.

The new virtualenv gets only the wheel. Its dependencies come from the test's own environment
(a .pth line pointing at its site-packages: offline, and the same locked versions), which holds
no copy of `elearn` itself (an editable install there is a .pth hook, and hooks in a folder named
by a .pth line are not run). The test checks that the `elearn` that served the pages is the
installed one.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import PASSWORD

REPOSITORY = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VILLAGE = re.compile(r'<option value="([1-9]\d*)"')

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("git") is None, reason="git lists the files to build from")]


def _copy_working_tree(target: Path) -> None:
    """Tracked and new files, as they are now (a build in the repository would leave build/ behind
    and could pick up stale files from it)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPOSITORY, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPOSITORY / name
        if source.is_file() and "__pycache__" not in source.parts:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    _copy_working_tree(source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(dist), str(source)], check=True, capture_output=True)
    (built,) = dist.glob("elearn-*.whl")
    return built


def test_the_wheel_carries_what_serve_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = sorted(path.name for path in (REPOSITORY / "migrations" / "versions").glob("*.py"))
    assert migrations
    for name in ["elearn/bundled/migrations/env.py", "elearn/bundled/migrations/script.py.mako",
                 *(f"elearn/bundled/migrations/versions/{each}" for each in migrations),
                 "elearn/bundled/courses/dien-thoai-thong-minh/course.md",
                 "elearn/templates/base.html", "elearn/static/site.css",
                 "elearn/offline/templates/offline/sw.js", "elearn/static/offline.js", "elearn/static/icon-512.png",
                 "elearn/translations/en/LC_MESSAGES/messages.mo",
                 "elearn/data/common-passwords.txt", "elearn/data/units.yaml"]:
        assert name in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    # Nothing a production install does not need (ASVS 15.2.3): no tests, benchmarks or scripts.
    assert not [name for name in names if name.split("/")[0] in ("tests", "benchmarks", "scripts", "requirements")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Browser:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept-Language": "vi", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.getheader("Location", ""), text


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"elearn serve exited:\n{log.read_text(errors='replace')[-3000:]}"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            finally:
                connection.close()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"elearn serve did not answer within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def test_installed_wheel_prepares_and_serves_from_elsewhere(wheel, tmp_path):
    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip())
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (target / "_test_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")

    env = {key: value for key, value in os.environ.items() if not key.startswith(("ELEARN_", "PYTHON"))}
    env["ELEARN_ADMIN_PASSWORD"] = "quan tri goi cai dat thu"
    found = subprocess.run([str(python), "-c", "import elearn; print(elearn.__file__)"], cwd=work, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    assert Path(found).is_relative_to(venv)

    elearn = venv / "bin" / "elearn"
    prepared = subprocess.run([str(elearn), "prepare"], cwd=work, env=env, capture_output=True, text=True)
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    assert "Courses:" in prepared.stdout
    assert (work / "instance" / "elearn.sqlite").is_file()  # ./instance of where it runs, not site-packages
    assert not (target / "instance").exists()

    port, log = _free_port(), tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(elearn), "serve", "--port", str(port)], cwd=work, env=env, stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_serving(server, port, log)
        browser = _Browser(port)
        status, _, home = browser.request("GET", "/")
        assert status == 200 and "Học số" in home
        assert browser.request("GET", "/static/site.css")[0] == 200
        status, _, page = browser.request("GET", "/register")
        assert status == 200
        status, _, _ = browser.request("POST", "/register", {
            "csrf_token": CSRF.search(page).group(1), "full_name": "Người Cài Đặt", "phone": "0912345678",
            "birth_date": "1980-05-15", "sex": "female", "village_id": VILLAGE.search(page).group(1),
            "password": PASSWORD, "consent": "y"})
        assert status == 302
        status, _, course = browser.request("GET", "/courses/dien-thoai-thong-minh")
        assert status == 200
        lesson = re.search(r'href="(/courses/dien-thoai-thong-minh/lessons/[^"]+)"', course).group(1)
        status, _, text = browser.request("GET", lesson)
        assert status == 200 and "nút nguồn" in text
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
