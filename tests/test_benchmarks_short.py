"""CI runs the load and fault benchmarks in their short mode: zero errors, nothing lost, no duplicate;
and the sign-in storm: everyone gets in, the spread storm's p95 under 2 s.

Each script starts a real `elearn serve` on a database of its own (a SQLite file in a temporary
folder; on PostgreSQL, when ELEARN_TEST_DATABASE_URL names one, a scratch database on the same
server, never the test database) and exits 1 when an assertion fails; its figures are in the output.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def databases() -> list:
    kinds = [pytest.param(["--database", "sqlite"], id="sqlite")]
    url = os.environ.get("ELEARN_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        parsed = make_url(url)
        server = parsed.set(database="postgres").render_as_string(hide_password=False)
        kinds.append(pytest.param(["--database", "postgresql", "--postgres-url", server,
                                   "--db-prefix", f"{parsed.database}_bench"], id="postgresql"))
    return kinds


@pytest.mark.parametrize("database", databases())
@pytest.mark.parametrize("script", ["load.py", "faults.py"])
def test_the_short_benchmark_passes(script, database):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--short", *database], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    report = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, report
    assert done.stdout.splitlines()[-1] == "OK", report
    assert "errors: 0;" in done.stdout and "acknowledged but not stored 0" in done.stdout, report


@pytest.mark.parametrize("database", databases())
def test_the_short_sign_in_storm_lets_every_resident_in_quickly(database):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "signin_storm.py"), "--short", *database],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    report = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, report
    assert done.stdout.splitlines()[-1] == "OK", report
    assert "stored hashes $argon2id$v=19$m=19456,t=2,p=1" in done.stdout, report
