"""Lighthouse 12 (mobile) gives the sign-in page and a lesson page (signed in) 100 in performance,
accessibility, best practices and SEO (benchmarks/lighthouse.py, which prints the scores and every audit
short of full marks). Slow (about a minute: a real `elearn serve`, two Lighthouse runs): `pytest -m slow`.

Lighthouse comes from the npm registry, locked in tests/browser/package-lock.json and installed by
`npm ci --prefix tests/browser --ignore-scripts`; it drives Debian's Chromium (CHROME_PATH=/usr/bin/chromium)
and needs Node.js. A page short of 100 is measured once more and the best score of each category counts:
a busy machine only lowers the performance score, never raises it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "benchmarks" / "lighthouse.py"
LIGHTHOUSE = ROOT / "tests" / "browser" / "node_modules" / "lighthouse" / "cli" / "index.js"


def _missing() -> str | None:
    if not Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium is missing: install Debian's chromium"
    if not shutil.which("node"):
        return "Node.js is missing"
    if not LIGHTHOUSE.is_file():
        return f"{LIGHTHOUSE} is missing: run `npm ci --prefix tests/browser --ignore-scripts`"
    return None


@pytest.mark.slow
@pytest.mark.browser
def test_lighthouse_gives_100_on_sign_in_and_a_lesson():
    missing = _missing()
    if missing:
        if os.environ.get("ELEARN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing} (ELEARN_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(missing)
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert done.stdout.splitlines()[-1] == "OK", done.stdout[-4000:]
    assert done.stdout.count("performance 100, accessibility 100, best-practices 100, seo 100") >= 2, done.stdout
