"""Uploaded CSV files, read one way for every import (units, population figures)."""
import codecs

import pytest

from elearn.csvfiles import csv_records, decode_csv, plain
from elearn.problems import Refused


def test_names_are_compared_without_accents_case_or_spacing():
    assert plain("  Thôn  Trà Bình ") == "thon tra binh" and plain("Đặc khu") == "dac khu"


@pytest.mark.parametrize("data, code", [
    (b"", "file_empty"), (codecs.BOM_UTF8, "file_empty"),
    (b"PK\x03\x04rest of a zip", "file_is_workbook"),
    ("Thôn,Năm\n".encode("utf-16"), "file_not_utf8"),
    (b"Th\xf4n,N\xe3m\n", "file_not_utf8"),
    (b"abc\x01def,1\n", "file_not_text"),
])
def test_files_that_cannot_be_read_are_refused_with_a_reason(data, code):
    with pytest.raises(Refused) as refused:
        decode_csv(data)
    assert [p.code for p in refused.value.problems] == [code]


def test_excel_files_with_a_bom_and_semicolons_are_read_with_their_row_numbers():
    text = decode_csv(codecs.BOM_UTF8 + "Thôn;Năm\n\nThôn A;2026\n".encode())
    assert csv_records(text) == [(1, ["Thôn", "Năm"]), (3, ["Thôn A", "2026"])]


def test_a_broken_file_names_the_row_in_its_message_values():
    with pytest.raises(Refused) as refused:
        csv_records("a,b\n1," + "z" * 200_000 + "\n")
    problem = refused.value.problems[0]
    assert (problem.code, problem.row, problem.values) == ("file_not_csv", 2, {"row": 2})
