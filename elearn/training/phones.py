"""Vietnamese mobile numbers, stored in one normal form (E.164: +84 and nine digits)."""
from __future__ import annotations

import re

# Mobile prefixes after the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
MOBILE_PREFIXES = ("3", "5", "7", "8", "9")
_SEPARATORS = re.compile(r"[\s.\-()]")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """'0912 345 678', '0912345678', '+84912345678' -> '+84912345678'."""
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("+84"):
        national = text[3:]
    elif text.startswith("84") and len(text) == 11:
        national = text[2:]
    elif text.startswith("0"):
        national = text[1:]
    else:
        raise InvalidPhone(raw)
    # ASCII digits only: '０９１２…' in full-width digits would otherwise be a second account.
    if not (national.isascii() and national.isdigit() and len(national) == 9 and national[0] in MOBILE_PREFIXES):
        raise InvalidPhone(raw)
    return "+84" + national


def national_phone(normal: str) -> str:
    """'+84912345678' -> '0912345678', the number as dialled inside Vietnam."""
    return "0" + normal.removeprefix("+84")


def display_phone(normal: str) -> str:
    """'+84912345678' -> '0912 345 678', the way people write it."""
    national = national_phone(normal)
    return f"{national[:4]} {national[4:7]} {national[7:]}"
