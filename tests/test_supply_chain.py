"""The lock covers every declared dependency, and the audit step never passes off "could not
audit" as "no known vulnerabilities" (scripts/audit_dependencies.py)."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SCRIPT = REPOSITORY / "scripts" / "audit_dependencies.py"
LOCK = REPOSITORY / "requirements" / "lock.txt"

spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def _locked() -> dict[str, str]:
    """{name: the whole entry} of requirements/lock.txt."""
    entries = re.split(r"\n(?=[a-z0-9])", LOCK.read_text(), flags=re.I)
    return {_name(entry): entry for entry in entries if "==" in entry.split("\n", 1)[0]}


def test_every_declared_dependency_is_locked_with_hashes():
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra),
                *tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["build-system"]["requires"]]
    locked = _locked()
    missing = sorted({_name(r) for r in declared} - set(locked))
    assert not missing, f"not in requirements/lock.txt (update the lock, README): {missing}"
    assert all("--hash=sha256:" in entry for entry in locked.values())


def _report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies), "fixes": []}


def test_nothing_audited_is_said_in_capitals_and_never_as_clean():
    code, lines = audit.verdict(_report(
        {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)"},
        {"name": "jinja2", "skip_reason": "Dependency not found on PyPI and could not be audited: jinja2 (3.1.6)"}),
        "pypi")
    text = "\n".join(lines)
    assert code == 0
    assert "NOTHING WAS AUDITED" in text and "2 of 2 packages skipped" in text
    assert "no known vulnerabilities" not in text.lower()
    assert audit.verdict(None, "osv") == (0, [f"{audit.NOTHING_AUDITED} (osv: could not be reached)"])


def test_a_known_vulnerability_fails_even_when_other_packages_were_skipped():
    code, lines = audit.verdict(_report(
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "jinja2", "version": "3.1.0", "vulns": [{"id": "GHSA-h75v-3vvj-5mfj", "fix_versions": ["3.1.3"]}]},
        {"name": "private-thing", "skip_reason": "Dependency not found on PyPI"}), "pypi")
    assert code == 1
    assert "jinja2 3.1.0: GHSA-h75v-3vvj-5mfj (fixed in: 3.1.3)" in "\n".join(lines)


def test_a_full_audit_says_how_many_packages_it_covered():
    code, lines = audit.verdict(_report({"name": "flask", "version": "3.1.3", "vulns": []},
                                        {"name": "other", "skip_reason": "Dependency not found on PyPI"}), "osv")
    assert code == 0
    assert lines == ["pip-audit (osv): 1 of 2 locked packages audited, no known vulnerabilities among them.",
                     "NOT AUDITED (1): other"]


def _run(lock: Path) -> subprocess.CompletedProcess:
    # A proxy that refuses every connection: no vulnerability database answers, whatever the network.
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    return subprocess.run([sys.executable, str(SCRIPT), str(lock)], env=env, capture_output=True, text=True,
                          timeout=120)


def test_offline_the_step_passes_and_says_it_audited_nothing(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text(_locked()["flask"] + "\n" + _locked()["pyotp"] + "\n")
    done = _run(lock)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-2] == audit.NOTHING_AUDITED
    assert "no known vulnerabilities" not in done.stdout.lower()


def test_a_lock_it_cannot_read_fails_the_step_offline_too(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("flask==3.1.3\n")  # no hashes: refused before any network use
    done = _run(lock)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip-audit failed" in done.stdout
