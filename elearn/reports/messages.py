"""What each refusal from the reports' services says, in the reader's language."""
from __future__ import annotations

from flask_babel import gettext as _

from elearn.file_messages import FILE_MESSAGES
from elearn.problems import Problem
from elearn.reports.population import Saved


def describe(problem: Problem) -> str:
    values = problem.values
    messages = {
        "count_not_number": lambda: _("\u201c%(value)s\u201d không phải là số người. Hãy nhập một số nguyên, "
                                      "ví dụ 1250.", value=values.get("value", "")),
        "count_negative": lambda: _("Số người không thể âm."),
        "count_too_big": lambda: _("Số này quá lớn cho một thôn. Hãy kiểm tra lại."),
        "total_missing": lambda: _("Hãy nhập tổng số (số nam và số nữ là phần chia của tổng số)."),
        "split_incomplete": lambda: _("Hãy nhập cả số nam và số nữ, hoặc để trống cả hai."),
        "split_mismatch": lambda: _("Số nam (%(male)s) cộng số nữ (%(female)s) phải bằng tổng số (%(total)s).",
                                    male=values["male"], female=values["female"], total=values["total"]),
        "year_invalid": lambda: _("Năm \u201c%(value)s\u201d chưa đúng. Hãy nhập năm có 4 chữ số, ví dụ 2026.",
                                  value=values.get("value", "")),
        "year_out_of_range": lambda: _("Năm phải từ 2015 đến năm sau."),
        "file_empty": lambda: _("Tệp trống. Hãy chọn tệp CSV đã điền số liệu."),
        "file_no_rows": lambda: _("Tệp không có dòng số liệu nào."),
        "too_many_rows": lambda: _("Tệp có quá nhiều dòng (tối đa %(limit)d).", limit=values["limit"]),
        "headers_missing": lambda: _("Thiếu cột: %(missing)s. Hãy dùng tệp mẫu.", missing=values["missing"]),
        "header_unknown": lambda: _("Không hiểu cột \u201c%(heading)s\u201d. Các cột dùng được: Thôn, Năm, Tổng số, "
                                    "Số nam, Số nữ, Nguồn.", heading=values["heading"]),
        "header_repeated": lambda: _("Cột \u201c%(heading)s\u201d bị lặp lại.", heading=values["heading"]),
        "village_missing": lambda: _("Thiếu tên thôn."),
        "village_unknown": lambda: _("Không có thôn \u201c%(name)s\u201d trong danh sách. Hãy viết đúng tên như "
                                     "trong tệp mẫu.", name=values["name"]),
        "village_ambiguous": lambda: _("Có nhiều thôn tên \u201c%(name)s\u201d. Hãy viết tên đầy đủ.",
                                       name=values["name"]),
        "duplicate_village_year": lambda: _("Thôn này đã có số liệu năm %(year)s ở dòng %(first)s.",
                                            year=values["year"], first=values["first_row"]),
    }
    if problem.code in FILE_MESSAGES:
        return str(FILE_MESSAGES[problem.code]) % values
    describe_code = messages.get(problem.code)
    return describe_code() if describe_code else _("Dữ liệu chưa đúng.")


def with_row(problem: Problem) -> str:
    text = describe(problem)
    return _("Dòng %(row)s: %(message)s", row=problem.row, message=text) if problem.row else text


def saved_message(saved: Saved) -> str:
    if not (saved.added or saved.updated or saved.removed):
        return _("Không có gì thay đổi: số liệu đã giống như trước.")
    return _("Đã lưu số dân: %(added)d thôn thêm mới, %(updated)d thôn sửa, %(removed)d thôn xóa số liệu.",
             added=saved.added, updated=saved.updated, removed=saved.removed)
