"""Uploaded CSV files, as Excel writes them in Việt Nam: read once, the same way for every import.

Plain values in, no Flask; a file that cannot be read is refused with a Problem code (file_empty,
file_is_workbook, file_not_utf8, file_not_text, file_not_csv) the page turns into advice.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata

from elearn.problems import Problem, Refused

# Control characters never found in a spreadsheet's text: their presence means a binary file.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """Lower case without accents or extra spaces: 'Thôn  Trà Bình' -> 'thon tra binh'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.casefold().split())


def decode_csv(data: bytes) -> str:
    """The text of an uploaded file; refused when it is empty, a workbook, or not UTF-8 text."""
    if not data.strip() or data.strip() == codecs.BOM_UTF8:
        raise Refused(Problem("file_empty"))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # .xlsx (a zip) and the older .xls
        raise Refused(Problem("file_is_workbook"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_like_utf16(data):
        raise Refused(Problem("file_not_utf8"))  # Excel's "Unicode Text"
    if b"\x00" in data:
        raise Refused(Problem("file_not_text"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(Problem("file_not_utf8")) from None  # e.g. Windows-1258 from an older Excel
    if _NOT_TEXT.search(text):
        raise Refused(Problem("file_not_text"))
    return text


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 without its mark: every other byte of mostly-ASCII text is zero."""
    sample = data[:2000]
    return len(sample) >= 4 and (sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4)


def _separator(text: str) -> str:
    """Excel writes ';' where the list separator is ';' (Vietnamese regional settings), else ','."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=header.count)


def csv_records(text: str) -> list[tuple[int, list[str]]]:
    """(row number as the spreadsheet shows it, cells) of every row that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    try:
        return [(number, cells) for number, cells in enumerate(reader, start=1) if any(c.strip() for c in cells)]
    except csv.Error:
        raise Refused(Problem("file_not_csv", row=reader.line_num, values={"row": reader.line_num})) from None


