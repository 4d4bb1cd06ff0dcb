"""pip-audit over the lock file, saying plainly what it did and did not audit.

    .venv/bin/python scripts/audit_dependencies.py [requirements/lock.txt]

pip-audit asks PyPI's JSON API, then OSV, for the known vulnerabilities of every locked version.
Where neither can be reached (a machine that sees only a package mirror), PyPI's API answers
"not found" for every package, or the connection fails, and pip-audit itself would still print
"No known vulnerabilities found". This script counts what was really audited instead:

- exit 1: a known vulnerability in a locked package (each one listed, with the fixed versions);
- exit 2: pip-audit failed for another reason than the network (e.g. it cannot read the lock);
- exit 0: every package audited with no known vulnerability, or NOTHING audited because no
  vulnerability database was reachable. The second says so in capitals: it must never read as
  a clean result. CI stays green offline, and goes red as soon as it can audit and finds one.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements" / "lock.txt"
SERVICES = ("pypi", "osv")
NOTHING_AUDITED = "pip-audit: no vulnerability database reachable — NOTHING WAS AUDITED"
# A failed connection ends pip-audit with one of these exceptions and no report.
UNREACHABLE = ("ConnectionError", "ProxyError", "ConnectTimeout", "ReadTimeout", "SSLError",
               "NameResolutionError", "Max retries exceeded")


def run_pip_audit(lock: Path, service: str) -> dict | None:
    """pip-audit's JSON report, or None when the service could not be reached at all."""
    done = subprocess.run(  # nosec B603 # our own interpreter and fixed arguments, no shell
        [sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--require-hashes", "--disable-pip",
         "--vulnerability-service", service, "--format", "json", "--progress-spinner", "off", "--timeout", "10"],
        capture_output=True, text=True)
    if done.stdout.strip().startswith("{"):
        return json.loads(done.stdout)
    if any(word in done.stderr for word in UNREACHABLE):
        return None
    raise RuntimeError(f"pip-audit failed (exit {done.returncode}):\n{done.stderr[-2000:]}")


def verdict(report: dict | None, service: str) -> tuple[int, list[str]]:
    """(exit code, lines to print) for one service's report. Nothing audited gives 0 and the
    NOTHING WAS AUDITED line (main then tries the next service)."""
    dependencies = (report or {}).get("dependencies", [])
    skipped = [each for each in dependencies if each.get("skip_reason")]
    audited = [each for each in dependencies if not each.get("skip_reason")]
    vulnerable = [each for each in audited if each.get("vulns")]
    if vulnerable:
        lines = [f"pip-audit ({service}): KNOWN VULNERABILITIES in {len(vulnerable)} locked package(s):"]
        for each in vulnerable:
            for vuln in each["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                lines.append(f"  {each['name']} {each.get('version', '?')}: {vuln['id']} (fixed in: {fixed})")
        lines.append("Update the lock (README: Updating the locked dependencies) and run the tests.")
        return 1, lines
    if not audited:
        why = (f"{len(skipped)} of {len(dependencies)} packages skipped, e.g. \"{skipped[0]['skip_reason']}\""
               if skipped else "could not be reached")
        return 0, [f"{NOTHING_AUDITED} ({service}: {why})"]
    lines = [(f"pip-audit ({service}): {len(audited)} of {len(dependencies)} locked packages audited, "
              "no known vulnerabilities among them.")]
    if skipped:
        lines.append(f"NOT AUDITED ({len(skipped)}): " + ", ".join(each["name"] for each in skipped))
    return 0, lines


def main(argv: list[str]) -> int:
    lock = Path(argv[0]) if argv else LOCK
    lines: list[str] = []
    for service in SERVICES:
        try:
            report = run_pip_audit(lock, service)
        except RuntimeError as failure:
            print(failure)
            return 2
        code, lines = verdict(report, service)
        if code or not lines[0].startswith(NOTHING_AUDITED):
            break
        print(f"  ({lines[0]})")  # this service audited nothing; try the next one
    else:
        lines = [NOTHING_AUDITED, ("  Neither PyPI's JSON API nor OSV answered; run this where one of them "
                                   "can be reached before trusting the lock.")]
        code = 0
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
