"""Password rules (OWASP ASVS 5.0 level 2, 6.2.x): length, not a common password, not the person's
own phone number, name or birth date, not the example the page shows; no composition rules."""
from __future__ import annotations

import unicodedata
from datetime import date
from functools import cache
from pathlib import Path

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
# The example in the password hint of the registration and code pages (auth/register.html, code.html).
HINT_EXAMPLES = ("luanuoctrabinh2025",)
DATE_WORDS = ("ngay", "thang", "nam", "sinh")  # 'ngày 12 tháng 5 năm 1985' is the birth date too
FEW_AROUND = 3  # '12051985ab' is the birth date with two letters: refused


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, phone: str | None = None, full_name: str | None = None,
                     birth_date: date | None = None) -> str | None:
    """A short reason code, or None when the password is acceptable. Give what is known of the
    person (phone in +84 form, full name, birth date) to refuse a password made of it."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if password.lower() in common_passwords() or len(set(password)) <= 2:
        return "too_common"
    if squeeze(password) in {squeeze(example) for example in HINT_EXAMPLES}:  # 'Lúa nước trà bình 2025' too
        return "example"
    if is_personal(password, phone, full_name, birth_date):
        return "personal"
    return None


def is_personal(password: str, phone: str | None = None, full_name: str | None = None,
                birth_date: date | None = None) -> bool:
    """The person's phone, name or birth date however written ('0912 345 678', '+84912345678',
    'ngày 12 tháng 5 năm 1985', '12/05/85', '1985-05-12'), alone or with a few characters around it
    ('12051985ab'). A phrase that only contains one of them is fine ('0912345678 la so cua me')."""
    squeezed = squeeze(password)
    names, numbers = name_forms(full_name), number_forms(phone, birth_date)
    if squeezed in names | numbers:
        return True
    digits_only = squeezed
    for word in DATE_WORDS:
        digits_only = digits_only.replace(word, "")
    if digits_only in numbers:
        return True
    return any(len(form) >= 6 and len(squeezed.replace(form, "", 1)) < FEW_AROUND
               for form in numbers if form in squeezed)


def squeeze(text: str) -> str:
    """Letters and digits only, lower case, without Vietnamese diacritics: 'Nguyễn Thị  Lan' -> 'nguyenthilan'."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def personal_forms(phone: str | None, full_name: str | None, birth_date: date | None) -> set[str]:
    """The person's own details as people type them, squeezed."""
    return name_forms(full_name) | number_forms(phone, birth_date)


def name_forms(full_name: str | None) -> set[str]:
    if not full_name:
        return set()
    words = squeeze_words(full_name)
    return {form for form in ("".join(words), "".join(words[-1:] + words[:-1])) if form}  # 'Lan Nguyễn Thị' too


def number_forms(phone: str | None, birth_date: date | None) -> set[str]:
    """The phone with or without 0, 84 or +84, and the birth date in every order people write it
    (ddmmyyyy, yyyymmdd, mmddyyyy, ddmmyy, yymmdd, with or without leading zeros)."""
    forms: set[str] = set()
    if phone:
        national = phone.removeprefix("+84").removeprefix("0")
        forms |= {national, "0" + national, "84" + national}
    if birth_date:
        d, m, y = birth_date.day, birth_date.month, birth_date.year
        for day, month in {(f"{d:02d}", f"{m:02d}"), (str(d), str(m)), (f"{d:02d}", str(m)), (str(d), f"{m:02d}")}:
            for year in (str(y), f"{y % 100:02d}"):
                forms |= {day + month + year, year + month + day, month + day + year}
    return {form for form in forms if form}


def squeeze_words(text: str) -> list[str]:
    return [squeeze(word) for word in text.split() if squeeze(word)]
