"""What people send, read the same way everywhere (no Flask): numbers and ids are ASCII digits
only ('²'.isdigit() is True and int('１２') is 12), ids fit PostgreSQL's integer, and text holds no
control character (PostgreSQL refuses a NUL byte with a 500; the others have no business in a name).

Used by the forms' shared base (elearn.forms.Form), the URL converters (elearn.routing) and every
view that reads a number from a query string.
"""
from __future__ import annotations

import unicodedata

MAX_ID = 2**31 - 1  # PostgreSQL's integer: a bigger id would overflow the query
MAX_DIGITS = 10  # enough for MAX_ID; a 5,000-digit "number" is never converted
LINE_BREAKS = "\t\n\r"  # allowed in text areas only


def ascii_digits(text: str) -> bool:
    """'0123' yes; '', '²', '１２', '-1', ' 1' no."""
    return bool(text) and text.isascii() and text.isdigit()


def whole_number(value, max_digits: int = MAX_DIGITS) -> int:
    """An int from a form or an address: ASCII digits with an optional '-', at most `max_digits`
    digits; anything else raises ValueError (so it can be a WTForms `coerce`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    digits = text[1:] if text.startswith("-") else text
    if not ascii_digits(digits) or len(digits) > max_digits:
        raise ValueError(value)
    return int(text)


def parse_number(text: str | None, max_digits: int = MAX_DIGITS) -> int | None:
    """A count or a page typed by someone: ASCII digits (no sign), or None."""
    text = (text or "").strip()
    return int(text) if ascii_digits(text) and len(text) <= max_digits else None


def parse_id(value) -> int | None:
    """A database id from a form, a query string or JSON: 1 to MAX_ID, else None ("not found")."""
    try:
        number = whole_number(value)
    except ValueError:
        return None
    return number if 1 <= number <= MAX_ID else None


def has_control(text: str | None, multiline: bool = False) -> bool:
    """True when `text` holds a control character (NUL, escape, DEL, C1 ...); a text area may hold
    tabs and line breaks."""
    if not text:
        return False
    return any(unicodedata.category(ch) == "Cc" and not (multiline and ch in LINE_BREAKS) for ch in text)
