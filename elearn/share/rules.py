"""Sharing rules without Flask: reading a certificate code as people type it from paper, the QR code
as one SVG path, and breaking a text into lines for a picture (SVG text does not wrap)."""
from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass

import segno

from elearn.learn.services import CERTIFICATE_ALPHABET, CERTIFICATE_CODE_LENGTH

_IGNORED = " -.–—_/\u00a0"  # what people put between groups: spaces, dashes, dots


@dataclass(frozen=True)
class CodeReading:
    code: str | None  # the code in its stored form, or None when it cannot be one
    problem: str | None = None  # "empty", "length" or "letters"
    length: int = 0  # how many letters and digits were typed


def read_certificate_code(raw: str | None) -> CodeReading:
    """'abcd efgh-jkmn', 'ABCD.EFGH.JKMN', full-width letters... -> 'ABCDEFGHJKMN'. A code has twelve
    letters and digits from CERTIFICATE_ALPHABET (no 0, 1, I, L, O: nothing to mix up)."""
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    kept = "".join(ch for ch in text if ch not in _IGNORED)
    if not kept:
        return CodeReading(None, "empty")
    if any(ch not in CERTIFICATE_ALPHABET for ch in kept):
        return CodeReading(None, "letters", len(kept))
    if len(kept) != CERTIFICATE_CODE_LENGTH:
        return CodeReading(None, "length", len(kept))
    return CodeReading(kept)


def qr_path(text: str, border: int = 2) -> tuple[str, int]:
    """The QR code of `text` as SVG path data (one unit per module) and its size in modules."""
    qr = segno.make(text, error="m")
    parts = []
    size = 0
    for y, row in enumerate(qr.matrix_iter(scale=1, border=border)):
        row = list(row)
        size = len(row)
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return "".join(parts), size


def lines(text: str, width: int, most: int) -> list[str]:
    """`text` in lines of at most `width` characters, at most `most` lines (the last one ends in …)."""
    wrapped = textwrap.wrap(text, width, break_long_words=True) or [""]
    if len(wrapped) > most:
        wrapped = wrapped[:most]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return wrapped
