"""Password rules (OWASP ASVS 5.0 level 2): length, not a common password; no composition rules."""
from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """A short reason code, or None when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if password.lower() in common_passwords() or len(set(password)) <= 2:
        return "too_common"
    return None
